"""POST /v1/webhooks/{id}/rotate-secret: a new signing secret; the old one keeps signing for 24 hours."""

from typing import Any

from functions.domain import webhooks
from functions.models import json_views
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import responses
from functions.runtime.path_params import WebhookId

# No body: no validating resolver, no pydantic (decisions 18).
app = build_app(validation=False)


@app.post(
    "/v1/webhooks/<id>/rotate-secret",
    summary="Rotate webhook secret",
    description="Issues a new secret. For 24 hours every delivery carries signatures with both the old and the new.",
    tags=["Webhooks"],
    responses=responses(200, "WebhookWithSecret", "The webhook with its new secret", 404, 409),
)
def rotate_webhook_secret(id: WebhookId) -> dict[str, Any]:
    return json_views.webhook_with_secret(webhooks.rotate_secret(current_user(app), id))


handler = lambda_entry(app, rotate_webhook_secret)
