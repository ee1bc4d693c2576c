"""Registering a webhook endpoint: the URL rules, the events, the secret and the cap per user."""

from __future__ import annotations

import uuid

from functions.data import webhooks as store
from functions.domain import clock, webhook_signing, webhook_urls
from functions.domain.webhooks import counted
from functions.models.entities import Webhook
from functions.models.errors import ValidationFailed
from functions.models.webhooks_api import EVENT_TYPES, WebhookCreate

MAX_WEBHOOKS = 10  # per user: each one multiplies the deliveries of every event


def create(owner_id: str, request: WebhookCreate) -> Webhook:
    url = webhook_urls.normalise(request.url)
    webhook_urls.check(url)
    webhook = Webhook(
        id=f"wh_{uuid.uuid4().hex}",
        owner_id=owner_id,
        url=url,
        events=list(request.events or EVENT_TYPES),
        enabled=True,
        secret=webhook_signing.new_secret(),
        created_at=clock.now(),
    )
    full = ValidationFailed(f"You have {MAX_WEBHOOKS} webhooks already; delete one before adding another")
    # The cap is a counter conditioned in the endpoint's own transaction: it holds under any concurrency.
    counted(owner_id, lambda: store.put_counted(webhook, MAX_WEBHOOKS, full))
    return webhook
