"""A user's API tokens as `quollo admin` lists them (table `tokens`, index byUser); no route imports this."""

from __future__ import annotations

from typing import Any

from functions.data.aws import dynamodb, from_item
from functions.data.settings import settings
from functions.data.tokens import DEFAULT_RATE_LIMIT
from functions.models.entities.token_listing import TokenListing


def list_for_user(user_id: str) -> list[TokenListing]:
    """Every token of the user, oldest first (one Query per page of the byUser index)."""
    listed: list[TokenListing] = []
    params: dict[str, Any] = {
        "TableName": settings().tokens_table,
        "IndexName": "byUser",
        "KeyConditionExpression": "userId = :u",
        "ExpressionAttributeValues": {":u": {"S": user_id}},
        "ProjectionExpression": "tokenId, createdAt, revokedAt, rateLimit",
    }
    while True:
        found = dynamodb().query(**params)
        for item in found["Items"]:
            values = from_item(item)
            listed.append(
                TokenListing(
                    values["tokenId"],
                    values["createdAt"],
                    values.get("revokedAt"),
                    int(values.get("rateLimit", DEFAULT_RATE_LIMIT)),
                )
            )
        if "LastEvaluatedKey" not in found:
            return listed
        params["ExclusiveStartKey"] = found["LastEvaluatedKey"]
