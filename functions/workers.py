"""The functions that are not HTTP routes: the webhook fan-out and delivery.

Like the route table, one entry drives the CDK stack (function, role, event source) and the infra
tests, which compare each role with exactly the actions listed here.
"""

from __future__ import annotations

from functions.records import record
from functions.routes import TableAccess


@record
class Worker:
    name: str
    description: str
    tables: tuple[TableAccess, ...]
    reads_interview_stream: bool = False  # invoked by the interviews table's stream
    receives_webhook_queue: bool = False  # invoked by the delivery queue (receive, delete, change visibility)
    sends_webhook_queue: bool = False  # sqs:SendMessage on the delivery queue
    sends_webhook_dlq: bool = False  # sqs:SendMessage on the dead-letter queue

    @property
    def handler(self) -> str:
        return f"functions.entries.{self.name}.handler"


WORKERS: tuple[Worker, ...] = (
    Worker(
        name="webhook_fanout",
        description="Quollo webhooks: interview changes to events, recorded and queued per subscribed endpoint",
        # BatchWriteItem: every event recorded for GET /v1/events, whether or not an endpoint receives it.
        tables=(TableAccess("webhooks", ("dynamodb:Query",)), TableAccess("events", ("dynamodb:BatchWriteItem",))),
        reads_interview_stream=True,
        sends_webhook_queue=True,
    ),
    Worker(
        name="webhook_delivery",
        description="Quollo webhooks: one signed POST per queued delivery, failures re-queued",
        tables=(
            TableAccess("webhooks", ("dynamodb:GetItem", "dynamodb:UpdateItem")),
            TableAccess("webhookdeliveries", ("dynamodb:PutItem",)),
        ),
        receives_webhook_queue=True,
        sends_webhook_queue=True,
        sends_webhook_dlq=True,
    ),
)


@record
class Processor:
    """A post-processing function (docs/lifecycle.md): invoked by one of its queues, in the Processing stack."""

    name: str
    description: str
    tables: tuple[TableAccess, ...]
    queue: str  # "recordings" (S3 ObjectCreated) or "analysis" (the bus's Analysis Completed)
    reads_recordings: bool = False  # s3:GetObject under the records prefix (one ranged GET per upload)
    publishes_events: bool = False  # events:PutEvents on the stack's bus
    sends_dead_letters: bool = False  # sqs:SendMessage on the post-processing dead-letter queue

    @property
    def handler(self) -> str:
        return f"functions.entries.{self.name}.handler"


# GetItem reads the interview; UpdateItem is save_step's conditioned write.
_INTERVIEW_STEP = TableAccess("interviews", ("dynamodb:GetItem", "dynamodb:UpdateItem"))

PROCESSORS: tuple[Processor, ...] = (
    Processor(
        name="recording_uploaded",
        description="Quollo post-processing: a stored recording checked, the record PROCESSING, the analysis asked for",
        tables=(_INTERVIEW_STEP,),
        queue="recordings",
        reads_recordings=True,
        publishes_events=True,
    ),
    Processor(
        name="analysis_completed",
        description="Quollo post-processing: an Analysis Completed event's results, the record READY",
        tables=(_INTERVIEW_STEP,),
        queue="analysis",
        sends_dead_letters=True,
    ),
)
