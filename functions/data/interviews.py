"""Interviews (table `interviews`), with the atomic debit on create and refund on delete.

Items are keyed by id (the room and the post-processing pipeline address an interview by id
alone); two indexes serve the owner's list, with and without a status filter.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from functions.data import plans, transactions, users
from functions.data.aws import dynamodb, from_item, to_item, to_value
from functions.data.errors import (
    cancellation_codes,
    is_transaction_cancelled,
    is_transaction_conflict,
    on_condition_failure,
)
from functions.data.expressions import set_or_remove
from functions.data.paging import query_page
from functions.data.settings import settings
from functions.data.transactions import Guarded
from functions.models.entities import Interview, InterviewChanges, InterviewStatus, Page, Record, RecordStatus
from functions.models.errors import Conflict, InsufficientBalance, NotFound, TransactionConflict, ValidationFailed

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

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


def metadata_text(metadata: dict[str, Any] | None) -> str | None:
    # Kept as JSON text: returned as given, floats included, and never queried.
    return None if metadata is None else json.dumps(metadata, ensure_ascii=False, separators=(",", ":"))


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


def create_with_debit(interview: Interview, linked: Sequence[Guarded] = ()) -> None:
    """Put the interview and debit one credit in one transaction, if the plan is the owner's.

    `linked`: the candidate and job writes that go with it (functions/data/talent.py), in the same
    transaction. Raises ValidationFailed (plan), InsufficientBalance, the failure of a linked item,
    TransactionConflict (retry).
    """
    transactions.write(
        [
            _owned_plan(interview),
            Guarded(
                users.debit_item(interview.owner_id),
                lambda: InsufficientBalance("Not enough interview credits to schedule a new interview"),
            ),
            Guarded(_new_interview(interview)),
            *linked,
        ],
        # If the SDK retries a commit whose answer was lost, DynamoDB answers the retry as a
        # success instead of failing it on the now-existing id: one debit, and a 201, not a 500.
        token=interview.id,
    )


def _owned_plan(interview: Interview) -> Guarded:
    return Guarded(
        plans.owned_plan_check(interview.owner_id, interview.plan_id), lambda: _plan_not_owned(interview.plan_id)
    )


def _new_interview(interview: Interview) -> TransactWriteItemTypeDef:
    return {
        "Put": {
            "TableName": settings().interviews_table,
            "Item": to_item(_to_values(interview)),
            "ConditionExpression": "attribute_not_exists(id)",
        }
    }


def put_uncharged(interview: Interview, linked: Sequence[Guarded] = ()) -> None:
    """Put an interview that debits nothing (test interviews), if the plan is the owner's."""
    transactions.write([_owned_plan(interview), Guarded(_new_interview(interview)), *linked])


def _plan_not_owned(plan_id: str) -> ValidationFailed:
    return ValidationFailed(f'Field "planId": plan {plan_id} does not exist or is not yours')


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


def delete_with_refund(interview_id: str, owner_id: str) -> bool:
    """Delete a PENDING, charged interview and refund its credit, in one transaction.

    Returns False when the interview does not qualify for a refund (then nothing was written);
    raises TransactionConflict when another transaction held the interview or the balance.
    """
    try:
        dynamodb().transact_write_items(
            TransactItems=[
                {
                    "Delete": {
                        "TableName": settings().interviews_table,
                        "Key": {"id": {"S": interview_id}},
                        # An interview with a candidate or job also gives their references back:
                        # delete_linked, after a read.
                        "ConditionExpression": "ownerId = :owner AND #s = :pending AND charged = :true"
                        " AND attribute_not_exists(candidateId) AND attribute_not_exists(jobId)",
                        "ExpressionAttributeNames": {"#s": "status"},
                        "ExpressionAttributeValues": {
                            ":owner": {"S": owner_id},
                            ":pending": {"S": InterviewStatus.PENDING.value},
                            ":true": {"BOOL": True},
                        },
                    }
                },
                users.refund_item(owner_id),
            ]
        )
    except ClientError as exc:
        if is_transaction_conflict(exc):
            raise TransactionConflict() from exc
        if is_transaction_cancelled(exc) and cancellation_codes(exc)[:1] == ["ConditionalCheckFailed"]:
            return False
        raise
    return True


def _links_as_read(interview: Interview) -> tuple[str, dict[str, Any], dict[str, str]]:
    """A condition that holds while the interview is the owner's and has the candidate and job it was read with."""
    condition = "ownerId = :owner"
    values: dict[str, Any] = {":owner": {"S": interview.owner_id}}
    names: dict[str, str] = {}
    for attribute, value in (("candidateId", interview.candidate_id), ("jobId", interview.job_id)):
        if value is None:
            condition += f" AND attribute_not_exists({attribute})"
        else:
            condition += f" AND {attribute} = :{attribute}"
            values[f":{attribute}"] = {"S": value}
    return condition, values, names


def _stale() -> Exception:
    # Changed or deleted since it was read: the domain reads it again (functions/domain/contention.py).
    return TransactionConflict()


def delete_linked(interview: Interview, *, refund: bool, linked: Sequence[Guarded]) -> None:
    """Delete an interview as read, with the writes that give its candidate's and job's references back.

    With `refund`, only while still PENDING and charged, and one credit back. TransactionConflict
    when it changed since it was read.
    """
    condition, values, names = _links_as_read(interview)
    if refund:
        condition += " AND #s = :pending AND charged = :true"
        values |= {":pending": {"S": InterviewStatus.PENDING.value}, ":true": {"BOOL": True}}
        names["#s"] = "status"
    delete: TransactWriteItemTypeDef = {
        "Delete": {
            "TableName": settings().interviews_table,
            "Key": {"id": {"S": interview.id}},
            "ConditionExpression": condition,
            "ExpressionAttributeValues": values,
        }
    }
    if names:
        delete["Delete"]["ExpressionAttributeNames"] = names
    refund_items = [Guarded(users.refund_item(interview.owner_id))] if refund else []
    transactions.write([Guarded(delete, _stale), *refund_items, *linked])


def update_linked(
    before: Interview,
    changes: InterviewChanges,
    candidate_id: str | None,
    job_id: str | None,
    updated_at: str,
    linked: Sequence[Guarded],
) -> None:
    """PATCH that sets the candidate or job: the interview's fields and the references move in one transaction.

    Only while the interview is PENDING and has the links it was read with (else TransactionConflict).
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
    # delete_with_refund tells "no links" by attribute_not_exists (a cleared metadata reads back the same).
    update, set_names, set_values = set_or_remove(fields)
    condition, values, names = _links_as_read(before)
    condition += " AND #s = :pending"
    values |= {":pending": {"S": InterviewStatus.PENDING.value}} | set_values
    names |= {"#s": "status"} | set_names
    item: TransactWriteItemTypeDef = {
        "Update": {
            "TableName": settings().interviews_table,
            "Key": {"id": {"S": before.id}},
            "UpdateExpression": update,
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
    }
    transactions.write([Guarded(item, _stale), *linked])


def get_owned(interview_id: str, owner_id: str) -> Interview | None:
    """The interview if it exists and is the owner's, else None (the two are never told apart)."""
    found = get(interview_id)
    return found if found is not None and found.owner_id == owner_id else None


def delete(interview_id: str, owner_id: str) -> None:
    with on_condition_failure(NotFound("Interview not found")):
        dynamodb().delete_item(
            TableName=settings().interviews_table,
            Key={"id": {"S": interview_id}},
            ConditionExpression="ownerId = :owner",
            ExpressionAttributeValues={":owner": {"S": owner_id}},
        )


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
