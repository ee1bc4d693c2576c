"""The webhook delivery queue and its dead-letter queue (SQS): one message per event and endpoint."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from functions.data.aws import sqs
from functions.data.settings import settings

# SQS caps DelaySeconds at 15 minutes and a message's visibility timeout at 12 hours.
MAX_DELAY_SECONDS = 900
MAX_VISIBILITY_SECONDS = 12 * 3600
_BATCH = 10  # SendMessageBatch's limit


def _url(name_or_url: str) -> str:
    if name_or_url.startswith(("https://", "http://")):
        return name_or_url
    return sqs().get_queue_url(QueueName=name_or_url)["QueueUrl"]


@cache
def delivery_queue() -> str:
    """The stack passes each queue's URL; locally it is looked up by name, once per process."""
    return _url(settings().webhook_queue)


@cache
def dead_letter_queue() -> str:
    return _url(settings().webhook_dlq)


def send(bodies: Sequence[str], delay_seconds: int = 0) -> None:
    """Enqueue message bodies, ten per call; raises if SQS refused any of them (the caller is retried)."""
    queue = delivery_queue()
    delay = max(0, min(int(delay_seconds), MAX_DELAY_SECONDS))
    for start in range(0, len(bodies), _BATCH):
        chunk = bodies[start : start + _BATCH]
        sent = sqs().send_message_batch(
            QueueUrl=queue,
            Entries=[{"Id": str(i), "MessageBody": body, "DelaySeconds": delay} for i, body in enumerate(chunk)],
        )
        if sent.get("Failed"):
            raise RuntimeError(f"SQS refused {len(sent['Failed'])} webhook deliveries")


def hide(receipt_handle: str, seconds: float) -> None:
    """Keep a received message invisible for `seconds` (a retry that is not due yet)."""
    timeout = max(0, min(int(seconds + 0.999), MAX_VISIBILITY_SECONDS))
    sqs().change_message_visibility(QueueUrl=delivery_queue(), ReceiptHandle=receipt_handle, VisibilityTimeout=timeout)


def dead_letter(body: str) -> None:
    sqs().send_message(QueueUrl=dead_letter_queue(), MessageBody=body)
