"""POST /v1/events/{id}/resend: a new delivery of a recorded event, with its webhook-id."""

from __future__ import annotations

import uuid

from functions.data import webhook_queue
from functions.domain import events, webhooks
from functions.domain.webhook_targets import all_endpoints, delivery
from functions.models.errors import Conflict


def resend(owner_id: str, event_id: str, webhook_id: str | None) -> int:
    """Queue a new delivery of the event, with its webhook-id, to one endpoint or to every enabled one
    subscribed to its type; returns how many were queued."""
    event = events.get(owner_id, event_id)
    if webhook_id is not None:
        hook = webhooks.get(owner_id, webhook_id)
        if not hook.enabled:
            raise Conflict("Webhook is disabled; register the endpoint again once it answers")
        targets = [hook]
    else:
        targets = [hook for hook in all_endpoints(owner_id) if hook.enabled and event.type in hook.events]
    # Claimed apart from the first delivery's attempts (and from any other resend's).
    nonce = uuid.uuid4().hex
    webhook_queue.send([delivery(event, hook, nonce).to_json() for hook in targets])
    return len(targets)
