"""Failed authentications per source address and minute (table `ratelimits`, expired by TTL); the
room's failed pins, in the same table, are data/pin_failures.py's."""

from __future__ import annotations

from functions.data.aws import dynamodb
from functions.data.settings import settings

KEEP_SECONDS = 120  # the window, plus room for clocks; DynamoDB's TTL deletes the item after


def count_failure(source_ip: str, window: int, window_seconds: int) -> int:
    """Count one failed authentication from `source_ip` in `window`; the failures so far in it."""
    updated = dynamodb().update_item(
        TableName=settings().ratelimits_table,
        Key={"id": {"S": f"authfail#{source_ip}#{window}"}},
        UpdateExpression="ADD failures :one SET expiresAt = :expires",
        ExpressionAttributeValues={
            ":one": {"N": "1"},
            ":expires": {"N": str((window + 1) * window_seconds + KEEP_SECONDS)},
        },
        ReturnValues="UPDATED_NEW",
    )
    return int(updated["Attributes"]["failures"]["N"])
