"""The webhook delivery queue and its dead-letter queue (SQS): one message per event and endpoint."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from functions.data.aws import sqs
from functions.data.settings import settings

# SQS caps DelaySeconds at 15 minutes and a message's visibility timeout at 12 hours.
MAX_DELAY_SECONDS = 900
MAX_VISIBILITY_SECONDS = 12 * 3600
# SendMessageBatch's limits: ten entries, and 1 MiB for the whole request; 256 KiB per message is ours
# (SQS takes up to 1 MiB), so that a batch always holds at least four.
_BATCH = 10
MAX_BATCH_BYTES = 1024 * 1024
MAX_MESSAGE_BYTES = 256 * 1024


class NotQueued(Exception):
    """SQS refused (or did not answer for) the body at index `first` of a send; those before it are queued."""

    def __init__(self, first: int) -> None:
        super().__init__(f"webhook deliveries from index {first} were not queued")
        self.first = first


def _chunks(bodies: Sequence[str]) -> list[tuple[int, list[str]]]:
    """(index of the first body, bodies) per SendMessageBatch: at most ten and 1 MiB each."""
    chunks: list[tuple[int, list[str]]] = []
    start, chunk, size = 0, list[str](), 0
    for index, body in enumerate(bodies):
        length = len(body.encode())
        if length > MAX_MESSAGE_BYTES:
            raise ValueError(f"a webhook delivery of {length} bytes exceeds {MAX_MESSAGE_BYTES}")
        if chunk and (len(chunk) == _BATCH or size + length > MAX_BATCH_BYTES):
            chunks.append((start, chunk))
            start, chunk, size = index, [], 0
        chunk.append(body)
        size += length
    if chunk:
        chunks.append((start, chunk))
    return chunks


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
    """Enqueue message bodies in batches of at most ten and 1 MiB; NotQueued names the first body SQS
    refused or did not confirm (the caller is retried from there). Bodies over MAX_MESSAGE_BYTES: ValueError."""
    queue = delivery_queue()
    delay = max(0, min(int(delay_seconds), MAX_DELAY_SECONDS))
    for start, chunk in _chunks(bodies):
        try:
            sent = sqs().send_message_batch(
                QueueUrl=queue,
                Entries=[{"Id": str(i), "MessageBody": body, "DelaySeconds": delay} for i, body in enumerate(chunk)],
            )
        except Exception as exc:
            raise NotQueued(start) from exc
        if sent.get("Failed"):
            raise NotQueued(start + min(int(failed["Id"]) for failed in sent["Failed"]))


def hide(receipt_handle: str, seconds: float) -> None:
    """Keep a received message invisible for `seconds` (a retry that is not due yet)."""
    timeout = max(0, min(int(seconds + 0.999), MAX_VISIBILITY_SECONDS))
    sqs().change_message_visibility(QueueUrl=delivery_queue(), ReceiptHandle=receipt_handle, VisibilityTimeout=timeout)


def dead_letter(body: str) -> None:
    sqs().send_message(QueueUrl=dead_letter_queue(), MessageBody=body)
