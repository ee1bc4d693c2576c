"""GET /v1/jobs: your jobs, one page at a time."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from functions.domain import talent
from functions.models.talent import JobList, job_public
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import responses
from functions.runtime.talent_docs import JOB_ERRORS

app = build_app()


@app.get(
    "/v1/jobs",
    summary="List jobs",
    description="Your jobs by id, one page at a time; pass nextCursor back as cursor.",
    tags=["Jobs"],
    responses=responses(200, JobList, "A page of jobs", 400, said=JOB_ERRORS),
)
def list_jobs(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(min_length=1, max_length=2048)] = None,
) -> JobList:
    items, next_cursor = talent.list_jobs(current_user(app), limit, cursor)
    return JobList(items=[job_public(item) for item in items], nextCursor=next_cursor)


handler = lambda_entry(app, list_jobs)
