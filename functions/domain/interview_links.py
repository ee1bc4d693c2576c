"""An interview's candidate and job: the XOR and priority rules of create, and the writes that go with them.

Every write returned here joins the interview's own transaction (the debit included), so a refused
create leaves no candidate or job behind, and reference counts never drift from the interviews.
"""

from __future__ import annotations

import uuid
from dataclasses import field
from typing import TYPE_CHECKING

from functions.data import talent as store
from functions.data.transactions import Guarded, stale
from functions.domain.ownership import failing, not_yours
from functions.models.entities.interviews import Interview
from functions.models.entities.talent import Candidate, Job
from functions.models.errors import ValidationFailed
from functions.records import record

if TYPE_CHECKING:
    # A type only: the routes that merely read or delete interviews load no pydantic (decisions 18).
    from functions.models.api import InterviewCreate


@record
class Links:
    candidate_id: str | None = None
    job_id: str | None = None
    candidate_name: str | None = None  # intervieweeName's default
    writes: list[Guarded] = field(default_factory=list)


@record
class NewIds:
    """Ids for inline entities, drawn once per request so that a retried transaction writes the same items."""

    candidate: str = field(default_factory=lambda: str(uuid.uuid4()))
    job: str = field(default_factory=lambda: str(uuid.uuid4()))


def check_sources(request: InterviewCreate) -> None:
    """One source each for the candidate and the job, and a name for the interviewee from one of them.

    Checked before anything is read or written, so an ambiguous create is a 400 whatever the store holds.
    """
    if request.candidateId is not None and request.candidate is not None:
        raise ValidationFailed('Fields "candidateId" and "candidate" cannot be combined: send one of them')
    if request.jobId is not None and request.job is not None:
        raise ValidationFailed('Fields "jobId" and "job" cannot be combined: send one of them')
    if request.candidate is not None and request.candidate.jobId is not None and (request.jobId or request.job):
        raise ValidationFailed(
            'Field "candidate.jobId" cannot be combined with "jobId" or "job": the job would be ambiguous'
        )
    if request.intervieweeName is None and request.candidateId is None and request.candidate is None:
        raise ValidationFailed('Field "intervieweeName" is required unless "candidateId" or "candidate" is given')


def for_create(owner_id: str, request: InterviewCreate, ids: NewIds, now: str) -> Links:
    """The interview's candidate and job, and the writes that create, link and reference them.

    The request has passed check_sources; the job comes from `job` (created), else `jobId`, else
    `candidate.jobId`, else an existing candidate's first job.
    """
    new_job = None
    job_field = "jobId"
    job_id = request.jobId
    if request.job is not None:
        new_job = Job(ids.job, owner_id, request.job.title, request.job.externalId, None, now, now)
        job_id = new_job.id
    elif request.candidate is not None and request.candidate.jobId is not None:
        job_field, job_id = "candidate.jobId", request.candidate.jobId
    writes: list[Guarded] = []
    job_refs = 1  # the interview's; one more when a candidate gets linked to the job here
    candidate_id = candidate_name = None
    if request.candidate is not None:
        inline = request.candidate
        candidate = Candidate(
            ids.candidate,
            owner_id,
            inline.name,
            inline.email,
            inline.externalId,
            [job_id] if job_id else [],
            None,
            now,
            now,
        )
        writes += store.new_entity(candidate, refs=1)
        candidate_id, candidate_name = candidate.id, candidate.name
        job_refs += 1 if job_id else 0
    elif request.candidateId is not None:
        stored = store.get_candidate(owner_id, request.candidateId)
        if stored is None:
            raise not_yours("candidateId", "candidate", request.candidateId)
        existing = stored.entity
        candidate_id, candidate_name = existing.id, existing.name
        if new_job is not None:
            writes.append(
                store.reference(owner_id, "candidate", existing.id, 1, stale, add_job=new_job.id, updated_at=now)
            )
            writes.append(store.link(owner_id, new_job.id, existing.id))
            job_refs += 1
        elif job_id is not None:
            if job_id not in existing.job_ids:
                raise ValidationFailed(f'Field "jobId": job {job_id} is not one of candidate {existing.id}\'s jobs')
            writes.append(store.reference(owner_id, "candidate", existing.id, 1, stale, require_job=job_id))
        else:
            job_field, job_id = "candidateId", (existing.job_ids[0] if existing.job_ids else None)
            writes.append(store.reference(owner_id, "candidate", existing.id, 1, stale, require_job=job_id))
    if new_job is not None:
        writes += store.new_entity(new_job, refs=job_refs)
    elif job_id is not None:
        writes.append(store.reference(owner_id, "job", job_id, job_refs, failing(job_field, "job", job_id)))
    return Links(candidate_id, job_id, candidate_name, writes)


def for_change(before: Interview, candidate_id: str | None, job_id: str | None) -> list[Guarded]:
    """The reference moves when a PATCH sets (or clears) the interview's candidate or job."""
    owner_id = before.owner_id
    writes: list[Guarded] = []
    moves: tuple[tuple[store.Kind, str, str | None, str | None], ...] = (
        ("candidate", "candidateId", before.candidate_id, candidate_id),
        ("job", "jobId", before.job_id, job_id),
    )
    for kind, name, old, new in moves:
        if old == new:
            continue
        if new is not None:
            writes.append(store.reference(owner_id, kind, new, 1, failing(name, kind, new)))
        if old is not None:
            writes.append(store.reference(owner_id, kind, old, -1, None))
    return writes


def for_delete(interview: Interview) -> list[Guarded]:
    """The references an interview gives back when it is deleted."""
    return for_change(interview, None, None)
