"""Registering a webhook endpoint and pinging one: the URL rules, the secret and the ping event."""

from __future__ import annotations

import uuid

from functions.data import webhook_queue
from functions.data import webhooks as store
from functions.domain import clock, webhook_events, webhook_signing, webhook_urls
from functions.domain.webhooks import get
from functions.models.entities import Webhook
from functions.models.errors import Conflict, ValidationFailed
from functions.models.webhooks_api import EVENT_TYPES, WebhookCreate

MAX_WEBHOOKS = 10  # per user: each one multiplies the deliveries of every event


def create(owner_id: str, request: WebhookCreate) -> Webhook:
    url = webhook_urls.normalise(request.url)
    webhook_urls.check(url)
    if store.count(owner_id) >= MAX_WEBHOOKS:
        raise ValidationFailed(f"You have {MAX_WEBHOOKS} webhooks already; delete one before adding another")
    webhook = Webhook(
        id=f"wh_{uuid.uuid4().hex}",
        owner_id=owner_id,
        url=url,
        events=list(request.events or EVENT_TYPES),
        enabled=True,
        secret=webhook_signing.new_secret(),
        created_at=clock.now(),
    )
    store.put(webhook)
    return webhook


def ping(owner_id: str, webhook_id: str) -> str:
    """Queue a webhook.ping for the endpoint; returns the webhook-id it will carry."""
    webhook = get(owner_id, webhook_id)
    if not webhook.enabled:
        raise Conflict("Webhook is disabled; register the endpoint again once it answers")
    event = f"evt_{uuid.uuid4().hex}"
    delivery = webhook_events.Delivery(
        message_id=webhook_events.message_id(event, webhook.id),
        event_id=event,
        webhook_id=webhook.id,
        owner_id=owner_id,
        type="webhook.ping",
        body=webhook_events.ping_body(webhook.id, clock.now()),
    )
    webhook_queue.send([delivery.to_json()])
    return delivery.message_id
