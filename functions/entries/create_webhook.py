"""POST /v1/webhooks: register an endpoint for interview events; the answer carries its signing secret."""

from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types

from functions.domain import webhook_registration
from functions.models import json_views
from functions.models.webhooks_api import WebhookCreate, WebhookWithSecret
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import WEBHOOK_CONTENTION, responses

app = build_app()


@app.post(
    "/v1/webhooks",
    summary="Create webhook",
    description="Registers an https endpoint for interview events. The secret is shown only here and on rotation.",
    tags=["Webhooks"],
    responses=responses(
        201, WebhookWithSecret, "Webhook created, with its signing secret", 400, 409, said=WEBHOOK_CONTENTION
    ),
)
def create_webhook(body: WebhookCreate) -> Response[dict[str, Any]]:
    created = json_views.webhook_with_secret(webhook_registration.create(current_user(app), body))
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=created)


handler = lambda_entry(app, create_webhook)
