"""Candidates and jobs: the caller's own, unique by externalId, deletable once nothing references them."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace

from functions.data import talent as store
from functions.data import transactions
from functions.domain import clock, cursors
from functions.domain.contention import retry_on_conflict
from functions.models.entities import Candidate, Job
from functions.models.errors import NotFound, ResourceInUse, ValidationFailed
from functions.models.talent import CandidateCreate, CandidateUpdate, JobCreate, JobUpdate

_CANDIDATES = "candidates"
_JOBS = "jobs"


def not_yours(field: str, kind: store.Kind, entity_id: str) -> ValidationFailed:
    """A referenced candidate or job that is missing or another user's: told apart from neither (as planId)."""
    return ValidationFailed(f'Field "{field}": {kind} {entity_id} does not exist or is not yours')


def failing(field: str, kind: store.Kind, entity_id: str) -> Callable[[], Exception]:
    """What a failed reference to this candidate or job means, for a transaction item."""
    return lambda: not_yours(field, kind, entity_id)


def _distinct(ids: list[str]) -> list[str]:
    return list(dict.fromkeys(ids))


# --- candidates -------------------------------------------------------------------------------


def create_candidate(owner_id: str, request: CandidateCreate) -> Candidate:
    now = clock.now()
    candidate = Candidate(
        id=str(uuid.uuid4()),
        owner_id=owner_id,
        name=request.name,
        email=request.email,
        external_id=request.externalId,
        job_ids=_distinct(request.jobIds),
        metadata=request.metadata,
        created_at=now,
        updated_at=now,
    )
    writes = store.new_entity(candidate, refs=0)
    for job_id in candidate.job_ids:
        writes.append(store.reference(owner_id, "job", job_id, 1, failing("jobIds", "job", job_id)))
    retry_on_conflict(lambda: transactions.write(writes))
    return candidate


def get_candidate(owner_id: str, candidate_id: str) -> Candidate:
    return _stored_candidate(owner_id, candidate_id).entity


def _stored_candidate(owner_id: str, candidate_id: str) -> store.Stored[Candidate]:
    stored = store.get_candidate(owner_id, candidate_id)
    if stored is None:
        raise NotFound("Candidate not found")
    return stored


def list_candidates(
    owner_id: str, limit: int, cursor: str | None, external_id: str | None, job_id: str | None
) -> tuple[list[Candidate], str | None]:
    if external_id is not None and job_id is not None:
        raise ValidationFailed('Query parameters "externalId" and "jobId" cannot be combined: filter by one of them')
    if external_id is not None:
        # At most one: externalId is unique per owner.
        holder = store.holder_of(owner_id, "candidate", external_id)
        found = store.get_candidate(owner_id, holder) if holder else None
        return ([found.entity] if found else []), None
    scope = f"{_CANDIDATES}:job:{job_id}" if job_id is not None else _CANDIDATES
    start_key = cursors.decode(cursor, owner_id, scope)
    if job_id is not None:
        page = store.query_job_candidates(owner_id, job_id, limit, start_key)
    else:
        page = store.query_candidates(owner_id, limit, start_key)
    return page.items, cursors.encode(page.last_key, owner_id, scope)


def update_candidate(owner_id: str, candidate_id: str, request: CandidateUpdate) -> Candidate:
    sent = request.model_fields_set

    def changed(before: Candidate, now: str) -> Candidate:
        after = replace(before, updated_at=now)
        if request.name is not None:
            after = replace(after, name=request.name)
        if request.jobIds is not None:
            after = replace(after, job_ids=_distinct(request.jobIds))
        if "email" in sent:
            after = replace(after, email=request.email)
        return _common_changes(after, request, sent)

    return _change(lambda: _stored_candidate(owner_id, candidate_id), changed)


def delete_candidate(owner_id: str, candidate_id: str) -> None:
    in_use = f"Candidate {candidate_id} has interviews; delete them first"
    _delete(lambda: _stored_candidate(owner_id, candidate_id), in_use)


def _common_changes[E: (Candidate, Job)](after: E, request: CandidateUpdate | JobUpdate, sent: set[str]) -> E:
    if "externalId" in sent:
        after = replace(after, external_id=request.externalId)
    if "metadata" in sent:
        after = replace(after, metadata=request.metadata)
    return after


def _change[E: (Candidate, Job)](read: Callable[[], store.Stored[E]], changed: Callable[[E, str], E]) -> E:
    """Read, change, write if nothing changed it since the read (else read again); externalId and links move along."""

    def attempt() -> E:
        before = read()
        after = changed(before.entity, clock.now())
        transactions.write(store.changed_entity(before, after, lambda job_id: not_yours("jobIds", "job", job_id)))
        return after

    return retry_on_conflict(attempt)


def _delete(read: Callable[[], store.Stored[Candidate] | store.Stored[Job]], in_use: str) -> None:
    def attempt() -> None:
        stored = read()
        if stored.refs > 0:
            raise ResourceInUse(in_use)
        # Conditioned on no reference and no change since the read: else read again.
        transactions.write(store.deleted_entity(stored))

    retry_on_conflict(attempt)


# --- jobs -------------------------------------------------------------------------------------


def create_job(owner_id: str, request: JobCreate) -> Job:
    now = clock.now()
    job = Job(
        id=str(uuid.uuid4()),
        owner_id=owner_id,
        title=request.title,
        external_id=request.externalId,
        metadata=request.metadata,
        created_at=now,
        updated_at=now,
    )
    retry_on_conflict(lambda: transactions.write(store.new_entity(job, refs=0)))
    return job


def _stored_job(owner_id: str, job_id: str) -> store.Stored[Job]:
    stored = store.get_job(owner_id, job_id)
    if stored is None:
        raise NotFound("Job not found")
    return stored


def get_job(owner_id: str, job_id: str) -> Job:
    return _stored_job(owner_id, job_id).entity


def list_jobs(owner_id: str, limit: int, cursor: str | None) -> tuple[list[Job], str | None]:
    start_key = cursors.decode(cursor, owner_id, _JOBS)
    page = store.query_jobs(owner_id, limit, start_key)
    return page.items, cursors.encode(page.last_key, owner_id, _JOBS)


def update_job(owner_id: str, job_id: str, request: JobUpdate) -> Job:
    sent = request.model_fields_set

    def changed(before: Job, now: str) -> Job:
        after = replace(before, updated_at=now)
        if request.title is not None:
            after = replace(after, title=request.title)
        return _common_changes(after, request, sent)

    return _change(lambda: _stored_job(owner_id, job_id), changed)


def delete_job(owner_id: str, job_id: str) -> None:
    in_use = f"Job {job_id} has interviews or candidates; delete the interviews or unlink them first"
    _delete(lambda: _stored_job(owner_id, job_id), in_use)
