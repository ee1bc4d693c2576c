"""POST /v1/webhooks: register an endpoint for interview events; the answer carries its signing secret."""

from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types

from functions.domain import webhook_registration
from functions.models import json_views
from functions.models.webhooks_api import WebhookCreate, WebhookWithSecret
from functions.runtime import idempotency
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import WEBHOOK_CREATION, keyed, responses

app = build_app()
once = idempotency.IdempotentRoute("create_webhook")


def _create(user_id: str, body: WebhookCreate) -> idempotency.Outcome:
    # The stored answer holds the secret for the key's 24 hours, as the webhooks table holds it (to sign).
    created = json_views.webhook_with_secret(webhook_registration.create(user_id, body))
    return idempotency.Outcome(status=201, body=created)


@app.post(
    "/v1/webhooks",
    summary="Create webhook",
    description="Registers an https endpoint for interview events. The secret is shown only here and on rotation.",
    tags=["Webhooks"],
    responses=responses(
        201,
        WebhookWithSecret,
        "Webhook created, with its signing secret",
        400,
        409,
        422,
        said=keyed(WEBHOOK_CREATION),
    ),
)
def create_webhook(
    body: WebhookCreate,
    idempotency_key: idempotency.KeyHeader = None,
) -> Response[dict[str, Any]]:
    user_id = current_user(app)
    outcome = once.run_for_request(app, body.model_dump(mode="json"), lambda: _create(user_id, body))
    return Response(status_code=outcome.status, content_type=content_types.APPLICATION_JSON, body=outcome.body)


handler = lambda_entry(app, create_webhook)
