"""Where an owner's events go: their endpoints, and the delivery queued to one of them.

Apart from webhook_delivery (the fan-out and the signed POST): a resend queues deliveries too, and its
route then loads neither the fan-out's payload models nor the sender's HTTP and signing.
"""

from __future__ import annotations

from functions.data import webhooks as store
from functions.domain.webhook_messages import Delivery
from functions.models.entities.webhooks import Event, Webhook


def delivery(event: Event, hook: Webhook, resend: str = "") -> Delivery:
    """The queued delivery of an event to one endpoint: its webhook-id is the event's id."""
    return Delivery(
        message_id=event.id,
        event_id=event.id,
        webhook_id=hook.id,
        owner_id=hook.owner_id,
        type=event.type,
        body=event.body,
        resend=resend,
    )


def all_endpoints(owner_id: str) -> list[Webhook]:
    found: list[Webhook] = []
    start_key = None
    while True:
        page = store.query(owner_id, None, start_key)
        found += page.items
        if not page.last_key:
            return found
        start_key = page.last_key
