"""The public contract: request and response bodies of the v1 API.

Field names are the wire names (camelCase) so that the OpenAPI spec and the code read alike.
Requests are strict (no coercion of 5 to "5") and closed (unknown fields are rejected).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Field, model_validator

from functions.domain import clock
from functions.models.base import ApiModel as _Model
from functions.models.base import RequestModel as _Request
from functions.models.text import BLANK_PATTERN_CLASS, PLAIN_TEXT_PATTERN, text_problem
from functions.models.vocabulary import Seniority, StatusName

MAX_TEXT = 200


def _plain_text(value: str) -> str:
    problem = text_problem(value)
    if problem:
        raise ValueError(problem)
    return value


# The pattern tells the spec's readers (and fuzzers) what _plain_text enforces; it is documented
# only (json_schema_extra), so that the error says which rule failed rather than quoting a regex.
Text = Annotated[
    str,
    Field(min_length=1, max_length=MAX_TEXT, json_schema_extra={"pattern": PLAIN_TEXT_PATTERN}),
    AfterValidator(_plain_text),
]

# Limits on `metadata`, as the peer product states them.
METADATA_MAX_BYTES = 10 * 1024
METADATA_MAX_DEPTH = 5
METADATA_MAX_KEYS = 50
MAX_SCHEDULE_AHEAD = timedelta(days=30)


def _depth_and_keys(value: Any) -> tuple[int, int]:
    """Nesting depth (the top-level object is 1) and the number of keys at every level."""
    if isinstance(value, dict):
        inner = [_depth_and_keys(item) for item in value.values()]
        return 1 + max((depth for depth, _ in inner), default=0), len(value) + sum(keys for _, keys in inner)
    if isinstance(value, list):
        inner = [_depth_and_keys(item) for item in value]
        return 1 + max((depth for depth, _ in inner), default=0), sum(keys for _, keys in inner)
    return 0, 0


def _check_metadata(value: dict[str, Any]) -> dict[str, Any]:
    size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())
    if size > METADATA_MAX_BYTES:
        raise ValueError(f"must be at most {METADATA_MAX_BYTES} bytes serialized (10 KB), got {size}")
    depth, keys = _depth_and_keys(value)
    if depth > METADATA_MAX_DEPTH:
        raise ValueError(f"must be at most {METADATA_MAX_DEPTH} levels deep, got {depth}")
    if keys > METADATA_MAX_KEYS:
        raise ValueError(f"must have at most {METADATA_MAX_KEYS} keys in total, got {keys}")
    return value


# RFC 3339's date-time (§5.6), the "date-time" format of the spec: datetime.fromisoformat alone reads far
# more of ISO 8601 (a space for the T, basic and week forms, "+0200") and skips anything between the
# seconds and the Z (a NUL, a tab, a newline). [0-9], not \d, which matches any script's digits.
_RFC_3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:[Zz]|[+-][0-9]{2}:[0-9]{2})"
)


def _check_schedule(value: str) -> str:
    if not _RFC_3339.fullmatch(value):
        if _RFC_3339.fullmatch(value + "Z"):
            raise ValueError("must carry a time zone, e.g. a trailing Z for UTC")
        raise ValueError("must be an RFC 3339 date-time such as 2026-11-20T10:00:00Z")
    # RFC 3339 letters are case-insensitive; the rest of the code (and fromisoformat) reads upper case.
    value = value.upper()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:  # a well-formed date that does not exist: 2026-02-30, 25:00, a leap second
        raise ValueError("must be an RFC 3339 date-time such as 2026-11-20T10:00:00Z") from exc
    now = clock.utc_now()
    if moment <= now:
        raise ValueError("must be in the future")
    if moment > now + MAX_SCHEDULE_AHEAD:
        raise ValueError("must be at most 30 days in the future")
    return value


Metadata = Annotated[
    dict[str, Any],
    AfterValidator(_check_metadata),
    Field(
        description='Your own JSON object, e.g. {"externalInterviewId": "INT-789"}: at most 10 KB, '
        "5 levels deep, 50 keys in total"
    ),
]
ScheduleTime = Annotated[
    str,
    AfterValidator(_check_schedule),
    Field(
        description="RFC 3339 date-time with a time zone offset, in the future, at most 30 days ahead",
        json_schema_extra={"format": "date-time"},
    ),
]
PlanId = Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
# Candidate and job ids are UUIDs; 64 leaves room (as for path ids) while a long one is a 400 before any read.
EntityId = Annotated[str, Field(min_length=1, max_length=64)]
ExternalId = Annotated[Text, Field(description="Your ATS's id for it; unique among your candidates (or jobs)")]


# A shape check only (something@domain.tld), written out rather than pydantic's EmailStr: that needs
# email-validator and dnspython in every function's layer for one optional field, and no check
# proves that an address works. One "@"; no white space, control character (NUL would cut the
# address short in a mail library written in C) or character that renders as nothing (a spoof of
# another address). The spec carries the same pattern.
_EMAIL_CHAR = r"[^@\s\x00-\x1f\x7f-\x9f" + BLANK_PATTERN_CLASS + "]"
EMAIL_PATTERN = rf"^{_EMAIL_CHAR}+@{_EMAIL_CHAR}+\.{_EMAIL_CHAR}+$"


def _check_email(value: str) -> str:
    if not re.fullmatch(EMAIL_PATTERN, value):
        raise ValueError("must be an email address such as jane@example.com")
    return value


Email = Annotated[
    str,
    Field(min_length=3, max_length=254, json_schema_extra={"pattern": EMAIL_PATTERN, "format": "email"}),
    AfterValidator(_check_email),
]
Timestamp = Annotated[
    str,
    Field(
        description="ISO 8601 UTC with milliseconds, e.g. 2026-05-18T10:02:14.000Z",
        json_schema_extra={"format": "date-time"},
    ),
]


class CandidateInline(_Request):
    name: Text
    email: Email | None = None
    externalId: ExternalId | None = None
    jobId: EntityId | None = Field(default=None, description="An existing job of yours; not with jobId or job")


class JobInline(_Request):
    title: Text
    externalId: ExternalId | None = None


class InterviewCreate(_Request):
    title: Text
    planId: PlanId
    intervieweeName: Text | None = Field(default=None, description="Required unless a candidate is given")
    isTest: bool = Field(default=False, description="Create an already finished sample interview; debits nothing")
    metadata: Metadata | None = None
    scheduleTime: ScheduleTime | None = None
    candidateId: EntityId | None = Field(default=None, description="An existing candidate of yours (XOR candidate)")
    candidate: CandidateInline | None = Field(default=None, description="A new candidate (XOR candidateId)")
    jobId: EntityId | None = Field(
        default=None, description="An existing job of yours (XOR job); with candidateId, one of the candidate's jobs"
    )
    job: JobInline | None = Field(default=None, description="A new job (XOR jobId); linked to the candidate")
    # Which of these may be combined, and which wins, is the domain's (functions/domain/interview_links).


_NULLABLE_ON_PATCH = frozenset({"metadata", "scheduleTime", "candidateId", "jobId"})


def patch_schema(nullable: frozenset[str]) -> Callable[[dict[str, Any]], None]:
    """A PATCH model's spec states what its validators enforce: one field at least, null only where it clears."""

    def edit(schema: dict[str, Any]) -> None:
        schema["minProperties"] = 1
        for name, prop in schema.get("properties", {}).items():
            if name not in nullable and "anyOf" in prop:
                kept = [option for option in prop.pop("anyOf") if option.get("type") != "null"]
                prop.update(kept[0] if len(kept) == 1 else {"anyOf": kept})

    return edit


