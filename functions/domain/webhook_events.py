"""Which webhook events an interview change produces, the bodies they carry, and the queued delivery.

Changes come from the interviews table's stream, so the API's writes and `quollo admin`'s lifecycle
steps produce the same events. A test interview is born FINISHED with a READY record: its INSERT
fires interview.created, interview.completed and analysis.completed at once, as the peer does.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, replace

from functions.models.entities import Interview, InterviewStatus, RecordStatus
from functions.models.views import interview_public
from functions.models.webhooks_api import InterviewEvent, InterviewEventData, PingData, PingEvent, WebhookRecord


@dataclass(frozen=True)
class Change:
    """One stream record: INSERT, MODIFY or REMOVE, with the images before and after."""

    change_id: str  # the stream record's eventID: stable across the fan-out's retries
    kind: str
    old: Interview | None
    new: Interview | None
    at: str  # ISO time of the change


def _ready(interview: Interview | None) -> bool:
    return interview is not None and interview.record is not None and interview.record.status is RecordStatus.READY


def _status(interview: Interview | None) -> InterviewStatus | None:
    return interview.status if interview is not None else None


def event_types(change: Change) -> list[str]:
    if change.kind == "REMOVE":
        return ["interview.deleted"]
    types = []
    if change.kind == "INSERT":
        types.append("interview.created")
    before, after = _status(change.old), _status(change.new)
    if after is InterviewStatus.IN_PROGRESS and before is not InterviewStatus.IN_PROGRESS:
        types.append("interview.started")
    if after is InterviewStatus.FINISHED and before is not InterviewStatus.FINISHED:
        types.append("interview.completed")
    if _ready(change.new) and not _ready(change.old):
        types.append("analysis.completed")
    return types


def _json(model: InterviewEvent | PingEvent) -> str:
    return json.dumps(model.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":"))


def body(event_type: str, change: Change) -> str:
    interview = change.new if change.new is not None else change.old
    assert interview is not None
    record = None
    if event_type == "analysis.completed" and interview.record is not None:
        current = interview.record
        record = WebhookRecord(
            status=current.status.value,
            summary=current.summary,
            results=current.results,
            participants=current.participants,
        )
    data = InterviewEventData(interview=interview_public(interview), record=record)
    return _json(InterviewEvent.model_validate({"type": event_type, "timestamp": change.at, "data": data}))


def ping_body(webhook_id: str, at: str) -> str:
    return _json(PingEvent(type="webhook.ping", timestamp=at, data=PingData(webhookId=webhook_id)))


def _digest(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:26]


def event_id(change: Change, event_type: str) -> str:
    """The same for a change however often the fan-out runs on it."""
    return f"evt_{_digest(change.change_id, event_type)}"


def message_id(event: str, webhook_id: str) -> str:
    """The webhook-id header: one per event and endpoint, the same on every retry, for receivers to dedupe."""
    return f"msg_{_digest(event, webhook_id)}"


@dataclass(frozen=True)
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

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Delivery:
        return cls(**json.loads(text))

    def retry(self, not_before: float, first_attempt_at: float) -> Delivery:
        return replace(self, attempt=self.attempt + 1, not_before=not_before, first_attempt_at=first_attempt_at)
