"""The public contract: request and response bodies of the v1 API.

Field names are the wire names (camelCase) so that the OpenAPI spec and the code read alike.
Requests are strict (no coercion of 5 to "5") and closed (unknown fields are rejected).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

MAX_TEXT = 200


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must be a non-empty string")
    return value


Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT), AfterValidator(_not_blank)]
PlanId = Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
Timestamp = Annotated[str, Field(description="ISO 8601 UTC with milliseconds, e.g. 2026-05-18T10:02:14.000Z")]
StatusName = Literal["PENDING", "IN_PROGRESS", "FINISHED"]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class InterviewCreate(_Request):
    title: Text
    planId: PlanId
    intervieweeName: Text


class InterviewUpdate(_Request):
    title: Text | None = None
    intervieweeName: Text | None = None
    planId: PlanId | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name, value in data.items():
                if value is None and name in cls.model_fields:
                    raise ValueError(f'Field "{name}" must be a string, not null')
        return data

    @model_validator(mode="after")
    def _at_least_one(self) -> InterviewUpdate:
        if not self.model_fields_set:
            raise ValueError("at least one of title, intervieweeName, planId is required")
        return self


class InterviewCreated(BaseModel):
    id: str
    pin: str
    balanceAfter: int


class InterviewPublic(BaseModel):
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


class InterviewList(BaseModel):
    items: list[InterviewPublic]
    nextCursor: str | None


class Participant(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str
    role: str


class RecordPublic(BaseModel):
    status: Literal["IDLE", "PROCESSING", "READY"]
    summary: str | None
    results: list[dict[str, Any]]
    participants: list[dict[str, Any]]
    videoUrl: str | None


class InterviewDetail(BaseModel):
    interview: InterviewPublic
    record: RecordPublic | None


class InterviewDeleted(BaseModel):
    deleted: bool
    refunded: bool
    balanceAfter: int | None = Field(default=None, description="Present when refunded is true")


class PlanPublic(BaseModel):
    id: str
    name: str
    tags: list[str]
    seniority: Literal["JUNIOR", "MIDDLE", "SENIOR"] | None
    language: str


class PlanList(BaseModel):
    items: list[PlanPublic]
    nextCursor: str | None


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail
