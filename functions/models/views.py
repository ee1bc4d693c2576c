"""Entities rendered as the public API shows them."""

from __future__ import annotations

from functions.domain import clock
from functions.models.api import (
    InterviewCreated,
    InterviewPublic,
    PlanPublic,
    RecordingUploadUrl,
    RecordPublic,
    RoomInterview,
    RoomJoined,
)
from functions.models.entities.interviews import Interview, Record
from functions.models.entities.plans import Plan
from functions.models.rendering import rendered


def interview_public(interview: Interview) -> InterviewPublic:
    return rendered(InterviewPublic, interview, status=interview.status.value)


def interview_created(interview: Interview, balance_after: int) -> InterviewCreated:
    return rendered(InterviewCreated, interview, balanceAfter=balance_after)


def record_public(record: Record | None, video_url: str | None) -> RecordPublic | None:
    if record is None:
        return None
    return rendered(RecordPublic, record, status=record.status.value, videoUrl=video_url)


def plan_public(plan: Plan) -> PlanPublic:
    return rendered(PlanPublic, plan)


def room_joined(token: str, expires_at: float, interview: Interview) -> RoomJoined:
    room = rendered(RoomInterview, interview, status=interview.status.value)
    return RoomJoined(roomToken=token, expiresAt=clock.iso_epoch(expires_at), interview=room)


def recording_upload_url(url: str, headers: dict[str, str], expires_at: float) -> RecordingUploadUrl:
    return RecordingUploadUrl(uploadUrl=url, method="PUT", headers=headers, expiresAt=clock.iso_epoch(expires_at))
