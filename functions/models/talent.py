"""The public contract of candidates and jobs: request and response bodies."""

# No `from __future__ import annotations` here: pydantic would then eval() every field's annotation string
# when the class is built (a compile each; about a third of this module's import, docs/decisions.md 31).

from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from functions.models.base import ApiModel as _Model
from functions.models.base import RequestModel as _Request
from functions.models.entities.talent import Candidate, Job
from functions.models.fields import Email, EntityId, ExternalId, Metadata, Text, Timestamp, patch_schema
from functions.models.rendering import rendered

# A candidate's jobs: two items each (reference, link) in a transaction, and a PATCH that replaces
# them all writes both lists: 3 + 4 x 20 = 83 items, under DynamoDB's 100 per transaction.
MAX_JOBS = 20
JobIds = list[EntityId]


class CandidateCreate(_Request):
    name: Text
    email: Email | None = None
    externalId: ExternalId | None = None
    jobIds: JobIds = Field(default_factory=list, max_length=MAX_JOBS, description="Jobs of yours")
    metadata: Metadata | None = None


class JobCreate(_Request):
    title: Text
    externalId: ExternalId | None = None
    metadata: Metadata | None = None


def _at_least_one(model: BaseModel) -> None:
    if not model.model_fields_set:
        raise ValueError("at least one of " + ", ".join(type(model).model_fields) + " is required")


def _required_not_null(data: Any, required: str, kind: str = "a string") -> Any:
    if isinstance(data, dict) and required in data and data[required] is None:
        raise ValueError(f'Field "{required}" must be {kind}, not null')
    return data


class CandidateUpdate(_Request):
    """Partial: a field present replaces the stored one; null clears email, externalId or metadata."""

    model_config = ConfigDict(
        extra="forbid", strict=True, json_schema_extra=patch_schema(frozenset({"email", "externalId", "metadata"}))
    )

    name: Text | None = None
    email: Email | None = None
    externalId: ExternalId | None = None
    jobIds: JobIds | None = Field(default=None, max_length=MAX_JOBS, description="Replaces the candidate's jobs")

    metadata: Metadata | None = None

    @model_validator(mode="before")
    @classmethod
    def _name_not_null(cls, data: Any) -> Any:
        return _required_not_null(_required_not_null(data, "name"), "jobIds", "a list of job ids")

    @model_validator(mode="after")
    def _some_field(self) -> Self:
        _at_least_one(self)
        return self


class JobUpdate(_Request):
    """Partial: a field present replaces the stored one; null clears externalId or metadata."""

    model_config = ConfigDict(
        extra="forbid", strict=True, json_schema_extra=patch_schema(frozenset({"externalId", "metadata"}))
    )

    title: Text | None = None
    externalId: ExternalId | None = None
    metadata: Metadata | None = None

    @model_validator(mode="before")
    @classmethod
    def _title_not_null(cls, data: Any) -> Any:
        return _required_not_null(data, "title")

    @model_validator(mode="after")
    def _some_field(self) -> Self:
        _at_least_one(self)
        return self


class CandidatePublic(_Model):
    id: str
    name: str
    email: str | None
    externalId: str | None
    jobIds: list[str]
    metadata: dict[str, Any] | None
    createdAt: Timestamp
    updatedAt: Timestamp


class JobPublic(_Model):
    id: str
    title: str
    externalId: str | None
    metadata: dict[str, Any] | None
    createdAt: Timestamp
    updatedAt: Timestamp


class CandidateList(_Model):
    items: list[CandidatePublic]
    nextCursor: str | None


class JobList(_Model):
    items: list[JobPublic]
    nextCursor: str | None


class Deleted(_Model):
    deleted: bool


def candidate_public(candidate: Candidate) -> CandidatePublic:
    return rendered(CandidatePublic, candidate)


def job_public(job: Job) -> JobPublic:
    return rendered(JobPublic, job)
