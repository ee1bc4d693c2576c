"""The webhook delivery: invoked by the delivery queue (not an HTTP route), one signed POST per message.

Partial batch responses (Powertools' BatchProcessor): a message reported as failed stays on the
queue. That is only a retry that arrived before its time (hidden again until then) or an unexpected
error; a receiver's failure is not one, it is re-queued as the next attempt with its own delay.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.domain.webhook_delivery import deliver
from functions.domain.webhook_messages import Delivery
from functions.runtime.init_collector import resumes_after_first_invocation
from functions.runtime.observability import logger

# A batch of retries that are all early is no error: they were hidden again on purpose.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def _one(record: SQSRecord) -> None:
    deliver(Delivery.from_json(record.body), record.receipt_handle)


@resumes_after_first_invocation
@logger.inject_lambda_context(clear_state=True, log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return dict(process_partial_response(event=event, record_handler=_one, processor=processor, context=context))
