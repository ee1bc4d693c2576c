"""The webhook fan-out: invoked by the interviews table's stream (not an HTTP route).

Each change becomes its events, recorded for GET /v1/events, and each event one queued delivery per
subscribed endpoint of the interview's owner. A failure reports the first record not recorded or
queued (ReportBatchItemFailures): Lambda retries from it, and after its retries keeps it in the
on-failure queue. The events' ids, which are the deliveries' webhook-ids, are derived from the stream
records, so a repeated fan-out rewrites the same events and sends the same ids (and the delivery's
claim skips what was sent already).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.data.interviews import from_image
from functions.domain import clock
from functions.domain.webhook_delivery import fan_out
from functions.domain.webhook_events import Change
from functions.runtime.init_collector import resumes_after_first_invocation
from functions.runtime.observability import logger


def _change(record: dict[str, Any]) -> Change:
    stream = record.get("dynamodb") or {}
    old, new = stream.get("OldImage"), stream.get("NewImage")
    created = stream.get("ApproximateCreationDateTime")
    at = clock.iso(datetime.fromtimestamp(float(created), tz=UTC)) if created else clock.now()
    return Change(
        change_id=str(record["eventID"]),
        kind=str(record["eventName"]),
        old=from_image(old) if old else None,
        new=from_image(new) if new else None,
        at=at,
    )


@resumes_after_first_invocation
@logger.inject_lambda_context(clear_state=True, log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = event.get("Records") or []
    result = fan_out([_change(record) for record in records])
    logger.info("webhook fan-out", changes=len(records), deliveries=result.queued)
    if result.oversized:
        logger.error(
            "webhook events over the item size, or deliveries over the queue's message size, were dropped",
            dropped=result.oversized,
        )
    if result.failed_at is None:
        return {"batchItemFailures": []}
    logger.error(
        "webhook fan-out stopped; retried from the first change not queued",
        at=result.failed_at,
        error=type(result.error).__name__,
    )
    return {"batchItemFailures": [{"itemIdentifier": records[result.failed_at]["dynamodb"]["SequenceNumber"]}]}
