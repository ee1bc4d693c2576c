"""GET /v1/candidates: your candidates, one page at a time, or the one with an externalId, or a job's."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from functions.domain import talent
from functions.models.talent import CandidateList, candidate_public
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import responses
from functions.runtime.query_params import ExternalIdFilter, JobFilter
from functions.runtime.talent_docs import CANDIDATE_ERRORS

app = build_app()


@app.get(
    "/v1/candidates",
    summary="List candidates",
    description="Your candidates by id, one page at a time; externalId= finds one, jobId= lists a job's candidates.",
    tags=["Candidates"],
    responses=responses(200, CandidateList, "A page of candidates", 400, said=CANDIDATE_ERRORS),
)
def list_candidates(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(min_length=1, max_length=2048)] = None,
    externalId: ExternalIdFilter = None,
    jobId: JobFilter = None,
) -> CandidateList:
    items, next_cursor = talent.list_candidates(current_user(app), limit, cursor, externalId, jobId)
    return CandidateList(items=[candidate_public(item) for item in items], nextCursor=next_cursor)


handler = lambda_entry(app, list_candidates)
