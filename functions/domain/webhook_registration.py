"""Registering a webhook endpoint: the URL rules, the events, the secret and the cap per user."""

from __future__ import annotations

import uuid
from functools import partial

from functions.data import webhooks as store
from functions.domain import clock, webhook_signing, webhook_urls
from functions.domain.webhooks import counted
from functions.models.entities.webhooks import Webhook
from functions.models.errors import ConcurrentUpdate, Duplicate, ValidationFailed
from functions.models.webhooks_api import EVENT_TYPES, WebhookCreate

MAX_WEBHOOKS = 10  # per user: each one multiplies the deliveries of every event
_TAKEOVERS = 3  # a stale claim taken over, then at most two more races on the same URL


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

    def duplicate(holder: str) -> Exception:
        return Duplicate(f"A webhook of yours already has this URL: {holder}", "url", holder)

    # The cap is a counter, and the URL a claim, conditioned in the endpoint's own transaction: both hold
    # under any concurrency.
    stale: str | None = None
    for _ in range(_TAKEOVERS):
        try:
            counted(owner_id, partial(store.put_counted, webhook, MAX_WEBHOOKS, full, duplicate, stale))
            return webhook
        except store.StaleUrlClaim as exc:
            stale = exc.holder  # its endpoint was deleted: take the claim over
    raise ConcurrentUpdate("Other registrations of this URL kept racing; nothing was changed, retry")
