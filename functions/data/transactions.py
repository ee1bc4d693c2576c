"""One TransactWriteItems whose items each say what a failed condition on them means to the domain.

The data layer builds the items and their conditions; the domain says what a failed condition means
(the `failure` of each Guarded), except for `stale`: a write conditioned on the state it was decided
from, which only ever means "read it again".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from functions.data.aws import dynamodb
from functions.data.errors import (
    cancellation_codes,
    is_conditional_failure,
    is_transaction_cancelled,
    is_transaction_conflict,
)
from functions.models.errors import Stale, TransactionConflict
from functions.records import record

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef


@record
class Guarded:
    """A transaction item and the domain error its failed condition stands for (None: a bug, re-raised).

    `failure` is called only when the condition failed, so it may read (e.g. the id that holds an externalId).
    """

    item: TransactWriteItemTypeDef
    failure: Callable[[], Exception] | None = None


def stale() -> Exception:
    """The failure of an item conditioned on what was read: it changed since, so the domain reads it again."""
    return Stale()


def write(items: Sequence[Guarded], token: str | None = None) -> None:
    """All items or none. Raises the first failed item's error in request order, or TransactionConflict (retry).

    One item is written with its own single-item call: the same condition, at half the write capacity
    a transaction takes, and the call the route's role already grants.
    """
    if len(items) == 1 and token is None:
        _write_one(items[0])
        return
    transact = [guarded.item for guarded in items]
    try:
        if token:
            dynamodb().transact_write_items(TransactItems=transact, ClientRequestToken=_request_token(token, transact))
        else:
            dynamodb().transact_write_items(TransactItems=transact)
    except ClientError as exc:
        if is_transaction_conflict(exc):
            raise TransactionConflict() from exc
        if not is_transaction_cancelled(exc):
            raise
        for guarded, code in zip(items, cancellation_codes(exc), strict=False):
            if code == "ConditionalCheckFailed" and guarded.failure is not None:
                raise guarded.failure() from exc
        raise


def _request_token(token: str, transact: Sequence[TransactWriteItemTypeDef]) -> str:
    """The caller's token bound to these very items: a retry of them (the SDK's, or after a conflict)
    sends the same token, so a commit whose answer was lost is answered as the success it was; items
    decided again from a fresh read get another one, since DynamoDB refuses a token reused with other
    items within 10 minutes (IdempotentParameterMismatchException). 36 characters: the API's limit."""
    content = json.dumps(transact, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{token}\n{content}".encode()).hexdigest()[:36]


def _write_one(guarded: Guarded) -> None:
    item = guarded.item
    try:
        if "Delete" in item:
            dynamodb().delete_item(**item["Delete"])
        elif "Update" in item:
            dynamodb().update_item(**item["Update"])
        elif "Put" in item:
            dynamodb().put_item(**item["Put"])
        else:  # a ConditionCheck alone writes nothing: no call to make it for
            raise ValueError(f"no single-item call for {sorted(item)}")
    except ClientError as exc:
        if is_conditional_failure(exc) and guarded.failure is not None:
            raise guarded.failure() from exc
        raise
