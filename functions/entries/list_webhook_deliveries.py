"""GET /v1/webhooks/{id}/deliveries: the endpoint's recent delivery attempts, newest first."""

from typing import Any

from functions.domain import webhooks
from functions.models import json_views
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import responses
from functions.runtime.path_params import WebhookId
from functions.runtime.query_params import Cursor, Limit

# No body: no validating resolver, no pydantic (decisions 18).
app = build_app(validation=False)


@app.get(
    "/v1/webhooks/<id>/deliveries",
    summary="List webhook deliveries",
    description="Every attempt of the last 30 days, newest first: status, answer, duration, error, next retry.",
    tags=["Webhooks"],
    responses=responses(200, "DeliveryList", "A page of delivery attempts", 400, 404),
)
def list_webhook_deliveries(
    id: WebhookId,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> dict[str, Any]:
    items, next_cursor = webhooks.deliveries_page(current_user(app), id, limit, cursor)
    return json_views.page(items, next_cursor, json_views.delivery)


handler = lambda_entry(app, list_webhook_deliveries)
