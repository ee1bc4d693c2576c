"""The interview rules that write: credits, links, ownership and the record lifecycle.

Reading one interview or a page of them is functions/domain/interview_reads.py, which the read routes
import without these modules (credits, candidates and jobs: decisions 31)."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from functions.data import interviews as store
from functions.data import plans as plan_store
from functions.data import recordings, transactions, users
from functions.data.transactions import Guarded
from functions.domain import clock, credits, interview_links, samples
from functions.domain.contention import retry_on_conflict

# The lifecycle steps live apart, so that the room routes import them without credits and links
# (decisions 31); `interviews.start`/`finish` stay the callers' names (quollo admin, tests, bench).
from functions.domain.interview_steps import finish as finish
from functions.domain.interview_steps import start as start
from functions.domain.ownership import failing, not_yours
from functions.models.entities.interviews import Interview, InterviewChanges, InterviewStatus, Record, RecordStatus
from functions.models.errors import NotFound, ValidationFailed
from functions.records import record

if TYPE_CHECKING:
    # Types only: get and delete run without pydantic (decisions 18).
    from functions.models.api import InterviewCreate, InterviewUpdate


@record
class Created:
    interview: Interview
    balance_after: int


@record
class Deleted:
    refunded: bool
    balance_after: int | None


def new_pin() -> str:
    return f"{secrets.randbelow(10_000):04d}"


def _scheduled_at(schedule_time: str | None) -> str | None:
    return clock.iso(datetime.fromisoformat(schedule_time)) if schedule_time else None


def create(owner_id: str, request: InterviewCreate) -> Created:
    interview_links.check_sources(request)
    now = clock.now()
    interview_id, pin, ids = str(uuid.uuid4()), new_pin(), interview_links.NewIds()

    def attempt() -> Interview:
        # Inside the retry: a transaction cancelled because the candidate changed reads it again.
        links = interview_links.for_create(owner_id, request, ids, now)
        interview = Interview(
            id=interview_id,
            owner_id=owner_id,
            title=request.title,
            plan_id=request.planId,
            pin=pin,
            interviewee_name=request.intervieweeName or links.candidate_name or "",
            status=InterviewStatus.PENDING,
            charged=True,
            created_at=now,
            updated_at=now,
            metadata=request.metadata,
            scheduled_at=_scheduled_at(request.scheduleTime),
            candidate_id=links.candidate_id,
            job_id=links.job_id,
        )
        if request.isTest:
            return _create_test(interview, links.writes)
        transactions.write(
            [
                _owned_plan(interview),
                *credits.debit(owner_id, interview_id, now),
                store.new_interview(interview),
                *links.writes,
            ],
            # If the SDK retries a commit whose answer was lost, DynamoDB answers the retry as a
            # success instead of failing it on the now-existing id: one debit, and a 201, not a 500.
            token=interview.id,
        )
        return interview

    interview = retry_on_conflict(attempt)
    # Read after the debit: exact unless another request on this account changed the balance in
    # between, and then the newer balance (docs/decisions.md, "balanceAfter under concurrency").
    return Created(interview, users.get_balance(owner_id))


def _create_test(draft: Interview, linked: list[Guarded]) -> Interview:
    """A test interview is born FINISHED with a READY sample record, and debits nothing."""
    key = recordings.video_key(draft.owner_id, draft.id)
    record = Record(
        RecordStatus.READY,
        samples.SAMPLE_SUMMARY,
        samples.SAMPLE_RESULTS,
        samples.sample_participants(draft.interviewee_name),
        video_key=key,
    )
    interview = replace(
        draft,
        status=InterviewStatus.FINISHED,
        charged=False,
        is_test=True,
        started_at=draft.created_at,
        finished_at=draft.created_at,
        record=record,
    )
    transactions.write([_owned_plan(interview), store.new_interview(interview), *linked])
    recordings.put_video(key, samples.SAMPLE_VIDEO)
    return interview


def _owned_plan(interview: Interview) -> Guarded:
    check = plan_store.owned_plan_check(interview.owner_id, interview.plan_id)
    return Guarded(check, failing("planId", "plan", interview.plan_id))


def update(owner_id: str, interview_id: str, request: InterviewUpdate) -> Interview:
    sent = request.model_fields_set
    changes: InterviewChanges = {}
    if request.title is not None:
        changes["title"] = request.title
    if request.intervieweeName is not None:
        changes["interviewee_name"] = request.intervieweeName
    if request.planId is not None:
        if not plan_store.exists(owner_id, request.planId):
            raise not_yours("planId", "plan", request.planId)
        changes["plan_id"] = request.planId
    if "metadata" in sent:
        changes["metadata"] = request.metadata
    if "scheduleTime" in sent:
        changes["scheduled_at"] = _scheduled_at(request.scheduleTime)
    if "candidateId" in sent or "jobId" in sent:
        return _relink(owner_id, interview_id, request, changes)
    updated = store.update_fields(
        interview_id, owner_id, changes, clock.now(), only_if_pending="scheduled_at" in changes
    )
    if updated is None:
        raise ValidationFailed('Field "scheduleTime" can only be changed while the interview is PENDING')
    return updated


def _relink(owner_id: str, interview_id: str, request: InterviewUpdate, changes: InterviewChanges) -> Interview:
    """A PATCH that sets the candidate or job: fields and references in one transaction, while PENDING."""
    sent = request.model_fields_set

    def attempt() -> Interview:
        before = store.get_owned(interview_id, owner_id)
        if before is None:
            raise NotFound("Interview not found")
        if before.status is not InterviewStatus.PENDING:
            raise ValidationFailed(
                'Fields "candidateId" and "jobId" can only be changed while the interview is PENDING'
            )
        candidate_id = request.candidateId if "candidateId" in sent else before.candidate_id
        job_id = request.jobId if "jobId" in sent else before.job_id
        now = clock.now()
        linked = interview_links.for_change(before, candidate_id, job_id)
        transactions.write([store.relinking(before, changes, candidate_id, job_id, now), *linked])
        return replace(before, **changes, candidate_id=candidate_id, job_id=job_id, updated_at=now)

    return retry_on_conflict(attempt)


def delete(owner_id: str, interview_id: str) -> Deleted:
    """Delete, refunding the credit of a PENDING charged interview exactly once.

    One transaction deletes the interview on the condition that it is still in the state the refund
    and the reference writes were decided from; when it is not, everything is decided again from a
    fresh read. The first attempt presumes the commonest state, a PENDING charged interview without
    a candidate or job, and so needs no read at all.
    """
    presumed = [store.AsRead(interview_id, owner_id, InterviewStatus.PENDING, charged=True)]

    def attempt() -> Deleted:
        if presumed:
            state, linked = presumed.pop(), []
        else:
            read = store.get_owned(interview_id, owner_id)
            if read is None:
                raise NotFound("Interview not found")
            state, linked = store.AsRead.of(read), interview_links.for_delete(read)
        refund = credits.refundable(state)
        if not refund:
            # The recording is personal data: deleted before the interview, so that a failure leaves
            # the interview in place for a retry rather than an object nothing points at any more.
            # (A PENDING interview has no recording yet.)
            recordings.delete_video(recordings.video_key(owner_id, interview_id))
        transactions.write([store.deletion(state), *credits.on_delete(state), *linked])
        return Deleted(refunded=refund, balance_after=users.get_balance(owner_id) if refund else None)

    return retry_on_conflict(attempt)
