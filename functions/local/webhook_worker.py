"""The webhook worker of `quollo serve`: what the stream and the queue do for the Lambda functions on AWS.

A background thread reads moto's stream of the interviews table and hands each batch to the very
fan-out handler the stack deploys, then receives from moto's delivery queue and hands each message,
on a thread of its own, to a copy of the very delivery handler as a batch of one (the stack's batch
size), deleting it unless reported as failed (as Lambda's SQS event source does). So a receiver on
127.0.0.1 gets the same signed deliveries, retries included, as one on the internet gets from AWS,
and one receiver that hangs holds only its own deliveries, never another tenant's.

Between polls it sleeps on a wake-up (functions/local/wakeups.py) that moto's server sets when an
interview is written or a delivery is queued: a change reaches the fan-out at once, not at the next
poll, and an idle server polls at most once a second instead of five times.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

import boto3
from botocore.exceptions import ClientError

from functions.data.aws import dynamodb, sqs
from functions.data.settings import settings
from functions.data.webhook_queue import delivery_queue
from functions.local.containers import ContainerPool
from functions.local.gateway import LocalContext
from functions.local.wakeups import DUE_SLACK_SECONDS, IdlePauses, Wakeup, Watcher
from functions.runtime.observability import logger

if TYPE_CHECKING:
    from mypy_boto3_dynamodbstreams import DynamoDBStreamsClient

# Like the stack's stream mapping (retries, then the on-failure queue), but few: a change the fan-out
# keeps failing on is logged and skipped rather than holding every later change back.
STREAM_RETRIES = 3
# How long Ctrl-C waits for a batch in progress. The thread is a daemon: past this, the batch is
# abandoned with the process (on AWS the batch would be retried; here the state goes with the server
# unless --state keeps it), so that `quollo serve` always stops promptly, whatever backlog the
# stream holds after a burst of writes.
STOP_SECONDS = 3
# Deliveries in flight at once, each on its own thread and handler copy, as Lambda runs one environment
# per message up to the delivery function's concurrency. A receiver that hangs holds a slot for the send
# budget (10 s at most); past this many at once, further messages wait on the queue.
DELIVERY_SLOTS = 32
_DELIVERY_MODULE = "functions.entries.webhook_delivery"
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


class WebhookWorker:
    def __init__(self) -> None:
        self.wakeup = Wakeup()
        self._pauses = IdlePauses()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="webhooks", daemon=True)
        self._streams: DynamoDBStreamsClient = boto3.client("dynamodbstreams")
        self._iterators: dict[str, str] = {}
        self._failures: dict[str, int] = {}  # stream sequence number -> failed fan-outs from it
        self._stream_arn = ""
        self._visibility = 0.0  # the delivery queue's visibility timeout: when a failed message is back
        # Imported here: the handlers read settings that `quollo serve` sets before it starts the worker.
        from functions.entries import webhook_fanout

        # Handlers take a Lambda context; LocalContext has the attributes Powertools reads.
        self._fan_out: Handler = webhook_fanout.handler
        # The delivery handler keeps its batch on a module-level processor: a copy per concurrent delivery.
        self._deliveries = ContainerPool(_DELIVERY_MODULE, limit=DELIVERY_SLOTS)
        self._busy = 0  # deliveries in flight
        self._idle = threading.Condition()

    def watcher(self) -> Watcher:
        """The writes that give this worker something to do: to the interviews table, to the delivery queue."""
        queue = settings().webhook_queue.rsplit("/", 1)[-1]  # a name locally; the name ends a URL
        return Watcher(self.wakeup, tables=frozenset({settings().interviews_table}), queues=frozenset({queue}))

    def start(self) -> None:
        attributes = sqs().get_queue_attributes(QueueUrl=delivery_queue(), AttributeNames=["VisibilityTimeout"])
        self._visibility = float(attributes["Attributes"]["VisibilityTimeout"])
        # From now on: changes made before the server started (the seed, a loaded state) are not events.
        self._stream_arn = dynamodb().describe_table(TableName=settings().interviews_table)["Table"]["LatestStreamArn"]
        for shard in self._streams.describe_stream(StreamArn=self._stream_arn)["StreamDescription"]["Shards"]:
            self._iterators[shard["ShardId"]] = self._iterator(shard["ShardId"], "LATEST")
        self._thread.start()

    def _iterator(
        self,
        shard_id: str,
        kind: Literal["LATEST", "TRIM_HORIZON", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"],
        sequence: str | None = None,
    ) -> str:
        extra = {"SequenceNumber": sequence} if sequence is not None else {}
        return self._streams.get_shard_iterator(
            StreamArn=self._stream_arn, ShardId=shard_id, ShardIteratorType=kind, **extra
        )["ShardIterator"]

    def stop(self) -> None:
        self._stopped.set()
        self.wakeup.set()
        until = time.monotonic() + STOP_SECONDS
        if self._thread.is_alive():
            self._thread.join(STOP_SECONDS)
            if self._thread.is_alive():
                logger.warning("webhook worker: stopped with a batch in progress", waited_seconds=STOP_SECONDS)
        # Deliveries in flight are abandoned past the same deadline; their messages stay on the queue.
        with self._idle:
            if not self._idle.wait_for(lambda: self._busy == 0, max(0.0, until - time.monotonic())):
                logger.warning("webhook worker: stopped with deliveries in flight", deliveries=self._busy)

    def _run(self) -> None:
        while not self._stopped.is_set():
            worked = False
            # Each on its own: a failing fan-out must not stop deliveries, nor the reverse.
            for pump in (self._pump_stream, self._pump_queue):
                if self._stopped.is_set():
                    return
                try:
                    worked = pump() or worked
                except Exception:
                    # Like a failed Lambda invocation: the stream batch or the messages are tried again.
                    logger.exception("webhook worker: a batch failed; retrying")
                    worked = True
            self.wakeup.wait(self._pauses.next(worked))

    def _pump_stream(self) -> bool:
        """Hands new stream records to the fan-out; True when there were any."""
        worked = False
        for shard_id, iterator in list(self._iterators.items()):
            if self._stopped.is_set():
                return worked
            try:
                found = self._streams.get_records(ShardIterator=iterator, Limit=100)
            except ClientError:
                # Fallen behind the records the local stream keeps (functions/local/moto_patches.py), as a
                # Lambda trigger can fall 24 hours behind DynamoDB's: go on from the oldest one kept.
                logger.warning("webhook worker: stream records were trimmed before they were read")
                self._iterators[shard_id] = self._iterator(shard_id, "TRIM_HORIZON")
                worked = True
                continue
            records = [lambda_shape(record) for record in found.get("Records", [])]
            worked = worked or bool(records)
            failed = self._fan_out_failure(records) if records else None
            if failed is not None:
                self._retry_from(shard_id, failed)
            elif found.get("NextShardIterator"):
                self._iterators[shard_id] = found["NextShardIterator"]
        return worked

    def _fan_out_failure(self, records: list[dict[str, Any]]) -> str | None:
        """The sequence number to retry from, as the fan-out reported it (the first one if it raised)."""
        try:
            answer = self._fan_out({"Records": records}, LocalContext(function_name="quollo-webhook_fanout"))
        except Exception:
            logger.exception("webhook worker: the fan-out failed")
            return str(records[0]["dynamodb"]["SequenceNumber"])
        failures = answer.get("batchItemFailures") or []
        return str(failures[0]["itemIdentifier"]) if failures else None

    def _retry_from(self, shard_id: str, sequence: str) -> None:
        tries = self._failures.get(sequence, 0) + 1
        if tries <= STREAM_RETRIES:
            self._failures[sequence] = tries
            self._iterators[shard_id] = self._iterator(shard_id, "AT_SEQUENCE_NUMBER", sequence)
            return
        self._failures.pop(sequence, None)
        logger.error("webhook worker: a change failed every fan-out; skipped", sequence=sequence)
        self._iterators[shard_id] = self._iterator(shard_id, "AFTER_SEQUENCE_NUMBER", sequence)

    def _pump_queue(self) -> bool:
        """Starts a delivery per message received; True when there were any."""
        with self._idle:
            free = DELIVERY_SLOTS - self._busy
        if free <= 0:
            # Every slot is sending: the messages wait on the queue, as they would for Lambda, until a
            # delivery ends and wakes the worker.
            return False
        queue = delivery_queue()
        received = sqs().receive_message(QueueUrl=queue, MaxNumberOfMessages=min(10, free), WaitTimeSeconds=0)
        messages = received.get("Messages", [])
        for message in messages:
            with self._idle:
                self._busy += 1
            threading.Thread(
                target=self._deliver_one, args=(queue, message), name="webhook-delivery", daemon=True
            ).start()
        return bool(messages)

    def _deliver_one(self, queue: str, message: Any) -> None:
        """One message as a batch of one, on a copy of the delivery handler; deleted unless it failed."""
        deleted = False
        try:
            event = {
                "Records": [
                    {
                        "messageId": message["MessageId"],
                        "receiptHandle": message["ReceiptHandle"],
                        "body": message["Body"],
                        "attributes": {},
                        "messageAttributes": {},
                        "md5OfBody": message.get("MD5OfBody", ""),
                        "eventSource": "aws:sqs",
                        "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:local",
                        "awsRegion": "us-east-1",
                    }
                ]
            }
            with self._deliveries.container() as deliver:
                answer = deliver(event, LocalContext(function_name="quollo-webhook_delivery"))
            if not answer.get("batchItemFailures"):
                sqs().delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
                deleted = True
        except Exception:
            # Like a failed Lambda invocation: the message stays on the queue and comes back.
            logger.exception("webhook worker: a delivery failed; it will be retried")
        finally:
            if not deleted:
                # No request announces the message's return at the end of its visibility timeout.
                self.wakeup.set(self._visibility + DUE_SLACK_SECONDS)
            with self._idle:
                self._busy -= 1
                if self._busy == DELIVERY_SLOTS - 1:
                    self.wakeup.set()  # a slot is free again for the messages that waited
                self._idle.notify_all()


def lambda_shape(record: Any) -> dict[str, Any]:
    """A stream record as Lambda passes it: the SDK parses ApproximateCreationDateTime, Lambda sends epoch seconds."""
    shaped: dict[str, Any] = dict(record)
    inner = dict(shaped.get("dynamodb") or {})
    created = inner.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        inner["ApproximateCreationDateTime"] = created.timestamp()
    shaped["dynamodb"] = inner
    return shaped
