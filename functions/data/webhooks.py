"""Webhook endpoints (table `webhooks`) and their delivery attempts (table `webhookdeliveries`).

Each owner's partition also holds one counter item (sort key COUNT_KEY): how many endpoints the owner
has. Registrations and deletions change it in the same transaction as the endpoint, so a cap on it
holds under any concurrency. And one claim item per registered URL (sort key URL_CLAIM_PREFIX and the
URL's SHA-256), put in the registration's transaction, so that two registrations of one URL, however
they race, make one endpoint. A deletion leaves the claim (it would need a read of the URL first): a
later registration takes over a claim whose holder is gone.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from functions.data import transactions
from functions.data.aws import dynamodb, from_item, to_item
from functions.data.errors import is_conditional_failure, on_condition_failure
from functions.data.paging import query_page
from functions.data.settings import settings
from functions.data.transactions import Guarded
from functions.models.entities.page import Page
from functions.models.entities.webhooks import DeliveryAttempt, Webhook
from functions.models.errors import Conflict, NotFound, TransactionConflict

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

DELIVERY_LOG_DAYS = 30
# Claims share the attempts' table and partition; this prefix sorts after every attempt row's ISO
# time, so the delivery log (which reads keys before it) never shows them.
CLAIM_PREFIX = "~claim#"
# Every endpoint's id starts with this; the owner's counter item does not, so queries and path ids skip it.
ID_PREFIX = "wh_"
COUNT_KEY = "#count"
URL_CLAIM_PREFIX = "#url#"


class Uncounted(Exception):
    """The owner's counter item is missing (endpoints stored before it existed): count_existing, then retry."""


class StaleUrlClaim(Exception):
    """The URL's claim names an endpoint that was deleted since: register again, taking the claim over."""

    def __init__(self, holder: str) -> None:
        super().__init__(f"the URL's claim names {holder or 'nothing'}, which no longer exists")
        self.holder = holder


def _not_found() -> NotFound:
    return NotFound("Webhook not found")


def _key(owner_id: str, webhook_id: str) -> dict[str, Any]:
    return {"ownerId": {"S": owner_id}, "webhookId": {"S": webhook_id}}


def _webhook(item: dict[str, Any]) -> Webhook:
    values = from_item(item)
    return Webhook(
        id=values["webhookId"],
        owner_id=values["ownerId"],
        url=values["url"],
        events=list(values["events"]),
        enabled=bool(values["enabled"]),
        secret=values["secret"],
        created_at=values["createdAt"],
        previous_secret=values.get("previousSecret"),
        previous_secret_until=values.get("previousSecretUntil"),
        failing_since=values.get("failingSince"),
        disabled_reason=values.get("disabledReason"),
    )


def _put_item(webhook: Webhook) -> TransactWriteItemTypeDef:
    values = {
        "ownerId": webhook.owner_id,
        "webhookId": webhook.id,
        "url": webhook.url,
        "events": webhook.events,
        "enabled": webhook.enabled,
        "secret": webhook.secret,
        "createdAt": webhook.created_at,
    }
    return {
        "Put": {
            "TableName": settings().webhooks_table,
            "Item": to_item(values),
            "ConditionExpression": "attribute_not_exists(webhookId)",
        }
    }


def _count_change(owner_id: str, change: int, condition: str, values: dict[str, Any]) -> TransactWriteItemTypeDef:
    return {
        "Update": {
            "TableName": settings().webhooks_table,
            "Key": _key(owner_id, COUNT_KEY),
            "UpdateExpression": "ADD webhooks :change",
            "ConditionExpression": condition,
            "ExpressionAttributeValues": to_item({":change": change} | values),
        }
    }


def _counted(owner_id: str) -> int | None:
    found = dynamodb().get_item(TableName=settings().webhooks_table, Key=_key(owner_id, COUNT_KEY), ConsistentRead=True)
    return int(found["Item"]["webhooks"]["N"]) if "Item" in found else None


