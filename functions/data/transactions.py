"""One TransactWriteItems whose items each say what a failed condition on them means to the domain."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from functions.data.aws import dynamodb
from functions.data.errors import cancellation_codes, is_transaction_cancelled, is_transaction_conflict
from functions.models.errors import TransactionConflict

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef


@dataclass(frozen=True)
class Guarded:
    """A transaction item and the domain error its failed condition stands for (None: a bug, re-raised).

    `failure` is called only when the condition failed, so it may read (e.g. the id that holds an externalId).
    """

    item: TransactWriteItemTypeDef
    failure: Callable[[], Exception] | None = None


def write(items: Sequence[Guarded], token: str | None = None) -> None:
    """All items or none. Raises the first failed item's error in request order, or TransactionConflict (retry)."""
    try:
        if token:
            dynamodb().transact_write_items(TransactItems=[guarded.item for guarded in items], ClientRequestToken=token)
        else:
            dynamodb().transact_write_items(TransactItems=[guarded.item for guarded in items])
    except ClientError as exc:
        if is_transaction_conflict(exc):
            raise TransactionConflict() from exc
        if not is_transaction_cancelled(exc):
            raise
        for guarded, code in zip(items, cancellation_codes(exc), strict=False):
            if code == "ConditionalCheckFailed" and guarded.failure is not None:
                raise guarded.failure() from exc
        raise
