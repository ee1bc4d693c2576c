"""Webhooks, their deliveries and the events they carry."""

from __future__ import annotations

from dataclasses import field

from functions.records import record


@record
class Webhook:
    """An endpoint a user registered. `secret` is kept in the clear: signing needs the key itself
    (an HMAC cannot be computed from a hash), so it is protected like the table (SSE, least privilege)
    and only ever shown in the create and rotate responses."""

    id: str
    owner_id: str
    url: str
    events: list[str]
    enabled: bool
    secret: str = field(repr=False)  # never in a log line or a traceback
    created_at: str
    previous_secret: str | None = field(default=None, repr=False)
    previous_secret_until: float | None = None  # epoch seconds: deliveries carry both signatures until then
    failing_since: float | None = None  # epoch seconds of the first failure since the last success
    disabled_reason: str | None = None


@record
class DeliveryAttempt:
    """One attempt to deliver one event to one endpoint, as GET /v1/webhooks/{id}/deliveries shows it."""

    id: str
    webhook_id: str
    message_id: str
    event_id: str
    type: str
    attempt: int
    status: str  # SUCCEEDED | FAILED | PENDING
    response_status: int | None
    duration_ms: int | None
    error: str | None
    created_at: str
    next_attempt_at: str | None


@record
class WebhookTarget:
    """Where a delivery goes, once the URL passed the SSRF rules (functions/domain/webhook_urls.py)."""

    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent in the request line
    addresses: tuple[str, ...]  # what the host resolved to, every one of them allowed


@record
class Event:
    """One webhook event as recorded: `body` is the exact payload its deliveries carry (and sign)."""

    id: str
    owner_id: str
    type: str
    timestamp: str
    body: str  # {"type", "timestamp", "data"} as JSON
