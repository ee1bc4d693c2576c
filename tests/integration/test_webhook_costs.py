"""The AWS calls each webhook event adds, pinned (bench/report.md quotes them).

The fan-out and delivery handlers run in-process, fed with the interviews stream's records and the
delivery queue's messages exactly as Lambda's event sources pass them; botocore's `before-call`
hook counts every API call our clients make. moto runs as the embedded server `quollo serve` uses:
its in-process mock answers DynamoDB Streams calls with "Not yet implemented" (moto 5.2.5).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.exceptions import ClientError

from functions.data import aws, schema, webhook_queue
from functions.data.settings import allow_local_receivers, settings
from functions.entries import webhook_delivery, webhook_fanout
from functions.local.caches import forget_aws_state
from functions.local.gateway import LocalContext
from functions.local.moto_patches import STREAM_RECORDS_KEPT
from functions.local.moto_server import MotoServer
from functions.local.provision import provision
from functions.local.webhook_worker import lambda_shape
from testkit.accounts import AccountFactory
from testkit.aws import fake_aws_env
from testkit.aws_calls import CallCounter, counting
from testkit.handlers import Api
from testkit.server import free_ports
from testkit.webhook_receiver import Receiver, receiving


@pytest.fixture
def moto_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """In place of conftest's in-process mock (so its `api` and `account` run on this): the embedded server.

    moto keeps its state in the process, beyond any one server: the tables carry on from test to test
    (each test has its own users), but each test gets delivery queues of its own. On one shared queue,
    a retry an earlier test queued (due 5 s later) or a message it received and never deleted (back
    after the 60 s visibility timeout) reached a later test whenever the machine was slow enough.
    """
    server = MotoServer("127.0.0.1", free_ports(1)[0])
    server.start()
    for name, value in fake_aws_env(f"http://127.0.0.1:{server.port}").items():
        monkeypatch.setenv(name, value)
    suffix = uuid.uuid4().hex[:12]
    monkeypatch.setenv(schema.WEBHOOK_QUEUE_ENV, f"{schema.WEBHOOK_QUEUE_DEFAULT}-{suffix}")
    monkeypatch.setenv(schema.WEBHOOK_DLQ_ENV, f"{schema.WEBHOOK_DLQ_DEFAULT}-{suffix}")
    forget_aws_state()
    provision()
    try:
        yield
    finally:
        for queue in (webhook_queue.delivery_queue(), webhook_queue.dead_letter_queue()):
            aws.sqs().delete_queue(QueueUrl=queue)
        forget_aws_state()
        server.stop()


@pytest.fixture
def receiver(moto_aws: None) -> Iterator[Receiver]:
    allow_local_receivers()
    try:
        with receiving() as running:
            yield running
    finally:
        allow_local_receivers(False)


@pytest.fixture
def counter(moto_aws: None) -> Iterator[CallCounter]:
    # Locally the queues are found by name once per process (GetQueueUrl); the stack passes their URLs.
    webhook_queue.delivery_queue()
    webhook_queue.dead_letter_queue()
    with counting([aws.dynamodb(), aws.sqs()]) as counter:
        yield counter


# The handlers take a Lambda context; LocalContext has what Powertools reads of one.
FAN_OUT: Callable[[dict[str, Any], Any], dict[str, Any]] = webhook_fanout.handler
DELIVERY: Callable[[dict[str, Any], Any], dict[str, Any]] = webhook_delivery.handler


def _fan_out(event: dict[str, Any]) -> dict[str, Any]:
    return FAN_OUT(event, LocalContext(function_name="quollo-webhook_fanout"))


class Stream:
    """The interviews table's stream from now on, read as Lambda's event source reads it."""

    def __init__(self) -> None:
        self._client = boto3.client("dynamodbstreams")
        arn = aws.dynamodb().describe_table(TableName=settings().interviews_table)["Table"]["LatestStreamArn"]
        shard = self._client.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        self._iterator = self._client.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")[
            "ShardIterator"
        ]

    def event(self) -> dict[str, Any]:
        found = self._client.get_records(ShardIterator=self._iterator)
        self._iterator = found["NextShardIterator"]
        return {"Records": [lambda_shape(record) for record in found["Records"]]}


def _queue_event() -> dict[str, Any]:
    messages = aws.sqs().receive_message(QueueUrl=webhook_queue.delivery_queue(), MaxNumberOfMessages=10)["Messages"]
    records = [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"]} for m in messages]
    return {"Records": [record | {"eventSource": "aws:sqs", "attributes": {}} for record in records]}


def _deliver_one(counter: CallCounter) -> list[str]:
    event = _queue_event()
    assert len(event["Records"]) == 1
    counter.reset()
    answer = DELIVERY(event, LocalContext(function_name="quollo-webhook_delivery"))
    assert answer == {"batchItemFailures": []}
    return sorted(counter.calls)


def test_calls_per_event_for_the_fan_out_and_each_delivery(
    api: Api, account: AccountFactory, receiver: Receiver, counter: CallCounter
) -> None:
    owner = account(credits=5)
    registered = api.call("POST", "/v1/webhooks", token=owner.token, body={"url": receiver.url("/costs")})
    assert registered.status == 201, registered.body
    stream = Stream()
    assert api.create(owner).status == 201

    counter.reset()
    _fan_out(stream.event())
    # One BatchWriteItem recording up to 25 events (GET /v1/events), one Query for the owner's endpoints,
    # one SendMessageBatch for up to ten deliveries.
    assert sorted(counter.calls) == ["BatchWriteItem", "Query", "SendMessageBatch"]

    # A delivery that succeeds: claim the attempt, read the endpoint, log the attempt, close the claim.
    assert _deliver_one(counter) == ["GetItem", "PutItem", "PutItem", "PutItem"]
    assert len(receiver.on("/costs")) == 1

    # One that fails: also mark the endpoint failing and queue the retry.
    receiver.answers["/costs"] = [500]
    assert api.create(owner).status == 201
    _fan_out(stream.event())
    assert _deliver_one(counter) == ["GetItem", "PutItem", "PutItem", "PutItem", "SendMessageBatch", "UpdateItem"]


def test_a_message_received_twice_is_sent_logged_and_retried_once(
    api: Api, account: AccountFactory, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUOLLO_WEBHOOK_RETRY_SECONDS", "0,0")  # the retry is visible on the queue at once
    owner = account(credits=5)
    registered = api.call("POST", "/v1/webhooks", token=owner.token, body={"url": receiver.url("/twice")})
    assert registered.status == 201, registered.body
    receiver.answers["/twice"] = [500, 500, 500]
    stream = Stream()
    assert api.create(owner).status == 201
    _fan_out(stream.event())
    event = _queue_event()
    assert len(event["Records"]) == 1
    context = LocalContext(function_name="quollo-webhook_delivery")
    # SQS is at-least-once: the same message (here the very same receive) can reach the function twice.
    assert DELIVERY(event, context) == {"batchItemFailures": []}
    assert DELIVERY(event, context) == {"batchItemFailures": []}

    assert len(receiver.on("/twice")) == 1
    log = api.call("GET", f"/v1/webhooks/{registered.json()['id']}/deliveries", token=owner.token).json()["items"]
    assert [(item["attempt"], item["status"]) for item in log] == [(1, "FAILED")]
    retries = _queue_event()["Records"]
    assert [json.loads(record["body"])["attempt"] for record in retries] == [2]  # one chain, not two


def _entries(request: dict[str, Any]) -> list[dict[str, Any]]:
    """A SendMessageBatch's entries, from the request as botocore's before-call hook sees it (SQS's JSON protocol)."""
    return list(json.loads(request["body"])["Entries"])


def test_a_fan_out_that_sqs_partly_refuses_reports_the_first_change_not_queued(
    api: Api, account: AccountFactory, receiver: Receiver
) -> None:
    owner = account(credits=5)
    assert api.call("POST", "/v1/webhooks", token=owner.token, body={"url": receiver.url("/p")}).status == 201
    stream = Stream()
    assert api.create(owner).status == 201
    assert api.create(owner).status == 201
    event = stream.event()
    assert len(event["Records"]) == 2

    # Any: botocore takes a before-call handler's return value as the response (as its Stubber does),
    # while botocore-stubs types every event handler as returning None.
    def refuse_the_second(params: dict[str, Any], **_: Any) -> Any:
        entries = _entries(params)
        return AWSResponse("https://sqs", 200, HTTPHeaders(), None), {
            "Successful": [{"Id": entries[0]["Id"], "MessageId": "m0", "MD5OfMessageBody": ""}],
            "Failed": [{"Id": entry["Id"], "SenderFault": False, "Code": "InternalError"} for entry in entries[1:]],
        }

    aws.sqs().meta.events.register("before-call.sqs.SendMessageBatch", refuse_the_second)
    try:
        answer = _fan_out(event)
    finally:
        aws.sqs().meta.events.unregister("before-call.sqs.SendMessageBatch", refuse_the_second)
    # Lambda retries from the second change (ReportBatchItemFailures); the first one's delivery is queued.
    second = event["Records"][1]["dynamodb"]["SequenceNumber"]
    assert answer == {"batchItemFailures": [{"itemIdentifier": second}]}

    assert _fan_out(event) == {"batchItemFailures": []}  # the retry, SQS answering again
    queued = [json.loads(record["body"]) for record in _queue_event()["Records"]]
    assert len(queued) == 2 and len({body["message_id"] for body in queued}) == 2


def test_deliveries_are_batched_by_count_and_by_size(counter: CallCounter) -> None:
    batches: list[list[int]] = []

    def sizes(params: dict[str, Any], **_: Any) -> None:
        batches.append([len(entry["MessageBody"].encode()) for entry in _entries(params)])

    aws.sqs().meta.events.register("before-call.sqs.SendMessageBatch", sizes)
    counter.reset()
    try:
        webhook_queue.send(["x" * 100] * 23)
        webhook_queue.send(["y" * 200_000] * 7)  # 1.4 MB: ten fit SendMessageBatch's count, not its 1 MiB
    finally:
        aws.sqs().meta.events.unregister("before-call.sqs.SendMessageBatch", sizes)
    assert counter.calls.count("SendMessageBatch") == 5
    assert [len(batch) for batch in batches] == [10, 10, 3, 5, 2]
    assert all(sum(batch) <= 1024 * 1024 for batch in batches)
    with pytest.raises(ValueError, match="exceeds"):
        webhook_queue.send(["z" * (256 * 1024 + 1)])


def test_a_test_interview_queues_its_three_events_in_one_batch(
    api: Api, account: AccountFactory, receiver: Receiver, counter: CallCounter
) -> None:
    owner = account(credits=0)
    assert api.call("POST", "/v1/webhooks", token=owner.token, body={"url": receiver.url("/t")}).status == 201
    stream = Stream()
    assert api.create(owner, isTest=True).status == 201
    counter.reset()
    _fan_out(stream.event())
    assert sorted(counter.calls) == ["BatchWriteItem", "Query", "SendMessageBatch"]
    assert len(_queue_event()["Records"]) == 3


def test_events_are_recorded_without_any_webhook(api: Api, account: AccountFactory, counter: CallCounter) -> None:
    owner = account(credits=0)
    stream = Stream()
    assert api.create(owner, isTest=True).status == 201
    counter.reset()
    _fan_out(stream.event())
    # The three events in one write; the endpoints' Query finds none, so nothing is queued.
    assert sorted(counter.calls) == ["BatchWriteItem", "Query"]
    listed = api.call("GET", "/v1/events", token=owner.token)
    assert listed.status == 200, listed.body
    assert sorted(item["type"] for item in listed.json()["items"]) == [
        "analysis.completed",
        "interview.completed",
        "interview.created",
    ]


def test_a_fan_out_whose_events_are_not_recorded_queues_nothing_of_them(
    api: Api, account: AccountFactory, receiver: Receiver
) -> None:
    owner = account(credits=5)
    assert api.call("POST", "/v1/webhooks", token=owner.token, body={"url": receiver.url("/r")}).status == 201
    stream = Stream()
    assert api.create(owner).status == 201
    event = stream.event()

    def refuse(params: dict[str, Any], **_: Any) -> Any:
        raise ClientError({"Error": {"Code": "InternalServerError", "Message": "down"}}, "BatchWriteItem")

    aws.dynamodb().meta.events.register("before-call.dynamodb.BatchWriteItem", refuse)
    try:
        answer = _fan_out(event)
    finally:
        aws.dynamodb().meta.events.unregister("before-call.dynamodb.BatchWriteItem", refuse)
    # Retried from the change: no delivery of an event GET /v1/events could not show.
    first = event["Records"][0]["dynamodb"]["SequenceNumber"]
    assert answer == {"batchItemFailures": [{"itemIdentifier": first}]}
    assert "Messages" not in aws.sqs().receive_message(QueueUrl=webhook_queue.delivery_queue())

    assert _fan_out(event) == {"batchItemFailures": []}
    (queued,) = [json.loads(record["body"]) for record in _queue_event()["Records"]]
    shown = api.call("GET", f"/v1/events/{queued['event_id']}", token=owner.token)
    assert shown.status == 200, shown.body
    # The event's id is the webhook-id its deliveries carry.
    assert queued["message_id"] == queued["event_id"] == shown.json()["id"]


def test_a_change_that_is_no_event_costs_nothing(api: Api, account: AccountFactory, counter: CallCounter) -> None:
    owner = account(credits=5)
    created = api.create(owner)
    stream = Stream()
    interview_id = created.json()["id"]
    assert (
        api.call("PATCH", f"/v1/interviews/{interview_id}", token=owner.token, body={"title": "Renamed"}).status == 200
    )
    counter.reset()
    _fan_out(stream.event())
    assert counter.calls == []


def test_the_local_stream_keeps_only_its_newest_records(moto_aws: None) -> None:
    # `quollo serve` would otherwise hold every change ever made in memory (functions/local/moto_patches.py).
    table = settings().interviews_table
    for i in range(STREAM_RECORDS_KEPT + 20):
        aws.dynamodb().put_item(TableName=table, Item={"id": {"S": f"i{i:05d}"}})
    client = boto3.client("dynamodbstreams")
    arn = aws.dynamodb().describe_table(TableName=table)["Table"]["LatestStreamArn"]
    shard = client.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = client.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = client.get_records(ShardIterator=iterator["ShardIterator"], Limit=1000)["Records"]
    ids = [record["dynamodb"]["Keys"]["id"]["S"] for record in records]
    assert len(ids) == STREAM_RECORDS_KEPT
    assert ids[0] == "i00020" and ids[-1] == f"i{STREAM_RECORDS_KEPT + 19:05d}"
