"""Where Powertools keeps idempotency records: the idempotency table, through its DynamoDB layer."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from functions.data.aws import dynamodb
from functions.runtime.settings import settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer


@cache
def persistence_store() -> DynamoDBPersistenceLayer:
    # Imported here: only the create and delete functions use idempotency.
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    return DynamoDBPersistenceLayer(table_name=settings().idempotency_table, boto3_client=dynamodb())
