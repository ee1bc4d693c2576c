"""Candidates and jobs: the caller's own, unique by externalId, deletable once nothing references them."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypedDict

from functions.data import talent as store
from functions.data import transactions
from functions.domain import clock, cursors
from functions.domain.contention import retry_on_conflict
from functions.domain.ownership import failing, not_yours
from functions.models.entities.page import Page
from functions.models.entities.talent import Candidate, Job
from functions.models.errors import NotFound, ResourceInUse, ValidationFailed

if TYPE_CHECKING:
    # Types only: get and delete of candidates and jobs run without pydantic (decisions 18).
    from functions.models.talent import CandidateCreate, CandidateUpdate, JobCreate, JobUpdate

_CANDIDATES = "candidates"
_JOBS = "jobs"


def _distinct(ids: list[str]) -> list[str]:
    return list(dict.fromkeys(ids))


class _NewFields(TypedDict):
    id: str
    owner_id: str
    external_id: str | None
    metadata: dict[str, Any] | None
    created_at: str
    updated_at: str


def _new_fields(owner_id: str, request: CandidateCreate | JobCreate) -> _NewFields:
    """What a new candidate and a new job both start with: a fresh id, the owner, externalId, metadata, times."""
    now = clock.now()
    return _NewFields(
        id=str(uuid.uuid4()),
        owner_id=owner_id,
        external_id=request.externalId,
        metadata=request.metadata,
        created_at=now,
        updated_at=now,
    )


# --- candidates -------------------------------------------------------------------------------


def create_candidate(owner_id: str, request: CandidateCreate) -> Candidate:
    candidate = Candidate(
        **_new_fields(owner_id, request), name=request.name, email=request.email, job_ids=_distinct(request.jobIds)
    )
    writes = store.new_entity(candidate, refs=0)
    for job_id in candidate.job_ids:
        writes.append(store.reference(owner_id, "job", job_id, 1, failing("jobIds", "job", job_id)))
    retry_on_conflict(lambda: transactions.write(writes))
    return candidate


def get_candidate(owner_id: str, candidate_id: str) -> Candidate:
    return _stored_candidate(owner_id, candidate_id).entity


def _stored_candidate(owner_id: str, candidate_id: str) -> store.Stored[Candidate]:
    return _found(store.get_candidate(owner_id, candidate_id), "Candidate not found")


def _found[E: (Candidate, Job)](stored: store.Stored[E] | None, missing: str) -> store.Stored[E]:
    if stored is None:
        raise NotFound(missing)
    return stored


def list_candidates(
    owner_id: str, limit: int, cursor: str | None, external_id: str | None, job_id: str | None
) -> tuple[list[Candidate], str | None]:
    if external_id is not None and job_id is not None:
        raise ValidationFailed('Query parameters "externalId" and "jobId" cannot be combined: filter by one of them')
    if external_id is not None:
        # At most one: externalId is unique per owner, and no cursor is ever issued for this lookup, so
        # any cursor sent with it is refused as another query's (as with every other filter).
        cursors.decode(cursor, owner_id, f"{_CANDIDATES}:externalId")
        holder = store.holder_of(owner_id, "candidate", external_id)
        found = store.get_candidate(owner_id, holder) if holder else None
        return ([found.entity] if found else []), None
    if job_id is not None:
        of_job = job_id
        scope = f"{_CANDIDATES}:job:{of_job}"
        return _paged(owner_id, cursor, scope, lambda start: store.query_job_candidates(owner_id, of_job, limit, start))
    return _paged(owner_id, cursor, _CANDIDATES, lambda start: store.query_candidates(owner_id, limit, start))


def _paged[E: (Candidate, Job)](
    owner_id: str, cursor: str | None, scope: str, query: Callable[[dict[str, Any] | None], Page[E]]
) -> tuple[list[E], str | None]:
    """One page of a listing: the cursor is the owner's and the listing's (scope) only."""
    page = query(cursors.decode(cursor, owner_id, scope))
    return page.items, cursors.encode(page.last_key, owner_id, scope)


def update_candidate(owner_id: str, candidate_id: str, request: CandidateUpdate) -> Candidate:
    return _change(lambda: _stored_candidate(owner_id, candidate_id), request)


def delete_candidate(owner_id: str, candidate_id: str) -> None:
    in_use = f"Candidate {candidate_id} has interviews; delete them first"
    _delete(lambda: _stored_candidate(owner_id, candidate_id), in_use)


# The entity attribute each update field replaces. The required ones (name, title, jobIds) refuse
# null, so every field sent is applied: a null clears email, externalId or metadata.
_UPDATED = {
    "name": "name",
    "title": "title",
    "email": "email",
    "externalId": "external_id",
    "jobIds": "job_ids",
    "metadata": "metadata",
}


def _updated[E: (Candidate, Job)](before: E, request: CandidateUpdate | JobUpdate, now: str) -> E:
    changes = {_UPDATED[field]: getattr(request, field) for field in request.model_fields_set}
    if "job_ids" in changes:
        changes["job_ids"] = _distinct(changes["job_ids"])
    return replace(before, updated_at=now, **changes)


def _change[E: (Candidate, Job)](read: Callable[[], store.Stored[E]], request: CandidateUpdate | JobUpdate) -> E:
    """Read, change, write if nothing changed it since the read (else read again); externalId and links move along."""

    def attempt() -> E:
        before = read()
        after = _updated(before.entity, request, clock.now())
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
    job = Job(**_new_fields(owner_id, request), title=request.title)
    retry_on_conflict(lambda: transactions.write(store.new_entity(job, refs=0)))
    return job


def _stored_job(owner_id: str, job_id: str) -> store.Stored[Job]:
    return _found(store.get_job(owner_id, job_id), "Job not found")


def get_job(owner_id: str, job_id: str) -> Job:
    return _stored_job(owner_id, job_id).entity


def list_jobs(
    owner_id: str, limit: int, cursor: str | None, external_id: str | None = None
) -> tuple[list[Job], str | None]:
    if external_id is not None:
        # At most one, as for candidates: no cursor is issued for the lookup, so one sent with it is refused.
        cursors.decode(cursor, owner_id, f"{_JOBS}:externalId")
        holder = store.holder_of(owner_id, "job", external_id)
        found = store.get_job(owner_id, holder) if holder else None
        return ([found.entity] if found else []), None
    return _paged(owner_id, cursor, _JOBS, lambda start: store.query_jobs(owner_id, limit, start))


def update_job(owner_id: str, job_id: str, request: JobUpdate) -> Job:
    return _change(lambda: _stored_job(owner_id, job_id), request)


def delete_job(owner_id: str, job_id: str) -> None:
    in_use = f"Job {job_id} has interviews or candidates; delete the interviews or unlink them first"
    _delete(lambda: _stored_job(owner_id, job_id), in_use)
