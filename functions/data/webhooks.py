"""Webhook endpoints (table `webhooks`) and their delivery attempts (table `webhookdeliveries`)."""

from __future__ import annotations

import time
from typing import Any

from botocore.exceptions import ClientError

from functions.data.aws import dynamodb, from_item, to_item
from functions.data.errors import is_conditional_failure, on_condition_failure
from functions.data.paging import query_page
from functions.data.settings import settings
from functions.models.entities import DeliveryAttempt, Page, Webhook
from functions.models.errors import Conflict, NotFound

DELIVERY_LOG_DAYS = 30
# Claims share the attempts' table and partition; this prefix sorts after every attempt row's ISO
# time, so the delivery log (which reads keys before it) never shows them.
CLAIM_PREFIX = "~claim#"


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


def put(webhook: Webhook) -> None:
    values = {
        "ownerId": webhook.owner_id,
        "webhookId": webhook.id,
        "url": webhook.url,
        "events": webhook.events,
        "enabled": webhook.enabled,
        "secret": webhook.secret,
        "createdAt": webhook.created_at,
    }
    dynamodb().put_item(
        TableName=settings().webhooks_table,
        Item=to_item(values),
        ConditionExpression="attribute_not_exists(webhookId)",
    )


def count(owner_id: str) -> int:
    found = dynamodb().query(
        TableName=settings().webhooks_table,
        KeyConditionExpression="ownerId = :o",
        ExpressionAttributeValues={":o": {"S": owner_id}},
        Select="COUNT",
    )
    return int(found["Count"])


def get(owner_id: str, webhook_id: str) -> Webhook | None:
    found = dynamodb().get_item(
        TableName=settings().webhooks_table, Key=_key(owner_id, webhook_id), ConsistentRead=True
    )
    return _webhook(found["Item"]) if "Item" in found else None


def query(owner_id: str, limit: int | None, start_key: dict[str, Any] | None) -> Page[Webhook]:
    """The owner's endpoints in id order; `limit=None` reads them all (the fan-out)."""
    params: dict[str, Any] = {
        "TableName": settings().webhooks_table,
        "KeyConditionExpression": "ownerId = :o",
        "ExpressionAttributeValues": {":o": {"S": owner_id}},
    }
    if limit is not None:
        params["Limit"] = limit
    return query_page(params, start_key, _webhook)


def delete(owner_id: str, webhook_id: str) -> None:
    with on_condition_failure(_not_found()):
        dynamodb().delete_item(
            TableName=settings().webhooks_table,
            Key=_key(owner_id, webhook_id),
            ConditionExpression="attribute_exists(webhookId)",
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
