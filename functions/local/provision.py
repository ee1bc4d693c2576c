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


def provision() -> None:
    """Idempotent: safe to run against an endpoint that already has some of the resources."""
    for spec in schema.TABLES:
        _create_table(spec)
    _create_bucket()
    _create_cursor_secret()
    _create_webhook_queues()
