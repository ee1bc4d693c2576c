"""The post-processing worker of `quollo serve`: what the two queues' event sources do on AWS.

moto's S3 sends each ObjectCreated under the records prefix to the recordings queue, and moto's
EventBridge rule sends each Analysis Completed on the bus to the analysis queue (both set up by
functions/local/provision.py, as the Data stack sets them up). A background thread receives from
both and hands each batch to the very handler the Processing stack deploys, deleting every message
the handler did not report as failed (as Lambda's SQS event source does). A failed message comes
back after the queue's visibility timeout, and after its receives goes to the dead-letter queue.

Between polls it sleeps on a wake-up (functions/local/wakeups.py) that moto's server sets when an
object is stored in S3 or an event is put on a bus: an upload or `quollo admin analysis-completed`
is handled at once, and an idle server polls at most once a second instead of five times.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from functions.data import schema
from functions.data.aws import sqs
from functions.local.containers import load_copy
from functions.local.gateway import LocalContext
from functions.local.wakeups import DUE_SLACK_SECONDS, IdlePauses, Wakeup, Watcher
from functions.runtime.observability import logger

STOP_SECONDS = 3
BATCH = 10  # the stack's batch size (infra/constructs/processing.py)
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def lambda_event(messages: Sequence[Mapping[str, Any]], queue_arn: str) -> dict[str, Any]:
    """Received SQS messages as Lambda's SQS event source hands them to a function."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": {},
                "messageAttributes": {},
                "md5OfBody": m.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": "us-east-1",
            }
            for m in messages
        ]
    }


class ProcessingWorker:
    def __init__(self) -> None:
        self.wakeup = Wakeup()
        self._pauses = IdlePauses()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="post-processing", daemon=True)
        # Loaded here, when the server starts the worker, and as copies, under the lock that keeps
        # concurrent first imports apart (functions/local/containers.py): the webhook worker's thread
        # is already loading its own.
        uploaded: Handler = load_copy("functions.entries.recording_uploaded", "worker").handler
        completed: Handler = load_copy("functions.entries.analysis_completed", "worker").handler
        self._sources = [
            (schema.RECORDINGS_QUEUE_DEFAULT, "quollo-recording_uploaded", uploaded),
            (schema.ANALYSIS_QUEUE_DEFAULT, "quollo-analysis_completed", completed),
        ]
        self._queues: dict[str, tuple[str, str, float]] = {}  # name -> (url, arn, visibility timeout)

    def watcher(self) -> Watcher:
        """The writes that give this worker something to do: S3 objects (the recordings), bus events, its queues."""
        queues = frozenset(name for name, _, _ in self._sources)
        return Watcher(self.wakeup, queues=queues, uploads=True, bus_events=True)

    def start(self) -> None:
        for name, _, _ in self._sources:
            url = sqs().get_queue_url(QueueName=name)["QueueUrl"]
            attributes = sqs().get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn", "VisibilityTimeout"])
            arn, visibility = attributes["Attributes"]["QueueArn"], attributes["Attributes"]["VisibilityTimeout"]
            self._queues[name] = (url, arn, float(visibility))
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self.wakeup.set()
        if self._thread.is_alive():
            self._thread.join(STOP_SECONDS)
            if self._thread.is_alive():
                logger.warning("post-processing worker: stopped with a batch in progress", waited_seconds=STOP_SECONDS)

    def _run(self) -> None:
        while not self._stopped.is_set():
            worked = False
            for name, function_name, handler in self._sources:
                if self._stopped.is_set():
                    return
                try:
                    worked = self._pump(name, function_name, handler) or worked
                except Exception:
                    # Like a failed Lambda invocation: the messages come back after the visibility timeout.
                    logger.exception("post-processing worker: a batch failed; SQS gives it again", queue=name)
                    self._wake_when_back(name)
                    worked = True
            self.wakeup.wait(self._pauses.next(worked))

    def _pump(self, name: str, function_name: str, handler: Handler) -> bool:
        """Hands a batch of the queue's messages to its handler; True when there were any."""
        url, arn, _ = self._queues[name]
        messages = sqs().receive_message(QueueUrl=url, MaxNumberOfMessages=BATCH, WaitTimeSeconds=0).get("Messages")
        if not messages:
            return False
        answer = handler(lambda_event(messages, arn), LocalContext(function_name=function_name))
        failed = {f["itemIdentifier"] for f in answer.get("batchItemFailures") or []}
        for message in messages:
            if message["MessageId"] not in failed:
                sqs().delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        if failed:
            self._wake_when_back(name)
        return True

    def _wake_when_back(self, name: str) -> None:
        # No request announces a failed message's return at the end of its visibility timeout.
        self.wakeup.set(self._queues[name][2] + DUE_SLACK_SECONDS)
