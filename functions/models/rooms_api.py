"""The candidate's room (/v1/rooms/{id}/...): its request and response bodies (decisions 29).

Apart from functions/models/api.py so that the interview routes define none of them (decisions 31)."""

# No `from __future__ import annotations` here: pydantic would then eval() every field's annotation string
# when the class is built (a compile each; about a third of this module's import, docs/decisions.md 31).

from typing import Literal

from pydantic import Field

from functions.models.base import ApiModel as _Model
from functions.models.base import RequestModel as _Request
from functions.models.fields import Timestamp
from functions.models.vocabulary import StatusName

RECORDING_MAX_BYTES = 2 * 1024**3
RecordingContentType = Literal["video/mp4", "video/webm"]


class RoomJoin(_Request):
    pin: str = Field(
        min_length=1,
        max_length=16,
        pattern=r"^[0-9]+$",
        description="The interview's pin, as create returned it (4 digits); never logged",
    )


class RoomInterview(_Model):
    """The interview as its room shows it to the candidate: no pin, metadata or links of the ATS."""

    id: str
    title: str
    intervieweeName: str
    status: StatusName
    startedAt: Timestamp | None
    finishedAt: Timestamp | None


class RoomJoined(_Model):
    roomToken: str = Field(description="`Bearer qlr_...` for this interview's other room routes, and no other route")
    expiresAt: Timestamp
    interview: RoomInterview


class RecordingUpload(_Request):
    contentType: RecordingContentType
    size: int = Field(ge=1, le=RECORDING_MAX_BYTES, description="The recording's exact size in bytes, at most 2 GiB")


class RecordingUploadUrl(_Model):
    uploadUrl: str = Field(description="Pre-signed S3 URL: PUT the recording's bytes to it before expiresAt")
    method: Literal["PUT"]
    headers: dict[str, str] = Field(description="Headers the PUT must carry exactly as given (they are signed)")
    expiresAt: Timestamp
