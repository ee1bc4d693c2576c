"""API tokens, stored only as the SHA-256 hash of the secret (table `tokens`)."""

from __future__ import annotations

import contextlib
from functools import cache
from typing import Any

from botocore.exceptions import ClientError

from functions.data.aws import dynamodb, from_item, to_item
from functions.data.errors import is_conditional_failure, on_condition_failure
from functions.data.settings import settings
from functions.models.entities.tokens import TokenUse
from functions.models.errors import NotFound

DEFAULT_RATE_LIMIT = 120
# One counter per minute of the hour, so that a token's item never grows: each request removes the
# other 59. A counter can only be stale when the last request came exactly a whole number of hours
# earlier with none between; `use` then sees the old window in `rlWindow` and resets it.
_SLOTS = 60


@cache
def _slot_update(slot: int) -> tuple[dict[str, str], str]:
    """The attribute names and the update expression for one slot: built once per slot, not per request
    (this is every request's authentication). boto3 only reads the names."""
    names = {"#now": f"rl{slot}"} | {f"#o{i}": f"rl{i}" for i in range(_SLOTS) if i != slot}
    removed = ", ".join(name for name in names if name != "#now")
    return names, f"SET #now = if_not_exists(#now, :zero) + :one, rlWindow = :w REMOVE {removed}"


def use(token_hash: str, window: int) -> TokenUse | None:
    """Count one request in `window` (minutes since the epoch) against the token, in the one UpdateItem
    that also authenticates it. None when the token is unknown or revoked (then nothing was written)."""
    slot = window % _SLOTS
    names, update = _slot_update(slot)
    try:
        # Strongly consistent by nature (a write), never cached: a revocation holds on the very next request.
        found = dynamodb().update_item(
            TableName=settings().tokens_table,
            Key={"tokenHash": {"S": token_hash}},
            UpdateExpression=update,
            # The window never moves back: a request that read the clock just before a minute ended but
            # arrives after a request of the next minute must not erase that minute's counter.
            ConditionExpression="attribute_exists(tokenHash) AND attribute_not_exists(revokedAt) "
            "AND (attribute_not_exists(rlWindow) OR rlWindow <= :w)",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues={":zero": {"N": "0"}, ":one": {"N": "1"}, ":w": {"N": str(window)}},
            ReturnValues="ALL_OLD",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except ClientError as exc:
        if not is_conditional_failure(exc):
            raise
        current = from_item(exc.response.get("Item") or {})  # type: ignore[arg-type]  # "Item" is in the error response on a failed condition
        later = current.get("rlWindow")
        if current and "revokedAt" not in current and isinstance(later, int) and later > window:
            return use(token_hash, later)  # late by a few milliseconds: counted in the newer minute
        return None  # unknown or revoked
    before = from_item(found["Attributes"])
    counted = int(before.get(f"rl{slot}", 0))
    if before.get("rlWindow") != window and counted:
        # This slot last counted a window an exact number of hours ago: take that count back out.
        _forget_stale(token_hash, slot, window, counted)
        counted = 0
    return TokenUse(
        user_id=before["userId"], rate_limit=int(before.get("rateLimit", DEFAULT_RATE_LIMIT)), used=counted + 1
    )


def _forget_stale(token_hash: str, slot: int, window: int, stale: int) -> None:
    with contextlib.suppress(ClientError):  # best effort: at worst this window over-counts
        dynamodb().update_item(
            TableName=settings().tokens_table,
            Key={"tokenHash": {"S": token_hash}},
            UpdateExpression="SET #now = #now - :stale",
            ConditionExpression="rlWindow = :w",
            ExpressionAttributeNames={"#now": f"rl{slot}"},
            ExpressionAttributeValues={":stale": {"N": str(stale)}, ":w": {"N": str(window)}},
        )


def put_token(token_hash: str, token_id: str, user_id: str, created_at: str, rate_limit: int) -> None:
    dynamodb().put_item(
        TableName=settings().tokens_table,
        Item=to_item(
            {
                "tokenHash": token_hash,
                "tokenId": token_id,
                "userId": user_id,
                "createdAt": created_at,
                "rateLimit": rate_limit,
            }
        ),
        ConditionExpression="attribute_not_exists(tokenHash)",
    )


def _hash_of(token_id: str) -> dict[str, Any]:
    found = dynamodb().query(
        TableName=settings().tokens_table,
        IndexName="byTokenId",
        KeyConditionExpression="tokenId = :id",
        ExpressionAttributeValues={":id": {"S": token_id}},
    )
    if not found["Items"]:
        raise NotFound(f"token {token_id} does not exist")
    return dict(found["Items"][0]["tokenHash"])


def _update_by_id(token_id: str, expression: str, values: dict[str, Any]) -> None:
    """An UpdateItem on the token with this public id (the operator's handle; the key is its hash)."""
    with on_condition_failure(NotFound(f"token {token_id} does not exist")):
        dynamodb().update_item(
            TableName=settings().tokens_table,
            Key={"tokenHash": _hash_of(token_id)},
            UpdateExpression=expression,
            ConditionExpression="attribute_exists(tokenHash)",
            ExpressionAttributeValues=values,
        )


def set_rate_limit(token_id: str, rate_limit: int) -> None:
    _update_by_id(token_id, "SET rateLimit = :n", {":n": {"N": str(rate_limit)}})


def revoke(token_id: str, revoked_at: str) -> None:
    _update_by_id(token_id, "SET revokedAt = if_not_exists(revokedAt, :at)", {":at": {"S": revoked_at}})
