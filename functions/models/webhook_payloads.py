"""The webhook event payloads: the bodies POSTed to receivers, and the events feed (GET /v1/events).

Apart from the webhook routes' models (webhooks_api): each holds an interview (models.api), built by the
fan-out and the docs, not by the webhook routes with a body.
"""

# No `from __future__ import annotations` here: pydantic would then eval() every field's annotation string
# when the class is built (a compile each; about a third of this module's import, docs/decisions.md 31).

from typing import Literal

from pydantic import Field

from functions.models.api import InterviewPublic, RecordFields
from functions.models.base import ApiModel as _Model
from functions.models.fields import Timestamp
from functions.models.webhooks_api import EventType

# --- event payloads: the bodies POSTed to receivers ---


class WebhookRecord(RecordFields):
    """The interview's record as GET /v1/interviews/{id} shows it, without the pre-signed videoUrl."""


class InterviewEventData(_Model):
    interview: InterviewPublic
    record: WebhookRecord | None = Field(default=None, description="Only in analysis.completed")


class InterviewEvent(_Model):
    type: EventType
    timestamp: Timestamp
    data: InterviewEventData


class PingData(_Model):
    webhookId: str


class PingEvent(_Model):
    type: Literal["webhook.ping"]
    timestamp: Timestamp
    data: PingData


# --- the events feed (GET /v1/events) ---


class EventPublic(_Model):
    """An event as its deliveries carry it, plus its id: the webhook-id of every delivery of it."""

    id: str = Field(description="The webhook-id header of every delivery of this event")
    type: EventType
    timestamp: Timestamp
    data: InterviewEventData


class EventList(_Model):
    items: list[EventPublic]
    nextCursor: str | None
