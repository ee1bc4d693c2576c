"""Where Powertools keeps idempotency records: the idempotency table, through its DynamoDB layer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from functions.data.aws import dynamodb
from functions.data.settings import settings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
    from mypy_boto3_dynamodb import DynamoDBClient


class PersistenceStore:
    """One owner's persistence layer, built on first use.

    Powertools' layer holds per-function state (its key prefix, its configuration) and is meant
    to live once per Lambda process. Each route copy of `quollo serve` owns one of these, as
    each Lambda process does; a layer shared between routes would save one route's result
    under the other's prefix. It follows the process's current client and table, which tests
    and the bench replace between moto servers.
    """

    def __init__(self) -> None:
        self._layer: DynamoDBPersistenceLayer | None = None
        self._built_for: tuple[DynamoDBClient, str] | None = None

    def layer(self) -> DynamoDBPersistenceLayer:
        # Imported here: only the create and delete functions use idempotency.
        from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

        wanted = (dynamodb(), settings().idempotency_table)
        if (
            self._layer is None
            or self._built_for is None
            or self._built_for[0] is not wanted[0]
            or self._built_for[1] != wanted[1]
        ):
            self._layer = DynamoDBPersistenceLayer(table_name=wanted[1], boto3_client=wanted[0])
            self._built_for = wanted
        return self._layer