def _url_claim_key(url: str) -> str:
    return URL_CLAIM_PREFIX + hashlib.sha256(url.encode()).hexdigest()


def url_holder(owner_id: str, url: str) -> str | None:
    """The endpoint that claimed the URL, if any (it may have been deleted since)."""
    found = dynamodb().get_item(
        TableName=settings().webhooks_table, Key=_key(owner_id, _url_claim_key(url)), ConsistentRead=True
    )
    return found["Item"]["holder"]["S"] if "Item" in found else None


def _claim_url(webhook: Webhook, stale_holder: str | None) -> TransactWriteItemTypeDef:
    condition, values = "attribute_not_exists(holder)", {}
    if stale_holder is not None:
        condition, values = f"{condition} OR holder = :stale", {":stale": {"S": stale_holder}}
    put: dict[str, Any] = {
        "TableName": settings().webhooks_table,
        "Item": _key(webhook.owner_id, _url_claim_key(webhook.url)) | {"holder": {"S": webhook.id}},
        "ConditionExpression": condition,
    }
    if values:
        put["ExpressionAttributeValues"] = values
    return {"Put": put}  # type: ignore[typeddict-item]


def put_counted(
    webhook: Webhook,
    limit: int,
    full: Exception,
    duplicate: Callable[[str], Exception],
    stale_holder: str | None = None,
) -> None:
    """Store a new endpoint, claim its URL and count it, in one transaction that fails when the owner has
    `limit` already or another endpoint of theirs has the URL.

    Raises duplicate(holder) for a URL taken, StaleUrlClaim for a claim whose holder is gone (pass it as
    `stale_holder` to take it over), `full` at the limit, Uncounted when the counter is missing,
    TransactionConflict (retry).
    """

    def refused() -> Exception:
        # Read only once the condition failed: is the counter at the limit, or missing? Or was it missing
        # and made since by a racing registration (count_existing): then this one is only retried.
        count = _counted(webhook.owner_id)
        if count is None:
            return Uncounted()
        return full if count >= limit else TransactionConflict()

    def url_taken() -> Exception:
        holder = url_holder(webhook.owner_id, webhook.url)
        if holder is not None and get(webhook.owner_id, holder) is not None:
            return duplicate(holder)
        return StaleUrlClaim(holder or "")

    at_most = "attribute_exists(webhooks) AND webhooks < :limit"
    transactions.write(
        [
            # First: a duplicate is what to say even to an owner at the limit.
            Guarded(_claim_url(webhook, stale_holder), url_taken),
            Guarded(_count_change(webhook.owner_id, 1, at_most, {":limit": limit}), refused),
            Guarded(_put_item(webhook)),
        ]
    )


def count_existing(owner_id: str) -> None:
    """Create the owner's missing counter from the endpoints stored (a no-op if it exists by now).

    Safe against racing writes: while the counter is missing no counted write succeeds, so the count
    cannot move between the Query and the conditional put.
    """
    found = dynamodb().query(
        TableName=settings().webhooks_table,
        KeyConditionExpression="ownerId = :o AND begins_with(webhookId, :id)",
        ExpressionAttributeValues={":o": {"S": owner_id}, ":id": {"S": ID_PREFIX}},
        Select="COUNT",
        ConsistentRead=True,
    )
    try:
        dynamodb().put_item(
            TableName=settings().webhooks_table,
            Item=_key(owner_id, COUNT_KEY) | {"webhooks": {"N": str(int(found["Count"]))}},
            ConditionExpression="attribute_not_exists(webhookId)",
        )
    except ClientError as exc:
        if not is_conditional_failure(exc):
            raise


def get(owner_id: str, webhook_id: str) -> Webhook | None:
    if not webhook_id.startswith(ID_PREFIX):
        return None  # the counter item, or no endpoint at all
    found = dynamodb().get_item(
        TableName=settings().webhooks_table, Key=_key(owner_id, webhook_id), ConsistentRead=True
    )
    return _webhook(found["Item"]) if "Item" in found else None


