"""GET /v1/webhooks/{id}/deliveries: the endpoint's recent delivery attempts, newest first."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from functions.domain import webhooks
from functions.models.views import delivery_public
from functions.models.webhooks_api import DeliveryList
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import responses
from functions.runtime.path_params import WebhookId

app = build_app()


@app.get(
    "/v1/webhooks/<id>/deliveries",
    summary="List webhook deliveries",
    description="Every attempt of the last 30 days, newest first: status, answer, duration, error, next retry.",
    tags=["Webhooks"],
    responses=responses(200, DeliveryList, "A page of delivery attempts", 400, 404),
)
def list_webhook_deliveries(
    id: WebhookId,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(min_length=1, max_length=2048)] = None,
) -> DeliveryList:
    items, next_cursor = webhooks.deliveries_page(current_user(app), id, limit, cursor)
    return DeliveryList(items=[delivery_public(item) for item in items], nextCursor=next_cursor)


handler = lambda_entry(app, list_webhook_deliveries)
