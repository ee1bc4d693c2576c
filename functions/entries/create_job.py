"""POST /v1/jobs: a job of yours, optionally with your ATS's externalId."""

from aws_lambda_powertools.event_handler import Response, content_types

from functions.domain import talent
from functions.models.talent import JobCreate, JobPublic, job_public
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import responses
from functions.runtime.talent_docs import JOB_ERRORS

app = build_app()


@app.post(
    "/v1/jobs",
    summary="Create job",
    description="A job of yours; externalId is unique among your jobs.",
    tags=["Jobs"],
    responses=responses(201, JobPublic, "Job created", 400, 409, said=JOB_ERRORS),
)
def create_job(body: JobCreate) -> Response[JobPublic]:
    created = job_public(talent.create_job(current_user(app), body))
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=created)


handler = lambda_entry(app, create_job)
