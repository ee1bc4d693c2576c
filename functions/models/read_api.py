"""The answers of the routes without a body, as wire models: named by those routes (which answer with
functions/models/json_views.py's dicts and load no pydantic, decisions 18) and resolved by the docs build.
tests/unit/test_json_views.py holds the dicts to them. Apart from functions/models/api.py so that a
route with a body defines none of them (decisions 31)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from functions.models.api import InterviewPublic, RecordFields
from functions.models.rendering import rendered

if TYPE_CHECKING:
    from functions.models.entities.interviews import Record
    from functions.models.entities.plans import Plan
from functions.models.base import ApiModel as _Model
from functions.models.fields import Timestamp
from functions.models.vocabulary import Seniority


class InterviewList(_Model):
    items: list[InterviewPublic]
    nextCursor: str | None


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


# Rendered from entities (functions/local/admin.py shows plans so).


def record_public(record: Record | None, video_url: str | None) -> RecordPublic | None:
    if record is None:
        return None
    return rendered(RecordPublic, record, status=record.status.value, videoUrl=video_url)


def plan_public(plan: Plan) -> PlanPublic:
    return rendered(PlanPublic, plan)
