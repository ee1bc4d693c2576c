"""GET /v1/webhooks/{id}: one webhook endpoint (no secret)."""

from typing import Any

from functions.domain import webhooks
from functions.models import json_views
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import responses
from functions.runtime.path_params import WebhookId

# No body: no validating resolver, no pydantic (decisions 18).
app = build_app(validation=False)


@app.get(
    "/v1/webhooks/<id>",
    summary="Get webhook",
    description="The endpoint, its events and whether it is enabled (false once it answered 410 or failed 5 days).",
    tags=["Webhooks"],
    responses=responses(200, "WebhookPublic", "The webhook", 404),
)
def get_webhook(id: WebhookId) -> dict[str, Any]:
    return json_views.webhook(webhooks.get(current_user(app), id))


handler = lambda_entry(app, get_webhook)
