"""POST /v1/events/{id}/resend: deliver an event again, with its webhook-id, to one or every subscribed webhook."""

from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types

from functions.domain import event_resend
from functions.models.webhooks_api import EventResend, EventResent
from functions.runtime import idempotency
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import keyed, responses
from functions.runtime.path_params import EventId

app = build_app()
once = idempotency.IdempotentRoute("resend_event")
# No body (or {}): every enabled webhook subscribed to the event's type.
_EVERY_WEBHOOK = EventResend()


@app.post(
    "/v1/events/<id>/resend",
    summary="Resend event",
    description="Queues a new delivery of the event, with the same webhook-id, to webhookId or to every enabled "
    "webhook subscribed to its type; it appears in that webhook's deliveries.",
    tags=["Events"],
    responses=responses(
        202,
        EventResent,
        "Deliveries queued",
        404,
        409,
        422,
        said=keyed(
            {
                404: "`not_found`: the event or the webhook does not exist or belongs to another user",
                409: "`conflict`: the webhook is disabled",
            }
        ),
    ),
)
def resend_event(
    id: EventId,
    body: EventResend = _EVERY_WEBHOOK,
    idempotency_key: idempotency.KeyHeader = None,
) -> Response[dict[str, Any]]:
    user_id = current_user(app)

    def resend() -> idempotency.Outcome:
        queued = event_resend.resend(user_id, id, body.webhookId)
        return idempotency.Outcome(status=202, body=EventResent(queued=queued).model_dump(mode="json"))

    outcome = once.run_for_request(app, {"id": id} | body.model_dump(mode="json"), resend)
    return Response(status_code=outcome.status, content_type=content_types.APPLICATION_JSON, body=outcome.body)


handler = lambda_entry(app, resend_event)
