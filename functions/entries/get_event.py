"""GET /v1/events/{id}: one webhook event, as its deliveries carry it."""

from typing import Any

from functions.domain import events
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import responses
from functions.runtime.path_params import EventId

# No body: no validating resolver, no pydantic (decisions 18).
app = build_app(validation=False)


@app.get(
    "/v1/events/<id>",
    summary="Get event",
    description="The event as its deliveries carry it, plus its id (their webhook-id).",
    tags=["Events"],
    responses=responses(200, "EventPublic", "The event", 404),
)
def get_event(id: EventId) -> dict[str, Any]:
    return events.view(events.get(current_user(app), id))


handler = lambda_entry(app, get_event)
