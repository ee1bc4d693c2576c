"""Candidates and jobs (table `talent`): items, externalId uniqueness, candidate-job links, reference counts.

One table, keyed by owner, so that another user's id is simply not found. The sort key says what an
item is:
- `candidate#<id>` and `job#<id>`: the entities, with `refs` (how many interviews, and for a job also
  candidates, point at it: a delete is conditioned on 0) and `version` (bumped by every change of a
  field, so that a read-then-write notices a concurrent change);
- `candidate-ext#<externalId>` and `job-ext#<externalId>`: who holds an externalId (a conditional Put
  in the same transaction as the entity makes it unique per owner and kind);
- `link#<jobId>#<candidateId>`: a candidate's job, so that one Query lists a job's candidates.
Reference counts change in the same transactions as the interviews and links that make them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import field
from typing import TYPE_CHECKING, Any, Literal

from functions.data.aws import dynamodb, from_item, metadata_text, to_item, to_value
from functions.data.expressions import set_or_remove
from functions.data.paging import every_item, query_page
from functions.data.settings import settings
from functions.data.transactions import Guarded, stale
from functions.models.entities.page import Page
from functions.models.entities.talent import Candidate, Job
from functions.models.errors import Conflict, Duplicate
from functions.records import record

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

Kind = Literal["candidate", "job"]
_MAX_BATCH_GET = 100  # BatchGetItem's limit, and our largest page


@record
class Stored[T]:
    """An entity as read, with what a later conditional write needs."""

    entity: T
    refs: int
    version: int


def _key(owner_id: str, sort_key: str) -> dict[str, Any]:
    return {"ownerId": {"S": owner_id}, "sk": {"S": sort_key}}


def _entity_key(kind: Kind, entity_id: str) -> str:
    return f"{kind}#{entity_id}"


def _external_key(kind: Kind, external_id: str) -> str:
    return f"{kind}-ext#{external_id}"


def _link_key(job_id: str, candidate_id: str) -> str:
    return f"link#{job_id}#{candidate_id}"


def _common(values: dict[str, Any]) -> dict[str, Any]:
    """The attributes a candidate and a job both hold, as the entities name them."""
    return {
        "id": values["id"],
        "owner_id": values["ownerId"],
        "external_id": values.get("externalId"),
        "metadata": json.loads(values["metadata"]) if values.get("metadata") else None,
        "created_at": values["createdAt"],
        "updated_at": values["updatedAt"],
    }


def _candidate(values: dict[str, Any]) -> Candidate:
    return Candidate(
        **_common(values), name=values["name"], email=values.get("email"), job_ids=list(values.get("jobIds", []))
    )


def _job(values: dict[str, Any]) -> Job:
    return Job(**_common(values), title=values["title"])


def _fields(entity: Candidate | Job) -> dict[str, Any]:
    """The attributes a change may set (None: the attribute is removed)."""
    common = {
        "externalId": entity.external_id,
        "metadata": metadata_text(entity.metadata),
        "updatedAt": entity.updated_at,
    }
    if isinstance(entity, Candidate):
        return {"name": entity.name, "email": entity.email, "jobIds": entity.job_ids, **common}
    return {"title": entity.title, **common}


def _kind(entity: Candidate | Job) -> Kind:
    return "candidate" if isinstance(entity, Candidate) else "job"


# --- reads ------------------------------------------------------------------------------------


def _get(owner_id: str, kind: Kind, entity_id: str) -> dict[str, Any] | None:
    found = dynamodb().get_item(
        TableName=settings().talent_table, Key=_key(owner_id, _entity_key(kind, entity_id)), ConsistentRead=True
    )
    return from_item(found["Item"]) if "Item" in found else None


def _stored[T](values: dict[str, Any] | None, parse: Callable[[dict[str, Any]], T]) -> Stored[T] | None:
    return None if values is None else Stored(parse(values), values.get("refs", 0), values.get("version", 0))


def get_candidate(owner_id: str, candidate_id: str) -> Stored[Candidate] | None:
    return _stored(_get(owner_id, "candidate", candidate_id), _candidate)


def get_job(owner_id: str, job_id: str) -> Stored[Job] | None:
    return _stored(_get(owner_id, "job", job_id), _job)


def holder_of(owner_id: str, kind: Kind, external_id: str) -> str | None:
    """The id of the owner's candidate (or job) with this externalId, if any."""
    found = dynamodb().get_item(
        TableName=settings().talent_table, Key=_key(owner_id, _external_key(kind, external_id)), ConsistentRead=True
    )
    return str(found["Item"]["entityId"]["S"]) if "Item" in found else None


def _query[T](
    owner_id: str, prefix: str, limit: int, start_key: dict[str, Any] | None, parse: Callable[[dict[str, Any]], T]
) -> Page[T]:
    params: dict[str, Any] = {
        "TableName": settings().talent_table,
        "KeyConditionExpression": "ownerId = :o AND begins_with(sk, :p)",
        "ExpressionAttributeValues": {":o": {"S": owner_id}, ":p": {"S": prefix}},
        "Limit": limit,
    }
    return query_page(params, start_key, lambda item: parse(from_item(item)))


