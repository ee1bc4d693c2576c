"""GET /v1/candidates/{id}: one candidate of yours."""

from functions.domain import talent
from functions.models.talent import CandidatePublic, candidate_public
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import responses
from functions.runtime.path_params import CandidateId
from functions.runtime.talent_docs import CANDIDATE_ERRORS

app = build_app()


@app.get(
    "/v1/candidates/<id>",
    summary="Get candidate",
    description="One candidate of yours.",
    tags=["Candidates"],
    responses=responses(200, CandidatePublic, "The candidate", 404, said=CANDIDATE_ERRORS),
)
def get_candidate(id: CandidateId) -> CandidatePublic:
    return candidate_public(talent.get_candidate(current_user(app), id))


handler = lambda_entry(app, get_candidate)
