"""POST /v1/webhooks/{id}/ping: queue a signed webhook.ping to the endpoint."""

from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types

from functions.domain import webhooks
from functions.runtime import idempotency
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import keyed, responses
from functions.runtime.path_params import WebhookId

# No body: no validating resolver, no pydantic (decisions 18).
app = build_app(validation=False)
once = idempotency.IdempotentRoute("ping_webhook")


@app.post(
    "/v1/webhooks/<id>/ping",
    summary="Ping webhook",
    description="Queues a webhook.ping event to the endpoint, delivered and retried like any other event.",
    tags=["Webhooks"],
    responses=responses(
        202,
        "PingQueued",
        "Ping queued",
        404,
        409,
        422,
        said=keyed({409: "`conflict`: the webhook is disabled"}),
    ),
)
def ping_webhook(
    id: WebhookId,
    idempotency_key: idempotency.KeyHeader = None,
) -> Response[dict[str, Any]]:
    user_id = current_user(app)

    def ping() -> idempotency.Outcome:
        message_id = webhooks.ping(user_id, id)
        return idempotency.Outcome(status=202, body={"queued": True, "messageId": message_id})  # PingQueued

    outcome = once.run_for_request(app, {"id": id}, ping)
    return Response(status_code=outcome.status, content_type=content_types.APPLICATION_JSON, body=outcome.body)


handler = lambda_entry(app, ping_webhook)
