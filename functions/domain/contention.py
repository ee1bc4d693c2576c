"""Retrying transactions that DynamoDB cancelled for a TransactionConflict.

DynamoDB cancels a transaction that meets another one on the same item (an ATS creating a batch
of interviews in parallel debits one balance from every request). Nothing was written, so the
transaction is safe to run again. Retries back off exponentially with full jitter (AWS
Architecture Blog, "Exponential Backoff And Jitter") and stop within a budget that leaves the
function's 10 s timeout room for its other calls, such as saving the idempotency record.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from functions.models.errors import ConcurrentUpdate, Stale, TransactionConflict

RETRY_BUDGET_SECONDS = 3.0
_FIRST_DELAY_SECONDS = 0.01
_MAX_DELAY_SECONDS = 0.2
# Drawn from the OS at each call, not from `random`'s state: under Lambda SnapStart every restored
# environment would share that state and retry in lockstep, which is what jitter is there to avoid.
_JITTER = random.SystemRandom()
_GAVE_UP = "Too many concurrent changes to this account's credit balance; nothing was changed, retry in a moment"


def retry_on_conflict[T](
    operation: Callable[[], T], budget_seconds: float = RETRY_BUDGET_SECONDS, gave_up: str = _GAVE_UP
) -> T:
    """`operation()`, run again after each TransactionConflict until it passes or the budget is spent
    (then ConcurrentUpdate with the `gave_up` message).

    A first Stale (the item changed since it was read) is retried at once: the retry reads it again,
    and nothing says another writer is still at work. Any further one backs off like a conflict.
    """
    deadline = time.monotonic() + budget_seconds
    attempt = 0
    while True:
        try:
            return operation()
        except TransactionConflict as exc:
            if attempt == 0 and isinstance(exc, Stale):
                attempt += 1
                continue
            delay = _JITTER.uniform(0, min(_MAX_DELAY_SECONDS, _FIRST_DELAY_SECONDS * 2**attempt))
            if time.monotonic() + delay > deadline:
                raise ConcurrentUpdate(gave_up) from exc
            time.sleep(delay)
            attempt += 1
