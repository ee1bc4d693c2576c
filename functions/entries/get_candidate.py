"""GET /v1/candidates/{id}: one candidate of yours."""

from typing import Any

from functions.domain import talent
from functions.models import json_views
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import responses
from functions.runtime.path_params import CandidateId
from functions.runtime.talent_docs import CANDIDATE_ERRORS

# No body: no validating resolver, no pydantic (decisions 18).
app = build_app(validation=False)


@app.get(
    "/v1/candidates/<id>",
    summary="Get candidate",
    description="One candidate of yours.",
    tags=["Candidates"],
    responses=responses(200, "CandidatePublic", "The candidate", 404, said=CANDIDATE_ERRORS),
)
def get_candidate(id: CandidateId) -> dict[str, Any]:
    return json_views.candidate(talent.get_candidate(current_user(app), id))


handler = lambda_entry(app, get_candidate)
