"""DELETE /v1/jobs/{id}: a job no interview or candidate references."""

from typing import Any

from functions.domain import talent
from functions.models import json_views
from functions.runtime import idempotency
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import keyed, responses
from functions.runtime.path_params import JobId
from functions.runtime.talent_docs import JOB_ERRORS

# No body: no validating resolver, no pydantic (decisions 18).
app = build_app(validation=False)
once = idempotency.IdempotentRoute("delete_job")


@app.delete(
    "/v1/jobs/<id>",
    summary="Delete job",
    description="Deletes the job; 409 resource_in_use while interviews or candidates reference it.",
    tags=["Jobs"],
    responses=responses(200, "Deleted", "Deleted", 404, 409, 422, said=keyed(JOB_ERRORS)),
)
def delete_job(
    id: JobId,
    idempotency_key: idempotency.KeyHeader = None,
) -> dict[str, Any]:
    user_id = current_user(app)

    def delete() -> idempotency.Outcome:
        talent.delete_job(user_id, id)
        return idempotency.Outcome(status=200, body=json_views.deleted())

    return once.run_for_request(app, {"id": id}, delete).body


handler = lambda_entry(app, delete_job)
