"""PATCH /v1/jobs/{id}: partial update of title, externalId or metadata."""

from functions.domain import talent
from functions.models.talent import JobPublic, JobUpdate, job_public
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import responses
from functions.runtime.path_params import JobId
from functions.runtime.talent_docs import JOB_ERRORS

app = build_app()


@app.patch(
    "/v1/jobs/<id>",
    summary="Update job",
    description="Partial update; at least one field. null clears externalId or metadata.",
    tags=["Jobs"],
    responses=responses(200, JobPublic, "The updated job", 400, 404, 409, said=JOB_ERRORS),
)
def update_job(id: JobId, body: JobUpdate) -> JobPublic:
    return job_public(talent.update_job(current_user(app), id, body))


handler = lambda_entry(app, update_job)
