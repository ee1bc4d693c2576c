"""Entities as the public API shows them, as JSON-ready dicts, for the routes that load no pydantic.

A route without a body or query parameters runs on a resolver without validation (decisions 18), so it
cannot return the wire models. The field lists here are those models' fields, in their order;
tests/unit/test_json_views.py holds each function to its model (same fields, same order, same JSON).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from functions.models.rendering import plain

if TYPE_CHECKING:
    # Types only: a route builds the entities of its own resource alone (decisions 31).
    from functions.domain.credits import Movement
    from functions.models.entities.interviews import Interview, Record
    from functions.models.entities.plans import Plan
    from functions.models.entities.talent import Candidate, Job
    from functions.models.entities.webhooks import DeliveryAttempt, Webhook

INTERVIEW_FIELDS = (
    "id",
    "title",
    "status",
    "planId",
    "pin",
    "intervieweeName",
    "startedAt",
    "finishedAt",
    "createdAt",
    "updatedAt",
    "isTest",
    "metadata",
    "scheduledAt",
    "candidateId",
    "jobId",
)
ROOM_INTERVIEW_FIELDS = ("id", "title", "intervieweeName", "status", "startedAt", "finishedAt")
RECORD_FIELDS = ("status", "summary", "results", "participants", "videoUrl")
WEBHOOK_FIELDS = ("id", "url", "events", "enabled", "createdAt")
CANDIDATE_FIELDS = ("id", "name", "email", "externalId", "jobIds", "metadata", "createdAt", "updatedAt")
JOB_FIELDS = ("id", "title", "externalId", "metadata", "createdAt", "updatedAt")
PLAN_FIELDS = ("id", "name", "tags", "seniority", "language")
LEDGER_FIELDS = ("id", "type", "amount", "balanceAfter", "interviewId", "createdAt")
DELIVERY_FIELDS = (
    "id",
    "webhookId",
    "eventId",
    "type",
    "attempt",
    "status",
    "responseStatus",
    "durationMs",
    "error",
    "createdAt",
    "nextAttemptAt",
)


def page[E](items: Iterable[E], next_cursor: str | None, view: Callable[[E], dict[str, Any]]) -> dict[str, Any]:
    """A list page (InterviewList, PlanList, ...): the items in `view`'s form and where to continue."""
    return {"items": [view(item) for item in items], "nextCursor": next_cursor}


def interview(entity: Interview) -> dict[str, Any]:
    """InterviewPublic."""
    return plain(INTERVIEW_FIELDS, entity, status=entity.status.value)


def room_interview(entity: Interview) -> dict[str, Any]:
    """RoomInterview: the interview as its room shows it to the candidate."""
    return plain(ROOM_INTERVIEW_FIELDS, entity, status=entity.status.value)


def plan(entity: Plan) -> dict[str, Any]:
    """PlanPublic."""
    return plain(PLAN_FIELDS, entity, tags=list(entity.tags))


def delivery(entity: DeliveryAttempt) -> dict[str, Any]:
    """DeliveryPublic."""
    return plain(DELIVERY_FIELDS, entity)


def interview_detail(entity: Interview, video_url: str | None) -> dict[str, Any]:
    """InterviewDetail: the interview and its record (with the pre-signed video URL) or null."""
    record: Record | None = entity.record
    return {
        "interview": interview(entity),
        "record": None
        if record is None
        else plain(RECORD_FIELDS, record, status=record.status.value, videoUrl=video_url),
    }


def webhook(entity: Webhook) -> dict[str, Any]:
    """WebhookPublic."""
    return plain(WEBHOOK_FIELDS, entity, events=list(entity.events))


def webhook_with_secret(entity: Webhook) -> dict[str, Any]:
    """WebhookWithSecret: shown on create and rotation only."""
    return {**webhook(entity), "secret": entity.secret}


def candidate(entity: Candidate) -> dict[str, Any]:
    """CandidatePublic."""
    return plain(CANDIDATE_FIELDS, entity, jobIds=list(entity.job_ids))


def job(entity: Job) -> dict[str, Any]:
    """JobPublic."""
    return plain(JOB_FIELDS, entity)


def interview_deleted(refunded: bool, balance_after: int | None) -> dict[str, Any]:
    """InterviewDeleted: balanceAfter only accompanies a refund, as in the API reference."""
    body: dict[str, Any] = {"deleted": True, "refunded": refunded}
    if balance_after is not None:
        body["balanceAfter"] = balance_after
    return body


def deleted() -> dict[str, Any]:
    """Deleted and WebhookDeleted."""
    return {"deleted": True}


def balance(value: int) -> dict[str, Any]:
    """Balance."""
    return {"balance": value}


def ledger_entry(entity: Movement) -> dict[str, Any]:
    """LedgerEntryPublic: the entry with the balance right after it."""
    return plain(LEDGER_FIELDS, entity.entry, balanceAfter=entity.balance_after)
