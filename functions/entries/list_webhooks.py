"""GET /v1/webhooks: the caller's webhook endpoints, one page at a time (no secrets)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from functions.domain import webhooks
from functions.models.views import webhook_public
from functions.models.webhooks_api import WebhookList
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import responses

app = build_app()


@app.get(
    "/v1/webhooks",
    summary="List webhooks",
    description="Your webhook endpoints; pass nextCursor back as cursor.",
    tags=["Webhooks"],
    responses=responses(200, WebhookList, "A page of webhooks", 400),
)
def list_webhooks(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(min_length=1, max_length=2048)] = None,
) -> WebhookList:
    items, next_cursor = webhooks.list_page(current_user(app), limit, cursor)
    return WebhookList(items=[webhook_public(item) for item in items], nextCursor=next_cursor)


handler = lambda_entry(app, list_webhooks)
