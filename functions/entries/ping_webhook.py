"""POST /v1/webhooks/{id}/ping: queue a signed webhook.ping to the endpoint."""

from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types

from functions.domain import webhooks
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import responses
from functions.runtime.path_params import WebhookId

# No body: no validating resolver, no pydantic (decisions 18).
app = build_app(validation=False)


@app.post(
    "/v1/webhooks/<id>/ping",
    summary="Ping webhook",
    description="Queues a webhook.ping event to the endpoint, delivered and retried like any other event.",
    tags=["Webhooks"],
    responses=responses(202, "PingQueued", "Ping queued", 404, 409),
)
def ping_webhook(id: WebhookId) -> Response[dict[str, Any]]:
    message_id = webhooks.ping(current_user(app), id)
    body = {"queued": True, "messageId": message_id}  # PingQueued
    return Response(status_code=202, content_type=content_types.APPLICATION_JSON, body=body)


handler = lambda_entry(app, ping_webhook)
