"""GET /v1/webhooks: the caller's webhook endpoints, one page at a time (no secrets)."""

from typing import Any

from functions.domain import webhooks
from functions.models import json_views
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import responses
from functions.runtime.query_params import Cursor, Limit

# No body: no validating resolver, no pydantic (decisions 18).
app = build_app(validation=False)


@app.get(
    "/v1/webhooks",
    summary="List webhooks",
    description="Your webhook endpoints; pass nextCursor back as cursor.",
    tags=["Webhooks"],
    responses=responses(200, "WebhookList", "A page of webhooks", 400),
)
def list_webhooks(
    limit: Limit = 20,
    cursor: Cursor = None,
) -> dict[str, Any]:
    items, next_cursor = webhooks.list_page(current_user(app), limit, cursor)
    return json_views.page(items, next_cursor, json_views.webhook)


handler = lambda_entry(app, list_webhooks)
