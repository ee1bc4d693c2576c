"""GET /v1/events: the caller's webhook events of the last 30 days, newest first, one page at a time."""

from typing import Annotated, Any

from functions.domain import events
from functions.models import json_views
from functions.models.vocabulary import EventTypeName
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import responses
from functions.runtime.query_params import Cursor, Limit, QueryRule

# No body: no validating resolver, no pydantic (decisions 18).
app = build_app(validation=False)


@app.get(
    "/v1/events",
    summary="List events",
    description="Every webhook event of the last 30 days, newest first, whether or not a webhook received it: "
    "catch up on what a receiver missed. Each is the payload as delivered plus its id (the deliveries' "
    "webhook-id). type= lists one event type.",
    tags=["Events"],
    responses=responses(200, "EventList", "A page of events", 400),
)
def list_events(
    limit: Limit = 20,
    cursor: Cursor = None,
    type: Annotated[EventTypeName | None, QueryRule(description="Only events of this type")] = None,
) -> dict[str, Any]:
    items, next_cursor = events.list_page(current_user(app), type, limit, cursor)
    return json_views.page(items, next_cursor, events.view)


handler = lambda_entry(app, list_events)
