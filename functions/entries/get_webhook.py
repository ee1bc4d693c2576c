"""GET /v1/webhooks/{id}: one webhook endpoint (no secret)."""

from functions.domain import webhooks
from functions.models.views import webhook_public
from functions.models.webhooks_api import WebhookPublic
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import responses
from functions.runtime.path_params import WebhookId

app = build_app()


@app.get(
    "/v1/webhooks/<id>",
    summary="Get webhook",
    description="The endpoint, its events and whether it is enabled (false once it answered 410 or failed 5 days).",
    tags=["Webhooks"],
    responses=responses(200, WebhookPublic, "The webhook", 404),
)
def get_webhook(id: WebhookId) -> WebhookPublic:
    return webhook_public(webhooks.get(current_user(app), id))


handler = lambda_entry(app, get_webhook)
