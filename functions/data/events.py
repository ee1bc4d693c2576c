"""Webhook events as recorded (table `events`): every event of an owner, for GET /v1/events and resend.

The fan-out writes them (one BatchWriteItem per 25) before it queues their deliveries, whether or not
the owner has an endpoint. Each item keeps the exact payload its deliveries carry; DynamoDB's TTL
deletes it 30 days after the change (usually within a few days of that).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from functions.data.aws import dynamodb, from_item, to_item
from functions.data.paging import query_page
from functions.data.settings import settings
from functions.models.entities.page import Page
from functions.models.entities.webhooks import Event

RETENTION_DAYS = 30
_BATCH = 25  # BatchWriteItem's limit
# Items left unprocessed (throttling) are written again this many times before the write fails.
_ROUNDS = 5


class NotRecorded(Exception):
    """The events from index `first` on were not written (those before it were)."""

    def __init__(self, first: int) -> None:
        super().__init__(f"events from index {first} were not recorded")
        self.first = first


def _time_key(event: Event) -> str:
    # Newest first when read backwards; the id tells apart events of one change (and one second).
    return f"{event.timestamp}#{event.id}"


def _item(event: Event, now: float) -> dict[str, Any]:
    return to_item(
        {
            "ownerId": event.owner_id,
            "id": event.id,
            "type": event.type,
            "timestamp": event.timestamp,
            "body": event.body,
            "timeKey": _time_key(event),
            "ownerType": f"{event.owner_id}#{event.type}",
            "expiresAt": int(now) + RETENTION_DAYS * 86400,
        }
    )


def put_all(events: Sequence[Event]) -> None:
    """Write the events in batches of 25 (a repeated write of an event rewrites the same item).

    Raises NotRecorded naming the first event of the first batch not fully written.
    """
    now = time.time()
    for start in range(0, len(events), _BATCH):
        pending: dict[str, Any] = {
            settings().events_table: [
                {"PutRequest": {"Item": _item(event, now)}} for event in events[start : start + _BATCH]
            ]
        }
        try:
            for attempt in range(_ROUNDS):
                pending = dynamodb().batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
                if not pending:
                    break
                time.sleep(0.05 * 2**attempt)  # backoff between rounds, as DynamoDB asks for unprocessed items
        except Exception as exc:
            raise NotRecorded(start) from exc
        if pending:
            raise NotRecorded(start)


def _event(item: dict[str, Any]) -> Event:
    values = from_item(item)
    return Event(
        id=values["id"],
        owner_id=values["ownerId"],
        type=values["type"],
        timestamp=values["timestamp"],
        body=values["body"],
    )


def get(owner_id: str, event_id: str) -> Event | None:
    found = dynamodb().get_item(
        TableName=settings().events_table,
        Key={"ownerId": {"S": owner_id}, "id": {"S": event_id}},
        ConsistentRead=True,
    )
    return _event(found["Item"]) if "Item" in found else None


def query(owner_id: str, event_type: str | None, limit: int, start_key: dict[str, Any] | None) -> Page[Event]:
    """One page of the owner's events, newest first: all of them, or those of one type."""
    if event_type is None:
        index, key, value = "byOwner", "ownerId", owner_id
    else:
        index, key, value = "byOwnerType", "ownerType", f"{owner_id}#{event_type}"
    params: dict[str, Any] = {
        "TableName": settings().events_table,
        "IndexName": index,
        "KeyConditionExpression": "#k = :v",
        "ExpressionAttributeNames": {"#k": key},
        "ExpressionAttributeValues": {":v": {"S": value}},
        "ScanIndexForward": False,
        "Limit": limit,
    }
    return query_page(params, start_key, _event)
