"""GET /v1/jobs/{id}: one job of yours."""

from typing import Any

from functions.domain import talent
from functions.models import json_views
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import responses
from functions.runtime.path_params import JobId
from functions.runtime.talent_docs import JOB_ERRORS

# No body: no validating resolver, no pydantic (decisions 18).
app = build_app(validation=False)


@app.get(
    "/v1/jobs/<id>",
    summary="Get job",
    description="One job of yours.",
    tags=["Jobs"],
    responses=responses(200, "JobPublic", "The job", 404, said=JOB_ERRORS),
)
def get_job(id: JobId) -> dict[str, Any]:
    return json_views.job(talent.get_job(current_user(app), id))


handler = lambda_entry(app, get_job)