_patch_schema = patch_schema(_NULLABLE_ON_PATCH)


class InterviewUpdate(_Request):
    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra=_patch_schema)

    title: Text | None = None
    intervieweeName: Text | None = None
    planId: PlanId | None = None
    metadata: Metadata | None = Field(default=None, description="Replaces the whole object; null clears it")
    scheduleTime: ScheduleTime | None = Field(default=None, description="Only while PENDING; null clears it")
    candidateId: EntityId | None = Field(default=None, description="A candidate of yours; only while PENDING")
    jobId: EntityId | None = Field(default=None, description="A job of yours; only while PENDING")

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name, value in data.items():
                if value is None and name in cls.model_fields and name not in _NULLABLE_ON_PATCH:
                    raise ValueError(f'Field "{name}" must be a string, not null')
        return data

    @model_validator(mode="after")
    def _at_least_one(self) -> InterviewUpdate:
        if not self.model_fields_set:
            raise ValueError("at least one of " + ", ".join(type(self).model_fields) + " is required")
        return self


class InterviewCreated(_Model):
    id: str
    pin: str
    balanceAfter: int
    isTest: bool
    metadata: dict[str, Any] | None
    scheduledAt: Timestamp | None
    candidateId: str | None
    jobId: str | None


class InterviewPublic(_Model):
    id: str
    title: str
    status: StatusName
    planId: str
    pin: str
    intervieweeName: str
    startedAt: Timestamp | None
    finishedAt: Timestamp | None
    createdAt: Timestamp
    updatedAt: Timestamp
    isTest: bool
    metadata: dict[str, Any] | None
    scheduledAt: Timestamp | None
    candidateId: str | None
    jobId: str | None


class InterviewList(_Model):
    items: list[InterviewPublic]
    nextCursor: str | None


class RecordFields(_Model):
    """What every rendering of an interview's record holds (the API's and the webhook payloads')."""

    status: Literal["IDLE", "PROCESSING", "READY"]
    summary: str | None
    results: list[dict[str, Any]]
    participants: list[dict[str, Any]]


class RecordPublic(RecordFields):
    videoUrl: str | None


class InterviewDetail(_Model):
    interview: InterviewPublic
    record: RecordPublic | None


class InterviewDeleted(_Model):
    deleted: bool
    refunded: bool
    balanceAfter: int | None = Field(default=None, description="Present when refunded is true")


class PlanPublic(_Model):
    id: str
    name: str
    tags: list[str]
    seniority: Seniority | None
    language: str


class PlanList(_Model):
    items: list[PlanPublic]
    nextCursor: str | None


class Balance(_Model):
    balance: int = Field(description="Interview credits left")


class LedgerEntryPublic(_Model):
    id: str
    type: Literal["debit", "refund", "grant"] = Field(
        description="debit: an interview created (-1); refund: a PENDING interview deleted (+1); grant: credits added"
    )
    amount: int
    balanceAfter: int = Field(description="The balance right after this change")
    interviewId: str | None
    createdAt: Timestamp


class LedgerList(_Model):
    items: list[LedgerEntryPublic]
    nextCursor: str | None


# The candidate's room (/v1/rooms/{id}/...): the pin, then a room token.
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


class ConflictDetails(_Model):
    field: Literal["externalId", "url"] = Field(description="The unique field whose value another object holds")
    existingId: str = Field(description="The id of the object that holds it")


class ErrorDetail(_Model):
    code: str
    message: str
    details: ConflictDetails | None = Field(
        default=None, description="Only on a 409 `conflict` with an existing object: which one holds the value"
    )


class ErrorBody(_Model):
    error: ErrorDetail
