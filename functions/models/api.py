"""The public contract: request and response bodies of the v1 API.

Field names are the wire names (camelCase) so that the OpenAPI spec and the code read alike.
Requests are strict (no coercion of 5 to "5") and closed (unknown fields are rejected).
"""

# No `from __future__ import annotations` here: pydantic would then eval() every field's annotation string
# when the class is built (a compile each; about a third of this module's import, docs/decisions.md 31).

from typing import Any, Literal, Self

from pydantic import ConfigDict, Field, model_validator

from functions.models.base import ApiModel as _Model
from functions.models.base import RequestModel as _Request
from functions.models.fields import (
    Email,
    EntityId,
    ExternalId,
    Metadata,
    PlanId,
    ScheduleTime,
    Text,
    Timestamp,
    patch_schema,
)
from functions.models.vocabulary import StatusName


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
    def _at_least_one(self) -> Self:
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


class RecordFields(_Model):
    """What every rendering of an interview's record holds (the API's and the webhook payloads')."""

    status: Literal["IDLE", "PROCESSING", "READY"]
    summary: str | None
    results: list[dict[str, Any]]
    participants: list[dict[str, Any]]
