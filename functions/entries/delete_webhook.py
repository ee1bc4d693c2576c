"""DELETE /v1/webhooks/{id}: stop deliveries to an endpoint, including retries already queued."""

from typing import Any

from functions.domain import webhooks
from functions.models import json_views
from functions.runtime import idempotency
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import WEBHOOK_CONTENTION, keyed, responses
from functions.runtime.path_params import WebhookId

# No body: no validating resolver, no pydantic (decisions 18).
app = build_app(validation=False)
once = idempotency.IdempotentRoute("delete_webhook")


@app.delete(
    "/v1/webhooks/<id>",
    summary="Delete webhook",
    description="Deletes the endpoint; nothing more is delivered to it, queued retries included.",
    tags=["Webhooks"],
    responses=responses(200, "WebhookDeleted", "Deleted", 404, 409, 422, said=keyed(WEBHOOK_CONTENTION)),
)
def delete_webhook(
    id: WebhookId,
    idempotency_key: idempotency.KeyHeader = None,
) -> dict[str, Any]:
    user_id = current_user(app)

    def delete() -> idempotency.Outcome:
        webhooks.delete(user_id, id)
        return idempotency.Outcome(status=200, body=json_views.deleted())

    return once.run_for_request(app, {"id": id}, delete).body


handler = lambda_entry(app, delete_webhook)
