"""Interviews (table `interviews`): items, and the conditioned writes the domain's transactions are made of.

When a credit is debited or refunded with them is the domain's rule (functions/domain/credits.py).

Items are keyed by id (the room and the post-processing pipeline address an interview by id
alone); two indexes serve the owner's list, with and without a status filter.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from functions.data import transactions
from functions.data.aws import dynamodb, from_item, metadata_text, to_item, to_value
from functions.data.errors import on_condition_failure
from functions.data.expressions import set_or_remove
from functions.data.paging import every_item, query_page
from functions.data.settings import settings
from functions.data.transactions import Guarded
from functions.models.entities.interviews import Interview, InterviewChanges, InterviewStatus, Record, RecordStatus
from functions.models.entities.page import Page
from functions.models.errors import Conflict, NotFound
from functions.records import record

BY_OWNER = "byOwner"
BY_OWNER_STATUS = "byOwnerStatus"
BY_OWNER_CANDIDATE = "byOwnerCandidate"
BY_OWNER_JOB = "byOwnerJob"


def owner_status(owner_id: str, status: str) -> str:
    return f"{owner_id}#{status}"


def _owned(owner_id: str, entity_id: str | None) -> str | None:
    # The key of the candidate and job indexes: with the owner in it, another user's id finds nothing.
    return None if entity_id is None else f"{owner_id}#{entity_id}"


def _created_key(interview: Interview) -> str:
    # Sorts by creation time; the id breaks ties between interviews created in the same millisecond.
    return f"{interview.created_at}#{interview.id}"


def _to_values(interview: Interview) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": interview.id,
        "ownerId": interview.owner_id,
        "ownerStatus": owner_status(interview.owner_id, interview.status),
        "createdKey": _created_key(interview),
        "title": interview.title,
        "planId": interview.plan_id,
        "pin": interview.pin,
        "intervieweeName": interview.interviewee_name,
        "status": str(interview.status),
        "charged": interview.charged,
        "createdAt": interview.created_at,
        "updatedAt": interview.updated_at,
        "startedAt": interview.started_at,
        "finishedAt": interview.finished_at,
        "isTest": interview.is_test,
        "metadata": metadata_text(interview.metadata),
        "scheduledAt": interview.scheduled_at,
        "candidateId": interview.candidate_id,
        "jobId": interview.job_id,
        "ownerCandidate": _owned(interview.owner_id, interview.candidate_id),
        "ownerJob": _owned(interview.owner_id, interview.job_id),
    }
    if interview.record is not None:
        values["record"] = _record_values(interview.record)
    return values


def _record_values(record: Record) -> dict[str, Any]:
    return {
        "status": str(record.status),
        "summary": record.summary,
        # Free-form JSON is kept as text: DynamoDB maps cannot hold floats without Decimal juggling.
        "results": json.dumps(record.results),
        "participants": json.dumps(record.participants),
        "videoKey": record.video_key,
    }


def _interview(item: dict[str, Any]) -> Interview:
    values = from_item(item)
    raw_record = values.get("record")
    record = None
    if raw_record:
        record = Record(
            status=RecordStatus(raw_record["status"]),
            summary=raw_record.get("summary"),
            results=json.loads(raw_record.get("results", "[]")),
            participants=json.loads(raw_record.get("participants", "[]")),
            video_key=raw_record.get("videoKey"),
        )
    return Interview(
        id=values["id"],
        owner_id=values["ownerId"],
        title=values["title"],
        plan_id=values["planId"],
        pin=values["pin"],
        interviewee_name=values["intervieweeName"],
        status=InterviewStatus(values["status"]),
        charged=bool(values.get("charged", False)),
        created_at=values["createdAt"],
        updated_at=values["updatedAt"],
        started_at=values.get("startedAt"),
        finished_at=values.get("finishedAt"),
        record=record,
        is_test=bool(values.get("isTest", False)),
        metadata=json.loads(values["metadata"]) if values.get("metadata") else None,
        scheduled_at=values.get("scheduledAt"),
        candidate_id=values.get("candidateId"),
        job_id=values.get("jobId"),
    )


def from_image(image: dict[str, Any]) -> Interview:
    """An interview from a stream record's NewImage or OldImage (the item's own typed attributes)."""
    return _interview(image)


def new_interview(interview: Interview) -> Guarded:
    """Put a new interview (the caller's debit, plan check and links join it in one transaction)."""
    return Guarded(
        {
            "Put": {
                "TableName": settings().interviews_table,
                "Item": to_item(_to_values(interview)),
                "ConditionExpression": "attribute_not_exists(id)",
            }
        }
    )


def get(interview_id: str) -> Interview | None:
    found = dynamodb().get_item(
        TableName=settings().interviews_table, Key={"id": {"S": interview_id}}, ConsistentRead=True
    )
    return _interview(found["Item"]) if "Item" in found else None


# The writable fields, as the domain names them, and the item attributes they are stored in.
_WRITABLE: dict[str, str] = {
    "title": "title",
    "interviewee_name": "intervieweeName",
    "plan_id": "planId",
    "metadata": "metadata",
    "scheduled_at": "scheduledAt",
}


def update_fields(
    interview_id: str, owner_id: str, changes: InterviewChanges, updated_at: str, *, only_if_pending: bool = False
) -> Interview | None:
    """Set the given fields on the caller's interview.

    NotFound when it is missing or not theirs; None when `only_if_pending` and it is no longer PENDING.
    """
    fields: dict[str, Any] = {_WRITABLE[name]: value for name, value in changes.items()}
    if "metadata" in fields:
        fields["metadata"] = metadata_text(fields["metadata"])
    condition, values = "ownerId = :owner", {":owner": {"S": owner_id}}
    names = None
    if only_if_pending:
        condition += " AND #s = :pending"
        values[":pending"] = {"S": InterviewStatus.PENDING.value}
        names = {"#s": "status"}
    try:
        return _set(
            interview_id,
            {**fields, "updatedAt": updated_at},
            condition=condition,
            condition_values=values,
            condition_names=names,
            failure=NotFound("Interview not found"),
        )
    except NotFound:
        if not only_if_pending:
            raise
        current = get(interview_id)
        if current is None or current.owner_id != owner_id:
            raise
        return None


@record
class AsRead:
    """The state of an interview that a delete or a change of its links was decided from.

    A write conditioned on it holds only while the stored item is still in that state: the owner's,
    with that status, charge and candidate and job (an absent link as an absent attribute).
    """

    id: str
    owner_id: str
    status: InterviewStatus
    charged: bool
    candidate_id: str | None = None
    job_id: str | None = None

    @classmethod
    def of(cls, interview: Interview) -> AsRead:
        return cls(
            interview.id,
            interview.owner_id,
            interview.status,
            interview.charged,
            interview.candidate_id,
            interview.job_id,
        )


def _as_read(state: AsRead) -> tuple[str, dict[str, Any], dict[str, str]]:
    """The condition that holds while the stored interview is still in `state`: (expression, values, names)."""
    condition = "ownerId = :owner AND #status = :status AND "
    # An item written before `charged` was stored reads as uncharged, and must match as such.
    condition += "charged = :charged" if state.charged else "(charged = :charged OR attribute_not_exists(charged))"
    values: dict[str, Any] = {
        ":owner": {"S": state.owner_id},
        ":status": {"S": str(state.status)},
        ":charged": {"BOOL": state.charged},
    }
    for attribute, value in (("candidateId", state.candidate_id), ("jobId", state.job_id)):
        if value is None:
            condition += f" AND attribute_not_exists({attribute})"
        else:
            condition += f" AND {attribute} = :{attribute}"
            values[f":{attribute}"] = {"S": value}
    return condition, values, {"#status": "status"}


def deletion(state: AsRead) -> Guarded:
    """Delete the interview while it is as read (else Stale: the domain reads it again and decides anew)."""
    condition, values, names = _as_read(state)
    return Guarded(
        {
            "Delete": {
                "TableName": settings().interviews_table,
                "Key": {"id": {"S": state.id}},
                "ConditionExpression": condition,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            }
        },
        transactions.stale,
    )


def relinking(
    before: Interview, changes: InterviewChanges, candidate_id: str | None, job_id: str | None, updated_at: str
) -> Guarded:
    """Set the interview's fields and its candidate and job, while it is as read (else Stale).

    The writes that move the candidate's and job's references join it in the same transaction.
    """
    fields: dict[str, Any] = {_WRITABLE[name]: value for name, value in changes.items()}
    if "metadata" in fields:
        fields["metadata"] = metadata_text(fields["metadata"])
    fields |= {
        "candidateId": candidate_id,
        "ownerCandidate": _owned(before.owner_id, candidate_id),
        "jobId": job_id,
        "ownerJob": _owned(before.owner_id, job_id),
        "updatedAt": updated_at,
    }
    # A cleared field is removed, never stored as null: the candidate and job indexes are sparse and
    # the as-read condition tells "no link" by attribute_not_exists (a cleared metadata reads back the same).
    update, set_names, set_values = set_or_remove(fields)
    condition, values, names = _as_read(AsRead.of(before))
    return Guarded(
        {
            "Update": {
                "TableName": settings().interviews_table,
                "Key": {"id": {"S": before.id}},
                "UpdateExpression": update,
                "ConditionExpression": condition,
                "ExpressionAttributeNames": names | set_names,
                "ExpressionAttributeValues": values | set_values,
            }
        },
        transactions.stale,
    )


def get_owned(interview_id: str, owner_id: str) -> Interview | None:
    """The interview if it exists and is the owner's, else None (the two are never told apart)."""
    found = get(interview_id)
    return found if found is not None and found.owner_id == owner_id else None


def query(
    owner_id: str,
    status: str | None,
    limit: int,
    start_key: dict[str, Any] | None,
    *,
    candidate_id: str | None = None,
    job_id: str | None = None,
) -> Page[Interview]:
    """One Query on one of the owner's indexes, newest first; Limit is the page size (no filter after reading).

    At most one of status, candidate_id and job_id (the indexes have no key for two of them).
    """
    if candidate_id is not None:
        index, key_name, key_value = BY_OWNER_CANDIDATE, "ownerCandidate", f"{owner_id}#{candidate_id}"
    elif job_id is not None:
        index, key_name, key_value = BY_OWNER_JOB, "ownerJob", f"{owner_id}#{job_id}"
    elif status:
        index, key_name, key_value = BY_OWNER_STATUS, "ownerStatus", owner_status(owner_id, status)
    else:
        index, key_name, key_value = BY_OWNER, "ownerId", owner_id
    params: dict[str, Any] = {
        "TableName": settings().interviews_table,
        "IndexName": index,
        "KeyConditionExpression": f"{key_name} = :k",
        "ExpressionAttributeValues": {":k": {"S": key_value}},
        "ScanIndexForward": False,
        "Limit": limit,
    }
    return query_page(params, start_key, _interview)


def save_step(before: Interview, after: Interview) -> Interview:
    """Write a lifecycle step's result (functions/domain/lifecycle.py), only if the stored interview is
    still in the state `before` was read in; Conflict when another writer moved it first."""
    condition_values: dict[str, Any] = {":status": {"S": str(before.status)}}
    condition_names = {"#s": "status", "#r": "record"}
    condition = "#s = :status AND "
    if before.record is None:
        condition += "attribute_not_exists(#r)"
    else:
        condition += "#r.#s = :record"
        condition_values[":record"] = {"S": str(before.record.status)}
    fields: dict[str, Any] = {
        "status": str(after.status),
        "ownerStatus": owner_status(after.owner_id, after.status),
        "startedAt": after.started_at,
        "finishedAt": after.finished_at,
        "updatedAt": after.updated_at,
    }
    if after.record is not None:
        fields["record"] = _record_values(after.record)
    return _set(
        after.id,
        fields,
        condition=condition,
        condition_values=condition_values,
        condition_names=condition_names,
        failure=Conflict(f"interview {after.id} changed state concurrently; read it again"),
    )


def _set(
    interview_id: str,
    fields: dict[str, Any],
    *,
    condition: str,
    condition_values: dict[str, Any],
    failure: Exception,
    condition_names: dict[str, str] | None = None,
) -> Interview:
    """One conditional UpdateItem that SETs `fields` (None removes nothing: it stores null)."""
    names = {f"#f{i}": name for i, name in enumerate(fields)} | (condition_names or {})
    values = {f":v{i}": to_value(value) for i, value in enumerate(fields.values())} | condition_values
    with on_condition_failure(failure):
        updated = dynamodb().update_item(
            TableName=settings().interviews_table,
            Key={"id": {"S": interview_id}},
            UpdateExpression="SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(fields))),
            ConditionExpression=f"attribute_exists(id) AND {condition}",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
        )
    return _interview(updated["Attributes"])


def every_interview(owner_id: str | None = None) -> Iterator[Interview]:
    """Every interview (of one owner, when given), by a strongly consistent Scan: the owner indexes are
    eventually consistent, and an audit must not report what a lagging index has not seen yet."""
    params: dict[str, Any] = {"TableName": settings().interviews_table, "ConsistentRead": True}
    if owner_id is not None:
        params |= {"FilterExpression": "ownerId = :o", "ExpressionAttributeValues": {":o": {"S": owner_id}}}
    for item in every_item("scan", params):
        yield _interview(item)
