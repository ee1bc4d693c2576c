"""What the delivery queue carries, its ids, and the ping event: free of pydantic, so that the ping route loads none.

The interview events' bodies are built from the wire models in webhook_events; the ping's is one fixed
shape, written here as PingEvent serializes it (tests/unit/test_json_views.py compares the two).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, replace

from functions.models.vocabulary import PING
from functions.records import record


def digest(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:26]


def message_id(event: str, webhook_id: str) -> str:
    """A ping's webhook-id header: one per ping and endpoint, the same on every retry, for receivers to dedupe.

    An interview event's webhook-id is the event's id (GET /v1/events/{id}), on every delivery of it.
    """
    return f"msg_{digest(event, webhook_id)}"


def ping_body(webhook_id: str, at: str) -> str:
    """PingEvent as JSON: {"type": "webhook.ping", "timestamp": ..., "data": {"webhookId": ...}}."""
    event = {"type": PING, "timestamp": at, "data": {"webhookId": webhook_id}}
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"))


@record
class Delivery:
    """What the delivery queue carries: one event for one endpoint, and where its retries stand."""

    message_id: str
    event_id: str
    webhook_id: str
    owner_id: str
    type: str
    body: str  # the exact JSON sent (and signed) on every attempt
    attempt: int = 1
    first_attempt_at: float | None = None  # epoch seconds
    not_before: float = 0.0  # epoch seconds: a retry that arrives early goes back to sleep
    # Set on a resend (POST /v1/events/{id}/resend): the same webhook-id, but attempts claimed apart
    # from the first delivery's, which were made already.
    resend: str = ""

    @property
    def claim_id(self) -> str:
        """What an attempt's claim is keyed by: one chain of attempts per delivery, resends apart."""
        return f"{self.message_id}~{self.resend}" if self.resend else self.message_id

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Delivery:
        return cls(**json.loads(text))

    def retry(self, not_before: float, first_attempt_at: float) -> Delivery:
        return replace(self, attempt=self.attempt + 1, not_before=not_before, first_attempt_at=first_attempt_at)
