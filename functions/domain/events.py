"""The events feed: every webhook event of an owner for 30 days, to catch up on and to send again.

Events are recorded by the fan-out (webhook_delivery.fan_out) whether or not the owner has an
endpoint; each is exactly the payload its deliveries carry, plus its id, which is their webhook-id.
Sending one again is in event_resend: the read routes here load no pydantic (decisions 18).
"""

from __future__ import annotations

import json
from typing import Any

from functions.data import events as store
from functions.domain import cursors
from functions.models.entities.webhooks import Event
from functions.models.errors import NotFound

_CURSOR_SCOPE = "events"


def view(event: Event) -> dict[str, Any]:
    """EventPublic: {"id", "type", "timestamp", "data"}, the payload as delivered."""
    payload: dict[str, Any] = json.loads(event.body)
    return {"id": event.id} | payload


def get(owner_id: str, event_id: str) -> Event:
    event = store.get(owner_id, event_id)
    if event is None:
        raise NotFound("Event not found")  # another user's too
    return event


def list_page(owner_id: str, event_type: str | None, limit: int, cursor: str | None) -> tuple[list[Event], str | None]:
    scope = f"{_CURSOR_SCOPE}:{event_type or ''}"
    start_key = cursors.decode(cursor, owner_id, scope)
    page = store.query(owner_id, event_type, limit, start_key)
    return page.items, cursors.encode(page.last_key, owner_id, scope)
