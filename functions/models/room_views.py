"""The room's answers rendered from entities (decisions 29)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from functions.domain import clock
from functions.models.rendering import rendered
from functions.models.rooms_api import RecordingUploadUrl, RoomInterview, RoomJoined

if TYPE_CHECKING:
    from functions.models.entities.interviews import Interview


def room_joined(token: str, expires_at: float, interview: Interview) -> RoomJoined:
    room = rendered(RoomInterview, interview, status=interview.status.value)
    return RoomJoined(roomToken=token, expiresAt=clock.iso_epoch(expires_at), interview=room)


def recording_upload_url(url: str, headers: dict[str, str], expires_at: float) -> RecordingUploadUrl:
    return RecordingUploadUrl(uploadUrl=url, method="PUT", headers=headers, expiresAt=clock.iso_epoch(expires_at))