def query(owner_id: str, limit: int | None, start_key: dict[str, Any] | None) -> Page[Webhook]:
    """The owner's endpoints in id order; `limit=None` reads them all (the fan-out)."""
    params: dict[str, Any] = {
        "TableName": settings().webhooks_table,
        "KeyConditionExpression": "ownerId = :o AND begins_with(webhookId, :id)",
        "ExpressionAttributeValues": {":o": {"S": owner_id}, ":id": {"S": ID_PREFIX}},
    }
    if limit is not None:
        params["Limit"] = limit
    return query_page(params, start_key, _webhook)


def delete_counted(owner_id: str, webhook_id: str) -> None:
    """Delete the endpoint and give its slot back, in one transaction.

    Raises NotFound, Uncounted when the counter is missing, TransactionConflict (retry).
    """
    if not webhook_id.startswith(ID_PREFIX):
        raise _not_found()  # never the counter item
    gone: TransactWriteItemTypeDef = {
        "Delete": {
            "TableName": settings().webhooks_table,
            "Key": _key(owner_id, webhook_id),
            "ConditionExpression": "attribute_exists(webhookId)",
        }
    }
    transactions.write(
        [
            Guarded(gone, _not_found),
            Guarded(_count_change(owner_id, -1, "attribute_exists(webhooks)", {}), Uncounted),
        ]
    )


def _update(owner_id: str, webhook_id: str, expression: str, values: dict[str, Any]) -> Webhook:
    with on_condition_failure(_not_found()):
        updated = dynamodb().update_item(
            TableName=settings().webhooks_table,
            Key=_key(owner_id, webhook_id),
            UpdateExpression=expression,
            ConditionExpression="attribute_exists(webhookId)",
            ExpressionAttributeValues=to_item(values),
            ReturnValues="ALL_NEW",
        )
    return _webhook(updated["Attributes"])


def rotate_secret(webhook: Webhook, new_secret: str, now: int, old_until: int) -> Webhook:
    """The new secret becomes current; the current one stays valid (signed with too) until `old_until`.

    Conditioned on the secret read and on no previous secret still valid at `now`: of two concurrent
    rotations one fails rather than both claiming the same previous secret or ending its grace early.
    """
    with on_condition_failure(Conflict("The secret was rotated concurrently; read the webhook again")):
        updated = dynamodb().update_item(
            TableName=settings().webhooks_table,
            Key=_key(webhook.owner_id, webhook.id),
            UpdateExpression="SET previousSecret = :old, secret = :new, previousSecretUntil = :until",
            ConditionExpression="secret = :old AND (attribute_not_exists(previousSecretUntil) "
            "OR previousSecretUntil <= :now)",
            ExpressionAttributeValues=to_item(
                {":old": webhook.secret, ":new": new_secret, ":until": old_until, ":now": now}
            ),
            ReturnValues="ALL_NEW",
        )
    return _webhook(updated["Attributes"])


def mark_failing(owner_id: str, webhook_id: str, since: float) -> None:
    """Remember when the endpoint started failing (the first failure since its last success)."""
    dynamodb().update_item(
        TableName=settings().webhooks_table,
        Key=_key(owner_id, webhook_id),
        UpdateExpression="SET failingSince = if_not_exists(failingSince, :t)",
        ConditionExpression="attribute_exists(webhookId)",
        ExpressionAttributeValues={":t": {"N": str(int(since))}},
    )


def mark_healthy(owner_id: str, webhook_id: str) -> None:
    dynamodb().update_item(
        TableName=settings().webhooks_table,
        Key=_key(owner_id, webhook_id),
        UpdateExpression="REMOVE failingSince",
        ConditionExpression="attribute_exists(webhookId)",
    )


def disable(owner_id: str, webhook_id: str, reason: str) -> None:
    _update(owner_id, webhook_id, "SET enabled = :f, disabledReason = :r", {":f": False, ":r": reason})


