"""Translate SDK failures into what the domain understands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import ClientError


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def cancellation_codes(exc: ClientError) -> list[str]:
    """Per-item reasons of a cancelled TransactWriteItems, in request order ("None" for items that passed)."""
    reasons = exc.response.get("CancellationReasons") or []
    return [str(reason.get("Code", "None")) for reason in reasons]


def is_conditional_failure(exc: ClientError) -> bool:
    return error_code(exc) == "ConditionalCheckFailedException"


def is_transaction_cancelled(exc: ClientError) -> bool:
    return error_code(exc) == "TransactionCanceledException"


def is_transaction_conflict(exc: ClientError) -> bool:
    """A transaction cancelled because another one was changing one of its items (never a condition failure)."""
    return is_transaction_cancelled(exc) and "TransactionConflict" in cancellation_codes(exc)


@contextmanager
def on_condition_failure(failure: Exception) -> Iterator[None]:
    """Raise `failure`, the domain's reading of it, when the write's ConditionExpression did not hold."""
    try:
        yield
    except ClientError as exc:
        if is_conditional_failure(exc):
            raise failure from exc
        raise
