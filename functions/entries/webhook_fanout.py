"""The webhook fan-out: invoked by the interviews table's stream (not an HTTP route).

Each change becomes its events, and each event one queued delivery per subscribed endpoint of the
interview's owner. A failure raises, and Lambda retries the batch (bisecting it): the deliveries'
webhook-ids are derived from the stream records, so a repeated fan-out sends the same ids.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.data.interviews import from_image
from functions.domain import clock
from functions.domain.webhook_delivery import fan_out
from functions.domain.webhook_events import Change
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


@logger.inject_lambda_context(clear_state=True, log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    changes = [_change(record) for record in event.get("Records") or []]
    queued = fan_out(changes)
    logger.info("webhook fan-out", changes=len(changes), deliveries=queued)
    return {"deliveries": queued}
