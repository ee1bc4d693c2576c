"""Interviews and their records."""

from __future__ import annotations

from dataclasses import field
from enum import StrEnum
from typing import Any, TypedDict

from functions.records import record


class InterviewStatus(StrEnum):
    """The statuses the domain works with; on the wire they are vocabulary.StatusName (a Literal, so that
    routes without pydantic can declare it), and tests/unit/test_vocabulary.py holds the two equal."""

    PENDING = "PENDING"
    IN_PROGRESS = "IN_PROGRESS"
    FINISHED = "FINISHED"


class RecordStatus(StrEnum):
    IDLE = "IDLE"
    PROCESSING = "PROCESSING"
    READY = "READY"


@record
class Record:
    status: RecordStatus
    summary: str | None = None
    results: list[dict[str, Any]] = field(default_factory=list)
    participants: list[dict[str, Any]] = field(default_factory=list)
    video_key: str | None = None


@record
class Interview:
    id: str
    owner_id: str
    title: str
    plan_id: str
    pin: str
    interviewee_name: str
    status: InterviewStatus
    charged: bool
    created_at: str
    updated_at: str
    started_at: str | None = None
    finished_at: str | None = None
    record: Record | None = None
    is_test: bool = False
    metadata: dict[str, Any] | None = None
    scheduled_at: str | None = None
    candidate_id: str | None = None
    job_id: str | None = None


class InterviewChanges(TypedDict, total=False):
    """A partial update, by entity field name: a field present is set (None clears metadata or scheduled_at)."""

    title: str
    interviewee_name: str
    plan_id: str
    metadata: dict[str, Any] | None
    scheduled_at: str | None
