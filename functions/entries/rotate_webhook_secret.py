"""POST /v1/webhooks/{id}/rotate-secret: a new signing secret; the old one keeps signing for 24 hours."""

from typing import Any

from functions.domain import webhooks
from functions.models import json_views
from functions.runtime import idempotency
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import keyed, responses
from functions.runtime.path_params import WebhookId

# No body: no validating resolver, no pydantic (decisions 18).
app = build_app(validation=False)
once = idempotency.IdempotentRoute("rotate_webhook_secret")


@app.post(
    "/v1/webhooks/<id>/rotate-secret",
    summary="Rotate webhook secret",
    description="Issues a new secret. For 24 hours every delivery carries signatures with both the old and the new.",
    tags=["Webhooks"],
    responses=responses(
        200,
        "WebhookWithSecret",
        "The webhook with its new secret",
        404,
        409,
        422,
        said=keyed({409: "`conflict`: a previous secret is still valid, or the secret was rotated concurrently"}),
    ),
)
def rotate_webhook_secret(
    id: WebhookId,
    idempotency_key: idempotency.KeyHeader = None,
) -> dict[str, Any]:
    user_id = current_user(app)

    def rotate() -> idempotency.Outcome:
        # A replay answers the same new secret (stored 24 hours, as the webhooks table stores it to sign).
        return idempotency.Outcome(status=200, body=json_views.webhook_with_secret(webhooks.rotate_secret(user_id, id)))

    return once.run_for_request(app, {"id": id}, rotate).body


handler = lambda_entry(app, rotate_webhook_secret)
