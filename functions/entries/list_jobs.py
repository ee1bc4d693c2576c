"""GET /v1/jobs: your jobs, one page at a time, or the one with an externalId."""

from typing import Any

from functions.domain import talent
from functions.models import json_views
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import responses
from functions.runtime.query_params import Cursor, ExternalIdFilter, Limit
from functions.runtime.talent_docs import JOB_ERRORS

# No body: no validating resolver, no pydantic (decisions 18).
app = build_app(validation=False)


@app.get(
    "/v1/jobs",
    summary="List jobs",
    description="Your jobs by id, one page at a time; pass nextCursor back as cursor. externalId= finds one.",
    tags=["Jobs"],
    responses=responses(200, "JobList", "A page of jobs", 400, said=JOB_ERRORS),
)
def list_jobs(
    limit: Limit = 20,
    cursor: Cursor = None,
    externalId: ExternalIdFilter = None,
) -> dict[str, Any]:
    items, next_cursor = talent.list_jobs(current_user(app), limit, cursor, externalId)
    return json_views.page(items, next_cursor, json_views.job)


handler = lambda_entry(app, list_jobs)
