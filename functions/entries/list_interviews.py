"""GET /v1/interviews: the caller's interviews, newest first, one page at a time."""

from typing import Annotated, Any

from functions.domain import interview_reads
from functions.models import json_views
from functions.models.entities.interviews import InterviewStatus
from functions.models.vocabulary import StatusName
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import responses
from functions.runtime.query_params import CandidateFilter, Cursor, JobFilter, Limit, QueryRule

# No body: no validating resolver, no pydantic (decisions 18).
app = build_app(validation=False)


@app.get(
    "/v1/interviews",
    summary="List interviews",
    description="Your interviews, newest first, one page at a time; pass nextCursor back as cursor. "
    "Filter by one of status, candidateId or jobId.",
    tags=["Interviews"],
    responses=responses(200, "InterviewList", "A page of interviews", 400),
)
def list_interviews(
    limit: Limit = 20,
    status: Annotated[StatusName | None, QueryRule()] = None,
    cursor: Cursor = None,
    candidateId: CandidateFilter = None,
    jobId: JobFilter = None,
) -> dict[str, Any]:
    items, next_cursor = interview_reads.list_page(
        current_user(app), InterviewStatus(status) if status else None, limit, cursor, candidateId, jobId
    )
    return json_views.page(items, next_cursor, json_views.interview)


handler = lambda_entry(app, list_interviews)
