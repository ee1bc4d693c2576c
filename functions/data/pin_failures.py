"""Failed room pins per interview (table `ratelimits`, expired by TTL); only the room imports this."""

from __future__ import annotations

from botocore.exceptions import ClientError

from functions.data.aws import dynamodb, from_item
from functions.data.errors import is_conditional_failure
from functions.data.ratelimits import KEEP_SECONDS
from functions.data.settings import settings
from functions.models.entities.room_access import PinFailures


def _pin_key(interview_id: str) -> dict[str, dict[str, str]]:
    return {"id": {"S": f"pinfail#{interview_id}"}}


def _pin_failures(item: dict[str, object] | None) -> PinFailures | None:
    values = from_item(item or {})
    if "windowStart" not in values:
        return None
    return PinFailures(int(values["failures"]), float(values["windowStart"]))


def pin_failures(interview_id: str) -> PinFailures | None:
    """The interview's failed pins as last counted (any window: the domain tells whether it is over)."""
    found = dynamodb().get_item(TableName=settings().ratelimits_table, Key=_pin_key(interview_id), ConsistentRead=True)
    return _pin_failures(found.get("Item"))  # type: ignore[arg-type]


def add_pin_failure(interview_id: str, now: float, window_seconds: int, limit: int) -> int | None:
    """Count one failed pin for the interview: its failures in the window so far, this one included, or
    None when the window already holds `limit` (nothing is counted then).

    A window opens at a failure when none is open and lasts `window_seconds`. Both writes are conditioned
    on what the decision was made from, so racing joins count exactly: an increment only inside an open
    window below the limit, a new window only where none is open (a racer that opened one first wins, and
    the loser counts in it).
    """
    table, key = settings().ratelimits_table, _pin_key(interview_id)
    opened_after = {":cutoff": {"N": repr(now - window_seconds)}}
    while True:
        try:
            updated = dynamodb().update_item(
                TableName=table,
                Key=key,
                UpdateExpression="ADD failures :one",
                ConditionExpression="windowStart > :cutoff AND failures < :limit",
                ExpressionAttributeValues={":one": {"N": "1"}, ":limit": {"N": str(limit)}, **opened_after},
                ReturnValues="UPDATED_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
            return int(updated["Attributes"]["failures"]["N"])
        except ClientError as exc:
            if not is_conditional_failure(exc):
                raise
            current = _pin_failures(exc.response.get("Item"))  # type: ignore[arg-type]
        if current is not None and current.window_start > now - window_seconds:
            return None  # an open window at the limit
        try:
            dynamodb().put_item(
                TableName=table,
                Item={
                    **key,
                    "failures": {"N": "1"},
                    "windowStart": {"N": repr(now)},
                    "expiresAt": {"N": str(int(now) + window_seconds + KEEP_SECONDS)},
                },
                ConditionExpression="attribute_not_exists(id) OR windowStart <= :cutoff",
                ExpressionAttributeValues=opened_after,
            )
            return 1
        except ClientError as exc:
            if not is_conditional_failure(exc):
                raise
