"""Create the tables, bucket and cursor secret on a local (moto) endpoint, from the shared specs."""

from __future__ import annotations

import json
import secrets
from typing import Any

import boto3
from botocore.exceptions import ClientError

from functions.data import schema
from functions.data.aws import dynamodb, s3, sqs
from functions.data.settings import settings


def _create_table(spec: schema.TableSpec) -> None:
    attributes = {spec.partition_key}
    keys: list[dict[str, Any]] = [{"AttributeName": spec.partition_key, "KeyType": "HASH"}]
    if spec.sort_key:
        attributes.add(spec.sort_key)
        keys.append({"AttributeName": spec.sort_key, "KeyType": "RANGE"})
    indexes = []
    for index in spec.indexes:
        index_keys: list[dict[str, Any]] = [{"AttributeName": index.partition_key, "KeyType": "HASH"}]
        attributes.add(index.partition_key)
        if index.sort_key:
            attributes.add(index.sort_key)
            index_keys.append({"AttributeName": index.sort_key, "KeyType": "RANGE"})
        indexes.append(
            {
                "IndexName": index.name,
                "KeySchema": index_keys,
                "Projection": {"ProjectionType": index.projection},
            }
        )
    params: dict[str, Any] = {
        "TableName": settings().table(spec),
        "KeySchema": keys,
        "AttributeDefinitions": [{"AttributeName": name, "AttributeType": "S"} for name in sorted(attributes)],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if indexes:
        params["GlobalSecondaryIndexes"] = indexes
    if spec.stream:
        params["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": spec.stream}
    try:
        dynamodb().create_table(**params)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceInUseException":
            raise
        return
    if spec.ttl_attribute:
        dynamodb().update_time_to_live(
            TableName=params["TableName"],
            TimeToLiveSpecification={"Enabled": True, "AttributeName": spec.ttl_attribute},
        )


def _create_bucket() -> None:
    try:
        s3().create_bucket(Bucket=settings().records_bucket)
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            raise


def _create_cursor_secret() -> None:
    client = boto3.client("secretsmanager")
    try:
        client.create_secret(Name=settings().cursor_secret, SecretString=secrets.token_urlsafe(48))
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceExistsException":
            raise


def _create_webhook_queues() -> None:
    # create_queue is idempotent for equal attributes. The delivery queue hands a message that made
    # its handler fail five times to the dead-letter queue, as the stack's redrive policy does.
    dead = sqs().create_queue(QueueName=settings().webhook_dlq)["QueueUrl"]
    dead_arn = sqs().get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs().create_queue(
        QueueName=settings().webhook_queue,
        Attributes={
            "VisibilityTimeout": "60",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": "5"}),
        },
    )


# Locally a failed message comes back after this many seconds, and after RECEIVES receives goes to
# the dead-letter queue, as the stack's queues do (infra/constructs/data.py) on a shorter clock.
PROCESSING_VISIBILITY_SECONDS = 5
PROCESSING_RECEIVES = 3
# What the analysis service would receive: the bus's Recording Uploaded events, kept for a look
# (`quollo serve` has no analysis service; `quollo admin analysis-completed` stands in for it).
ANALYSIS_REQUESTS_QUEUE = "quollo-analysis-requests"


def _queue_arn(url: str) -> str:
    return sqs().get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def _create_post_processing() -> None:
    """The bus, S3 -> recordings queue, the bus's Analysis Completed -> analysis queue, and their dead letters."""
    from functions.data.aws import events
    from functions.models.post_processing import ANALYSIS_COMPLETED, RECORDING_UPLOADED, pattern

    bus = settings().event_bus
    try:
        events().create_event_bus(Name=bus)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceAlreadyExistsException":
            raise
    dead_arn = _queue_arn(sqs().create_queue(QueueName=settings().processing_dlq)["QueueUrl"])
    redrive = json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": str(PROCESSING_RECEIVES)})
    arns = {}
    for name in (schema.RECORDINGS_QUEUE_DEFAULT, schema.ANALYSIS_QUEUE_DEFAULT):
        created = sqs().create_queue(
            QueueName=name,
            Attributes={"VisibilityTimeout": str(PROCESSING_VISIBILITY_SECONDS), "RedrivePolicy": redrive},
        )
        arns[name] = _queue_arn(created["QueueUrl"])
    arns[ANALYSIS_REQUESTS_QUEUE] = _queue_arn(sqs().create_queue(QueueName=ANALYSIS_REQUESTS_QUEUE)["QueueUrl"])
    for rule, detail_type, queue in (
        ("quollo-analysis-completed", ANALYSIS_COMPLETED, schema.ANALYSIS_QUEUE_DEFAULT),
        ("quollo-recording-uploaded", RECORDING_UPLOADED, ANALYSIS_REQUESTS_QUEUE),
    ):
        events().put_rule(Name=rule, EventBusName=bus, EventPattern=json.dumps(pattern(detail_type)))
        events().put_targets(Rule=rule, EventBusName=bus, Targets=[{"Id": "queue", "Arn": arns[queue]}])


def notify_recordings() -> None:
    """S3 ObjectCreated under the records prefix -> the recordings queue, as the Data stack sets it.

    Separate from `provision` for `quollo serve`, which sets it after the seed and a loaded state
    have stored their recordings: putting a saved recording back is not an upload."""
    recordings_queue = sqs().get_queue_url(QueueName=schema.RECORDINGS_QUEUE_DEFAULT)["QueueUrl"]
    s3().put_bucket_notification_configuration(
        Bucket=settings().records_bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "Id": "recordings",
                    "QueueArn": _queue_arn(recordings_queue),
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": schema.RECORDS_PREFIX}]}},
                }
            ]
        },
    )


def provision(notifications: bool = True) -> None:
    """Idempotent: safe to run against an endpoint that already has some of the resources."""
    for spec in schema.TABLES:
        _create_table(spec)
    _create_bucket()
    _create_cursor_secret()
    _create_webhook_queues()
    _create_post_processing()
    if notifications:
        notify_recordings()
