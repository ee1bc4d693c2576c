"""GET /v1/candidates: your candidates, one page at a time, or the one with an externalId, or a job's."""

from typing import Any

from functions.domain import talent
from functions.models import json_views
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import responses
from functions.runtime.query_params import Cursor, ExternalIdFilter, JobFilter, Limit
from functions.runtime.talent_docs import CANDIDATE_ERRORS

# No body: no validating resolver, no pydantic (decisions 18).
app = build_app(validation=False)


@app.get(
    "/v1/candidates",
    summary="List candidates",
    description="Your candidates by id, one page at a time; externalId= finds one, jobId= lists a job's candidates.",
    tags=["Candidates"],
    responses=responses(200, "CandidateList", "A page of candidates", 400, said=CANDIDATE_ERRORS),
)
def list_candidates(
    limit: Limit = 20,
    cursor: Cursor = None,
    externalId: ExternalIdFilter = None,
    jobId: JobFilter = None,
) -> dict[str, Any]:
    items, next_cursor = talent.list_candidates(current_user(app), limit, cursor, externalId, jobId)
    return json_views.page(items, next_cursor, json_views.candidate)


handler = lambda_entry(app, list_candidates)
