"""What wakes `quollo serve`'s workers: the writes moto's server sees, read from real boto3 requests.

functions/local/wakeups.py reads each request by its shape on the wire (X-Amz-Target, the JSON
body, S3's method); these requests come from the very clients the handlers use, over HTTP to the
embedded server, so a botocore that changes that shape fails here rather than slowing the workers.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.config import Config

from functions.local.moto_server import MotoServer
from functions.local.wakeups import IdlePauses, Wakeup, Watcher, WriteWatch
from testkit.aws import FAKE_CREDENTIALS, REGION
from testkit.server import free_ports

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient


@dataclass
class Watched:
    dynamodb: DynamoDBClient
    sqs: SQSClient
    s3: S3Client
    events: Any  # no mypy_boto3_events stubs (functions/data/aws.py)
    stream_table: str  # a table whose writes wake `tables`
    other_table: str
    queue_url: str  # a queue that wakes `tables` too
    other_queue_url: str
    bucket: str
    tables: Wakeup  # the webhook worker's concerns: a table, a queue
    uploads: Wakeup  # the processing worker's: S3 objects, bus events


@pytest.fixture(scope="module")
def watched() -> Iterator[Watched]:
    writes = WriteWatch()
    server = MotoServer("127.0.0.1", free_ports(1)[0], writes.observe)
    server.start()
    url = f"http://127.0.0.1:{server.port}"
    options: dict[str, Any] = {
        "endpoint_url": url,
        "region_name": REGION,
        "aws_access_key_id": FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    }
    dynamodb: DynamoDBClient = boto3.client("dynamodb", **options)
    sqs: SQSClient = boto3.client("sqs", **options)
    # Path-style, as the handlers address the local endpoint (functions/data/aws.py).
    s3: S3Client = boto3.client("s3", config=Config(s3={"addressing_style": "path"}), **options)
    events: Any = boto3.client("events", **options)
    suffix = uuid.uuid4().hex[:8]
    tables = [f"wake-stream-{suffix}", f"wake-other-{suffix}"]
    for table in tables:
        dynamodb.create_table(
            TableName=table,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    queue, other_queue = (sqs.create_queue(QueueName=f"wake-{kind}-{suffix}")["QueueUrl"] for kind in ("q", "other"))
    bucket = f"wake-{suffix}"
    s3.create_bucket(Bucket=bucket)
    watched = Watched(dynamodb, sqs, s3, events, tables[0], tables[1], queue, other_queue, bucket, Wakeup(), Wakeup())
    writes.add(Watcher(watched.tables, tables=frozenset({tables[0]}), queues=frozenset({queue.rsplit("/", 1)[1]})))
    writes.add(Watcher(watched.uploads, uploads=True, bus_events=True))
    try:
        yield watched
    finally:
        server.stop()


def _woken(wakeup: Wakeup) -> bool:
    return wakeup.wait(0)


def _clear(watched: Watched) -> None:
    watched.tables.wait(0)
    watched.uploads.wait(0)


def test_a_write_to_a_watched_table_wakes_only_its_worker(watched: Watched) -> None:
    dynamodb = watched.dynamodb
    _clear(watched)
    dynamodb.put_item(TableName=watched.other_table, Item={"pk": {"S": "a"}})
    dynamodb.get_item(TableName=watched.stream_table, Key={"pk": {"S": "a"}})
    assert not _woken(watched.tables)  # another table's write, a read: nothing to do
    writes: list[Callable[[], object]] = [
        lambda: dynamodb.put_item(TableName=watched.stream_table, Item={"pk": {"S": "a"}}),
        lambda: dynamodb.update_item(
            TableName=watched.stream_table,
            Key={"pk": {"S": "a"}},
            UpdateExpression="SET v = :v",
            ExpressionAttributeValues={":v": {"S": "x"}},
        ),
        lambda: dynamodb.transact_write_items(
            TransactItems=[{"Put": {"TableName": watched.stream_table, "Item": {"pk": {"S": "b"}}}}]
        ),
        lambda: dynamodb.delete_item(TableName=watched.stream_table, Key={"pk": {"S": "b"}}),
    ]
    for write in writes:
        write()
        assert _woken(watched.tables)
    assert not _woken(watched.uploads)


def test_a_failed_write_wakes_nobody(watched: Watched) -> None:
    _clear(watched)
    with pytest.raises(watched.dynamodb.exceptions.ConditionalCheckFailedException):
        watched.dynamodb.put_item(
            TableName=watched.stream_table,
            Item={"pk": {"S": "c"}},
            ConditionExpression="pk = :x",
            ExpressionAttributeValues={":x": {"S": "nope"}},
        )
    assert not _woken(watched.tables)


def test_a_message_wakes_its_queue_worker_at_once_or_when_due(watched: Watched) -> None:
    sqs = watched.sqs
    _clear(watched)
    sqs.send_message(QueueUrl=watched.other_queue_url, MessageBody="x")
    sqs.receive_message(QueueUrl=watched.queue_url, WaitTimeSeconds=0)
    assert not _woken(watched.tables)  # another queue, a receive: nothing to do
    sqs.send_message(QueueUrl=watched.queue_url, MessageBody="now")
    assert _woken(watched.tables)
    # A retry delayed 1 s: not before, soon after (as SendMessageBatch sends them).
    sent = time.monotonic()
    sqs.send_message_batch(QueueUrl=watched.queue_url, Entries=[{"Id": "0", "MessageBody": "later", "DelaySeconds": 1}])
    assert watched.tables.wait(5)
    assert 1.0 <= time.monotonic() - sent < 1.5
    [received] = sqs.receive_message(QueueUrl=watched.queue_url, WaitTimeSeconds=0, MaxNumberOfMessages=10)["Messages"][
        -1:
    ]
    sqs.change_message_visibility(
        QueueUrl=watched.queue_url, ReceiptHandle=received["ReceiptHandle"], VisibilityTimeout=1
    )
    hidden = time.monotonic()
    assert watched.tables.wait(5)
    assert 1.0 <= time.monotonic() - hidden < 1.5
    assert not _woken(watched.uploads)


def test_an_upload_or_a_bus_event_wakes_the_processing_worker(watched: Watched) -> None:
    _clear(watched)
    watched.s3.get_bucket_location(Bucket=watched.bucket)
    assert not _woken(watched.uploads)
    watched.s3.put_object(Bucket=watched.bucket, Key="records/x.mp4", Body=b"\0" * 1024)
    assert _woken(watched.uploads)
    watched.events.put_events(
        Entries=[{"Source": "test", "DetailType": "Analysis Completed", "Detail": json.dumps({"a": 1})}]
    )
    assert _woken(watched.uploads)
    assert not _woken(watched.tables)


def test_a_wakeup_is_kept_until_waited_for_and_due_times_in_order() -> None:
    wakeup = Wakeup()
    wakeup.set()
    assert wakeup.wait(0) and not wakeup.wait(0)  # a write between two polls is seen once
    wakeup.set(after=0.3)
    wakeup.set(after=0.1)
    start = time.monotonic()
    assert wakeup.wait(2) and 0.1 <= time.monotonic() - start < 0.25
    assert wakeup.wait(2) and 0.3 <= time.monotonic() - start < 0.45
    assert not wakeup.wait(0.05)


def test_idle_pauses_double_up_to_the_cap_and_work_resets_them() -> None:
    pauses = IdlePauses(busy=0.2, idle_max=1.0)
    assert [pauses.next(False) for _ in range(4)] == [0.4, 0.8, 1.0, 1.0]
    assert pauses.next(True) == 0.2
    assert pauses.next(False) == 0.4
