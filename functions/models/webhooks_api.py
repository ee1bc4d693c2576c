"""The public contract of the webhook routes: request and response bodies.

The event payloads (what receivers get, and the events feed) are in webhook_payloads: they hold an
interview (models.api), which the webhook routes with a body need not build or import.
"""

# No `from __future__ import annotations` here: pydantic would then eval() every field's annotation string
# when the class is built (a compile each; about a third of this module's import, docs/decisions.md 31).

from typing import Annotated, get_args

from pydantic import AfterValidator, Field

from functions.models.base import ApiModel as _Model
from functions.models.base import RequestModel as _Request
from functions.models.fields import Timestamp
from functions.models.vocabulary import DeliveryStatus, EventTypeName

EventType = EventTypeName
EVENT_TYPES: tuple[str, ...] = get_args(EventType)


def _distinct(events: list[str]) -> list[str]:
    if len(set(events)) != len(events):
        raise ValueError("must not repeat an event type")
    return events


class WebhookCreate(_Request):
    url: str = Field(
        min_length=1,
        max_length=2048,
        description="https URL of your receiver; it must not resolve to a private, loopback, link-local, "
        "multicast or metadata address",
    )
    events: (
        Annotated[
            list[EventType],
            Field(
                min_length=1,
                max_length=len(EVENT_TYPES),
                description="Event types to receive; all of them when left out",
                json_schema_extra={"uniqueItems": True},
            ),
            AfterValidator(_distinct),
        ]
        | None
    ) = None


class WebhookPublic(_Model):
    id: str
    url: str
    events: list[EventType]
    enabled: bool
    createdAt: Timestamp


class WebhookWithSecret(WebhookPublic):
    secret: str = Field(description="whsec_ and the base64 signing key: shown only here; keep it secret")


class WebhookList(_Model):
    items: list[WebhookPublic]
    nextCursor: str | None


class WebhookDeleted(_Model):
    deleted: bool


class PingQueued(_Model):
    queued: bool
    messageId: str = Field(description="The webhook-id header the ping will carry")


class DeliveryPublic(_Model):
    id: str
    webhookId: str
    eventId: str
    type: str
    attempt: int = Field(description="1 for the first attempt, then one more per retry")
    status: DeliveryStatus
    responseStatus: int | None
    durationMs: int | None
    error: str | None
    createdAt: Timestamp
    nextAttemptAt: Timestamp | None = Field(description="When the next retry is due; null when none will follow")


class DeliveryList(_Model):
    items: list[DeliveryPublic]
    nextCursor: str | None


class EventResend(_Request):
    webhookId: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="Send to this webhook only; by default to every enabled webhook subscribed to the event's type",
    )


class EventResent(_Model):
    queued: int = Field(description="How many deliveries were queued: one per webhook")
