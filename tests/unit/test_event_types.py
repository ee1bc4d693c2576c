"""Which webhook events each interview change fires, as pure rules over the stream's before and after images."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from functions.domain.webhook_events import Change, body, event_id, event_types
from functions.models.entities.interviews import Interview, InterviewStatus, Record, RecordStatus

AT = "2026-05-18T10:02:14.000Z"
PENDING = Interview(
    id="iv_1",
    owner_id="usr_1",
    title="Final round",
    plan_id="plan_1",
    pin="4821",
    interviewee_name="Jane Doe",
    status=InterviewStatus.PENDING,
    charged=True,
    created_at=AT,
    updated_at=AT,
)
STARTED = replace(PENDING, status=InterviewStatus.IN_PROGRESS)
FINISHED = replace(PENDING, status=InterviewStatus.FINISHED, record=Record(RecordStatus.IDLE))
PROCESSING = replace(FINISHED, record=Record(RecordStatus.PROCESSING))
READY = replace(FINISHED, record=Record(RecordStatus.READY, "Strong", [{"score": 4}], [{"name": "Jane Doe"}]))


def _change(kind: str, old: Interview | None, new: Interview | None) -> Change:
    return Change(change_id="stream-1", kind=kind, old=old, new=new, at=AT)


@pytest.mark.parametrize(
    ("kind", "old", "new", "expected"),
    [
        ("INSERT", None, PENDING, ["interview.created"]),
        # A test interview is born finished with its analysis ready: all three at once, as the peer does.
        ("INSERT", None, READY, ["interview.created", "interview.completed", "analysis.completed"]),
        ("MODIFY", PENDING, STARTED, ["interview.started"]),
        ("MODIFY", STARTED, FINISHED, ["interview.completed"]),
        ("MODIFY", FINISHED, PROCESSING, []),
        ("MODIFY", PROCESSING, READY, ["analysis.completed"]),
        # A PATCH of the title, or a record that stays ready: nothing the receiver has not heard.
        ("MODIFY", PENDING, replace(PENDING, title="Renamed"), []),
        ("MODIFY", READY, replace(READY, title="Renamed"), []),
        ("REMOVE", READY, None, ["interview.deleted"]),
        ("REMOVE", PENDING, None, ["interview.deleted"]),
    ],
)
def test_each_change_fires_the_events_it_means(
    kind: str, old: Interview | None, new: Interview | None, expected: list[str]
) -> None:
    assert event_types(_change(kind, old, new)) == expected


def test_an_event_id_is_the_same_on_every_run_of_the_fan_out_and_differs_by_type_and_change() -> None:
    change = _change("INSERT", None, READY)
    ids = {event_id(change, kind) for kind in event_types(change)}
    assert len(ids) == 3
    assert event_id(change, "interview.created") == event_id(replace(change), "interview.created")
    assert event_id(replace(change, change_id="stream-2"), "interview.created") != event_id(change, "interview.created")


def test_only_analysis_completed_carries_the_record_and_a_deleted_event_carries_the_last_image() -> None:
    change = _change("INSERT", None, READY)
    completed = json.loads(body("interview.completed", change))
    analysed = json.loads(body("analysis.completed", change))
    assert completed["data"]["record"] is None
    assert analysed["data"]["record"]["summary"] == "Strong"
    assert analysed["timestamp"] == AT and analysed["type"] == "analysis.completed"
    deleted = json.loads(body("interview.deleted", _change("REMOVE", PENDING, None)))
    assert deleted["data"]["interview"]["id"] == "iv_1"
    assert deleted["data"]["interview"]["status"] == "PENDING"
