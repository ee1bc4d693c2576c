"""POST /v1/jobs: a job of yours, optionally with your ATS's externalId."""

from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types

from functions.domain import talent
from functions.models.talent import JobCreate, JobPublic, job_public
from functions.runtime import idempotency
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import keyed, responses
from functions.runtime.talent_docs import JOB_ERRORS

app = build_app()
once = idempotency.IdempotentRoute("create_job")


def _create(user_id: str, body: JobCreate) -> idempotency.Outcome:
    created = job_public(talent.create_job(user_id, body))
    return idempotency.Outcome(status=201, body=created.model_dump(mode="json"))


@app.post(
    "/v1/jobs",
    summary="Create job",
    description="A job of yours; externalId is unique among your jobs.",
    tags=["Jobs"],
    responses=responses(201, JobPublic, "Job created", 400, 409, 422, said=keyed(JOB_ERRORS)),
)
def create_job(
    body: JobCreate,
    idempotency_key: idempotency.KeyHeader = None,
) -> Response[dict[str, Any]]:
    user_id = current_user(app)
    outcome = once.run_for_request(app, body.model_dump(mode="json"), lambda: _create(user_id, body))
    return Response(status_code=outcome.status, content_type=content_types.APPLICATION_JSON, body=outcome.body)


handler = lambda_entry(app, create_job)
