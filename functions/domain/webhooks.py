"""Webhook endpoints as stored: reading, listing, deletion, secret rotation, ping and the delivery log.

Registration, which needs the URL rules and the request model, is in webhook_registration: the
routes here load no pydantic (decisions 18).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from functions.data import webhook_queue
from functions.data import webhooks as store
from functions.domain import clock, cursors, webhook_messages, webhook_signing
from functions.domain.contention import retry_on_conflict
from functions.models.entities.webhooks import DeliveryAttempt, Webhook
from functions.models.errors import Conflict, NotFound
from functions.models.vocabulary import PING

ROTATION_GRACE_SECONDS = 24 * 3600
_CURSOR_SCOPE = "webhooks"
_GAVE_UP = "Too many concurrent changes to your webhooks; nothing was changed, retry in a moment"


def counted(owner_id: str, write: Callable[[], None]) -> None:
    """A write that changes the owner's endpoint counter: retried on TransactionConflict (real DynamoDB
    cancels racing transactions on the counter), and run again once the counter of an owner whose
    endpoints predate it has been created from the table."""
    try:
        retry_on_conflict(write, gave_up=_GAVE_UP)
    except store.Uncounted:
        store.count_existing(owner_id)
        retry_on_conflict(write, gave_up=_GAVE_UP)


def get(owner_id: str, webhook_id: str) -> Webhook:
    webhook = store.get(owner_id, webhook_id)
    if webhook is None:
        raise NotFound("Webhook not found")
    return webhook


def list_page(owner_id: str, limit: int, cursor: str | None) -> tuple[list[Webhook], str | None]:
    start_key = cursors.decode(cursor, owner_id, _CURSOR_SCOPE)
    page = store.query(owner_id, limit, start_key)
    return page.items, cursors.encode(page.last_key, owner_id, _CURSOR_SCOPE)


def delete(owner_id: str, webhook_id: str) -> None:
    """The endpoint and its slot under the cap go in one transaction."""
    counted(owner_id, lambda: store.delete_counted(owner_id, webhook_id))


def rotate_secret(owner_id: str, webhook_id: str) -> Webhook:
    """A new secret; the current one keeps signing for ROTATION_GRACE_SECONDS.

    Only one previous secret at a time: a second rotation while it is still valid answers 409 rather
    than ending that grace early (receivers still on it would fail) or signing with three secrets.
    """
    current = get(owner_id, webhook_id)
    now = int(clock.seconds())
    if current.previous_secret_until is not None and current.previous_secret_until > now:
        raise Conflict(
            f"The previous secret is valid until {clock.iso_epoch(current.previous_secret_until)}; rotate again "
            "after that (to replace a leaked secret at once, delete the webhook and register it again)"
        )
    return store.rotate_secret(current, webhook_signing.new_secret(), now, now + ROTATION_GRACE_SECONDS)


def ping(owner_id: str, webhook_id: str) -> str:
    """Queue a webhook.ping for the endpoint; returns the webhook-id it will carry."""
    webhook = get(owner_id, webhook_id)
    if not webhook.enabled:
        raise Conflict("Webhook is disabled; register the endpoint again once it answers")
    event = f"evt_{uuid.uuid4().hex}"
    delivery = webhook_messages.Delivery(
        message_id=webhook_messages.message_id(event, webhook.id),
        event_id=event,
        webhook_id=webhook.id,
        owner_id=owner_id,
        type=PING,
        body=webhook_messages.ping_body(webhook.id, clock.now()),
    )
    webhook_queue.send([delivery.to_json()])
    return delivery.message_id


def deliveries_page(
    owner_id: str, webhook_id: str, limit: int, cursor: str | None
) -> tuple[list[DeliveryAttempt], str | None]:
    get(owner_id, webhook_id)  # 404 for another user's endpoint, like a missing one
    scope = f"{_CURSOR_SCOPE}:{webhook_id}"
    start_key = cursors.decode(cursor, owner_id, scope)
    page = store.query_attempts(webhook_id, limit, start_key)
    return page.items, cursors.encode(page.last_key, owner_id, scope)
