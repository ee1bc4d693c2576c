"""DELETE /v1/webhooks/{id}: stop deliveries to an endpoint, including retries already queued."""

from typing import Any

from functions.domain import webhooks
from functions.models import json_views
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import WEBHOOK_CONTENTION, responses
from functions.runtime.path_params import WebhookId

# No body: no validating resolver, no pydantic (decisions 18).
app = build_app(validation=False)


@app.delete(
    "/v1/webhooks/<id>",
    summary="Delete webhook",
    description="Deletes the endpoint; nothing more is delivered to it, queued retries included.",
    tags=["Webhooks"],
    responses=responses(200, "WebhookDeleted", "Deleted", 404, 409, said=WEBHOOK_CONTENTION),
)
def delete_webhook(id: WebhookId) -> dict[str, Any]:
    webhooks.delete(current_user(app), id)
    return json_views.deleted()


handler = lambda_entry(app, delete_webhook)