def query_candidates(owner_id: str, limit: int, start_key: dict[str, Any] | None) -> Page[Candidate]:
    return _query(owner_id, "candidate#", limit, start_key, _candidate)


def query_jobs(owner_id: str, limit: int, start_key: dict[str, Any] | None) -> Page[Job]:
    return _query(owner_id, "job#", limit, start_key, _job)


def query_job_candidates(owner_id: str, job_id: str, limit: int, start_key: dict[str, Any] | None) -> Page[Candidate]:
    """A job's candidates: one Query on its links, then one BatchGetItem for the page's candidates."""
    links = _query(owner_id, f"link#{job_id}#", limit, start_key, lambda link: str(link["candidateId"]))
    return Page(items=_batch_candidates(owner_id, links.items), last_key=links.last_key)


def _batch_candidates(owner_id: str, ids: Sequence[str]) -> list[Candidate]:
    if not ids:
        return []
    table = settings().talent_table
    pending: dict[str, Any] = {
        table: {
            "Keys": [_key(owner_id, _entity_key("candidate", i)) for i in ids[:_MAX_BATCH_GET]],
            "ConsistentRead": True,
        }
    }
    found: dict[str, Candidate] = {}
    # BatchGetItem may return part of the keys as UnprocessedKeys (throttling): asked again until none is left.
    while pending:
        answer = dynamodb().batch_get_item(RequestItems=pending)
        for item in answer["Responses"].get(table, []):
            candidate = _candidate(from_item(item))
            found[candidate.id] = candidate
        pending = dict(answer.get("UnprocessedKeys") or {})
    # In the links' order; a link and its candidate are written and deleted in one transaction.
    return [found[i] for i in ids if i in found]


# --- transaction items ------------------------------------------------------------------------


def _conflict(owner_id: str, kind: Kind, external_id: str) -> Callable[[], Exception]:
    def failure() -> Exception:
        holder = holder_of(owner_id, kind, external_id)
        message = f'A {kind} with externalId "{external_id}" already exists: {holder}'
        return Duplicate(message, "externalId", holder) if holder else Conflict(message)

    return failure


def _claim_external(owner_id: str, kind: Kind, external_id: str, entity_id: str) -> Guarded:
    return Guarded(
        {
            "Put": {
                "TableName": settings().talent_table,
                "Item": to_item({"ownerId": owner_id, "sk": _external_key(kind, external_id), "entityId": entity_id}),
                "ConditionExpression": "attribute_not_exists(sk)",
            }
        },
        _conflict(owner_id, kind, external_id),
    )


def _release_external(owner_id: str, kind: Kind, external_id: str) -> Guarded:
    return Guarded(
        {"Delete": {"TableName": settings().talent_table, "Key": _key(owner_id, _external_key(kind, external_id))}}
    )


def link(owner_id: str, job_id: str, candidate_id: str) -> Guarded:
    return Guarded(
        {
            "Put": {
                "TableName": settings().talent_table,
                "Item": to_item(
                    {
                        "ownerId": owner_id,
                        "sk": _link_key(job_id, candidate_id),
                        "jobId": job_id,
                        "candidateId": candidate_id,
                    }
                ),
            }
        }
    )


def _unlink(owner_id: str, job_id: str, candidate_id: str) -> Guarded:
    return Guarded(
        {"Delete": {"TableName": settings().talent_table, "Key": _key(owner_id, _link_key(job_id, candidate_id))}}
    )


def new_entity(entity: Candidate | Job, refs: int) -> list[Guarded]:
    """Put a new candidate or job holding `refs` references, claiming its externalId; a candidate's links too."""
    kind = _kind(entity)
    values = {"ownerId": entity.owner_id, "sk": _entity_key(kind, entity.id), "id": entity.id}
    values |= _fields(entity) | {"createdAt": entity.created_at, "refs": refs, "version": 1}
    items = [
        Guarded(
            {
                "Put": {
                    "TableName": settings().talent_table,
                    "Item": to_item(values),
                    "ConditionExpression": "attribute_not_exists(sk)",
                }
            }
        )
    ]
    if entity.external_id is not None:
        items.append(_claim_external(entity.owner_id, kind, entity.external_id, entity.id))
    if isinstance(entity, Candidate):
        items += [link(entity.owner_id, job_id, entity.id) for job_id in entity.job_ids]
    return items


