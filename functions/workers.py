"""The functions that are not HTTP routes: the webhook fan-out and delivery.

Like the route table, one entry drives the CDK stack (function, role, event source) and the infra
tests, which compare each role with exactly the actions listed here.
"""

from __future__ import annotations

from dataclasses import dataclass

from functions.routes import TableAccess


@dataclass(frozen=True)
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
