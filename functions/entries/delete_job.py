"""DELETE /v1/jobs/{id}: a job no interview or candidate references."""

from typing import Any

from functions.domain import talent
from functions.models import json_views
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import responses
from functions.runtime.path_params import JobId
from functions.runtime.talent_docs import JOB_ERRORS

# No body: no validating resolver, no pydantic (decisions 18).
app = build_app(validation=False)


@app.delete(
    "/v1/jobs/<id>",
    summary="Delete job",
    description="Deletes the job; 409 resource_in_use while interviews or candidates reference it.",
    tags=["Jobs"],
    responses=responses(200, "Deleted", "Deleted", 404, 409, said=JOB_ERRORS),
)
def delete_job(id: JobId) -> dict[str, Any]:
    talent.delete_job(current_user(app), id)
    return json_views.deleted()


handler = lambda_entry(app, delete_job)
