"""GET /v1/interviews: the caller's interviews, newest first, one page at a time."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from functions.domain import interviews
from functions.models.api import InterviewList, StatusName
from functions.models.entities import InterviewStatus
from functions.models.views import interview_public
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import responses
from functions.runtime.query_params import CandidateFilter, JobFilter

app = build_app()


@app.get(
    "/v1/interviews",
    summary="List interviews",
    description="Your interviews, newest first, one page at a time; pass nextCursor back as cursor. "
    "Filter by one of status, candidateId or jobId.",
    tags=["Interviews"],
    responses=responses(200, InterviewList, "A page of interviews", 400),
)
def list_interviews(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    status: Annotated[StatusName | None, Query()] = None,
    cursor: Annotated[str | None, Query(min_length=1, max_length=2048)] = None,
    candidateId: CandidateFilter = None,
    jobId: JobFilter = None,
) -> InterviewList:
    items, next_cursor = interviews.list_page(
        current_user(app), InterviewStatus(status) if status else None, limit, cursor, candidateId, jobId
    )
    return InterviewList(items=[interview_public(item) for item in items], nextCursor=next_cursor)


handler = lambda_entry(app, list_interviews)
