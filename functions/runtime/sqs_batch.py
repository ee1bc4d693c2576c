"""An SQS event source's batch, one message at a time, with partial failures reported back.

Written here rather than with Powertools' BatchProcessor: our handlers need only this loop, and the
batch utility's import (its processors, data classes and their models) would add to the processors'
cold start for nothing they use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from functions.runtime.observability import logger


def each_message(event: dict[str, Any], one: Callable[[str], None], failed: str) -> dict[str, Any]:
    """Run `one` on each message's body; a message it raises on is logged with `failed` and reported
    in batchItemFailures, so SQS gives only that one again (the function's event source reports them)."""
    failures = []
    for message in event.get("Records") or []:
        try:
            one(message["body"])
        except Exception:
            logger.exception(failed, message_id=message.get("messageId"))
            failures.append({"itemIdentifier": message["messageId"]})
    return {"batchItemFailures": failures}