def reference(
    owner_id: str,
    kind: Kind,
    entity_id: str,
    delta: int,
    failure: Callable[[], Exception] | None,
    *,
    require_job: str | None = None,
    add_job: str | None = None,
    updated_at: str | None = None,
) -> Guarded:
    """Add `delta` to the entity's references, if it exists (else `failure`).

    For a candidate, `require_job` also requires that job among its jobs, and `add_job` appends a job.
    """
    update = "ADD refs :delta"
    condition = "attribute_exists(sk)"
    values: dict[str, Any] = {":delta": {"N": str(delta)}}
    if require_job is not None:
        condition += " AND contains(jobIds, :required)"
        values[":required"] = {"S": require_job}
    if add_job is not None:
        update = "SET jobIds = list_append(jobIds, :added), updatedAt = :now ADD refs :delta, version :one"
        values |= {":added": to_value([add_job]), ":now": {"S": updated_at or ""}, ":one": {"N": "1"}}
    return Guarded(
        {
            "Update": {
                "TableName": settings().talent_table,
                "Key": _key(owner_id, _entity_key(kind, entity_id)),
                "UpdateExpression": update,
                "ConditionExpression": condition,
                "ExpressionAttributeValues": values,
            }
        },
        failure,
    )


def changed_entity(
    before: Stored[Candidate] | Stored[Job], after: Candidate | Job, job_failure: Callable[[str], Exception]
) -> list[Guarded]:
    """Write `after` over `before` if nothing changed it since it was read; move its externalId and links.

    A job added to a candidate gains a reference (`job_failure(job_id)` when it is not the owner's).
    """
    kind = _kind(after)
    update, names, values = set_or_remove(_fields(after))
    update += " ADD version :one"
    values |= {":version": {"N": str(before.version)}, ":one": {"N": "1"}}
    items = [
        Guarded(
            {
                "Update": {
                    "TableName": settings().talent_table,
                    "Key": _key(after.owner_id, _entity_key(kind, after.id)),
                    "UpdateExpression": update,
                    "ConditionExpression": "attribute_exists(sk) AND version = :version",
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": values,
                }
            },
            stale,
        )
    ]
    old_external = before.entity.external_id
    if after.external_id != old_external:
        if old_external is not None:
            items.append(_release_external(after.owner_id, kind, old_external))
        if after.external_id is not None:
            items.append(_claim_external(after.owner_id, kind, after.external_id, after.id))
    if isinstance(after, Candidate) and isinstance(before.entity, Candidate):
        for job_id in (j for j in after.job_ids if j not in before.entity.job_ids):
            items += [
                reference(after.owner_id, "job", job_id, 1, _bound(job_failure, job_id)),
                link(after.owner_id, job_id, after.id),
            ]
        for job_id in (j for j in before.entity.job_ids if j not in after.job_ids):
            items += [reference(after.owner_id, "job", job_id, -1, None), _unlink(after.owner_id, job_id, after.id)]
    return items


def _bound(failure: Callable[[str], Exception], job_id: str) -> Callable[[], Exception]:
    return lambda: failure(job_id)


def deleted_entity(stored: Stored[Candidate] | Stored[Job]) -> list[Guarded]:
    """Delete an entity nothing references and that nothing changed since it was read, with its externalId and links."""
    entity = stored.entity
    kind = _kind(entity)
    delete: TransactWriteItemTypeDef = {
        "Delete": {
            "TableName": settings().talent_table,
            "Key": _key(entity.owner_id, _entity_key(kind, entity.id)),
            "ConditionExpression": "refs = :zero AND version = :version",
            "ExpressionAttributeValues": {":zero": {"N": "0"}, ":version": {"N": str(stored.version)}},
        }
    }
    items = [Guarded(delete, stale)]
    if entity.external_id is not None:
        items.append(_release_external(entity.owner_id, kind, entity.external_id))
    if isinstance(entity, Candidate):
        for job_id in entity.job_ids:
            items += [reference(entity.owner_id, "job", job_id, -1, None), _unlink(entity.owner_id, job_id, entity.id)]
    return items


@record(frozen=False)
class Holdings:
    """Everything the talent table holds for one owner, for an audit."""

    candidates: list[Stored[Candidate]] = field(default_factory=list)
    jobs: list[Stored[Job]] = field(default_factory=list)
    holders: dict[tuple[Kind, str], str] = field(default_factory=dict)  # (kind, externalId) -> entity id
    links: set[tuple[str, str]] = field(default_factory=set)  # (job id, candidate id)


def holdings(owner_id: str) -> Holdings:
    """One owner's candidates, jobs, externalId holders and links, by a strongly consistent Query."""
    held = Holdings()
    params = {
        "TableName": settings().talent_table,
        "KeyConditionExpression": "ownerId = :o",
        "ExpressionAttributeValues": {":o": {"S": owner_id}},
        "ConsistentRead": True,
    }
    for item in every_item("query", params):
        values = from_item(item)
        kind, _, rest = str(values["sk"]).partition("#")
        if kind == "candidate":
            held.candidates.append(Stored(_candidate(values), values.get("refs", 0), values.get("version", 0)))
        elif kind == "job":
            held.jobs.append(Stored(_job(values), values.get("refs", 0), values.get("version", 0)))
        elif kind in ("candidate-ext", "job-ext"):
            held.holders[("candidate" if kind == "candidate-ext" else "job", rest)] = str(values["entityId"])
        elif kind == "link":
            held.links.add((str(values["jobId"]), str(values["candidateId"])))
    return held
