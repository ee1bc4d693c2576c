"""Which webhook events an interview change produces, and the bodies they carry (the queued delivery: webhook_messages).

Changes come from the interviews table's stream, so the API's writes and `quollo admin`'s lifecycle
steps produce the same events. A test interview is born FINISHED with a READY record: its INSERT
fires interview.created, interview.completed and analysis.completed at once, as the peer does.
"""

from __future__ import annotations

import json

from functions.domain.webhook_messages import digest
from functions.models.entities.interviews import Interview, InterviewStatus, RecordStatus
from functions.models.views import interview_public
from functions.models.webhook_payloads import InterviewEvent, InterviewEventData, WebhookRecord
from functions.records import record


@record
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


def _json(model: InterviewEvent) -> str:
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


def event_id(change: Change, event_type: str) -> str:
    """The same for a change however often the fan-out runs on it."""
    return f"evt_{digest(change.change_id, event_type)}"