# --- delivery attempts ---


def _attempt_key(attempt: DeliveryAttempt) -> str:
    # Newest first with ScanIndexForward=False; the id breaks ties within a millisecond.
    return f"{attempt.created_at}#{attempt.id}"


def record_attempt(attempt: DeliveryAttempt) -> None:
    values = {
        "webhookId": attempt.webhook_id,
        "attemptKey": _attempt_key(attempt),
        "id": attempt.id,
        "messageId": attempt.message_id,
        "eventId": attempt.event_id,
        "type": attempt.type,
        "attempt": attempt.attempt,
        "status": attempt.status,
        "responseStatus": attempt.response_status,
        "durationMs": attempt.duration_ms,
        "error": attempt.error,
        "createdAt": attempt.created_at,
        "nextAttemptAt": attempt.next_attempt_at,
        "expiresAt": int(time.time()) + DELIVERY_LOG_DAYS * 86400,
    }
    dynamodb().put_item(TableName=settings().webhook_deliveries_table, Item=to_item(values))


def _claim_item(webhook_id: str, message_id: str, attempt: int, state: str, until: float) -> dict[str, Any]:
    return to_item(
        {
            "webhookId": webhook_id,
            "attemptKey": f"{CLAIM_PREFIX}{message_id}#{attempt}",
            "state": state,
            "leaseUntil": int(until),
            "expiresAt": int(time.time()) + DELIVERY_LOG_DAYS * 86400,
        }
    )


def claim_attempt(webhook_id: str, message_id: str, attempt: int, now: float, lease_seconds: float) -> bool:
    """Claim attempt `attempt` of a message before sending it; False if it is claimed already.

    A claim that is still `claimed` after its lease (the run that took it died before finishing) may be
    taken over; a `done` one never: that attempt was sent, logged and followed up.
    """
    try:
        dynamodb().put_item(
            TableName=settings().webhook_deliveries_table,
            Item=_claim_item(webhook_id, message_id, attempt, "claimed", now + lease_seconds),
            ConditionExpression="attribute_not_exists(attemptKey) OR (#s = :claimed AND leaseUntil < :now)",
            ExpressionAttributeNames={"#s": "state"},
            ExpressionAttributeValues={":claimed": {"S": "claimed"}, ":now": {"N": str(int(now))}},
        )
    except ClientError as exc:
        if is_conditional_failure(exc):
            return False
        raise
    return True


def finish_attempt(webhook_id: str, message_id: str, attempt: int) -> None:
    """The attempt is logged and followed up (next attempt queued, or dead-lettered): never again."""
    dynamodb().put_item(
        TableName=settings().webhook_deliveries_table,
        Item=_claim_item(webhook_id, message_id, attempt, "done", 0),
    )


def _attempt(item: dict[str, Any]) -> DeliveryAttempt:
    values = from_item(item)
    return DeliveryAttempt(
        id=values["id"],
        webhook_id=values["webhookId"],
        message_id=values["messageId"],
        event_id=values["eventId"],
        type=values["type"],
        attempt=int(values["attempt"]),
        status=values["status"],
        response_status=values.get("responseStatus"),
        duration_ms=values.get("durationMs"),
        error=values.get("error"),
        created_at=values["createdAt"],
        next_attempt_at=values.get("nextAttemptAt"),
    )


def query_attempts(webhook_id: str, limit: int, start_key: dict[str, Any] | None) -> Page[DeliveryAttempt]:
    params: dict[str, Any] = {
        "TableName": settings().webhook_deliveries_table,
        "KeyConditionExpression": "webhookId = :w AND attemptKey < :claims",
        "ExpressionAttributeValues": {":w": {"S": webhook_id}, ":claims": {"S": CLAIM_PREFIX}},
        "ScanIndexForward": False,
        "Limit": limit,
    }
    return query_page(params, start_key, _attempt)
