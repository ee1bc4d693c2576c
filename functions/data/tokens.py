"""API tokens, stored only as the SHA-256 hash of the secret (table `tokens`)."""

from __future__ import annotations

from typing import Any

from functions.data.aws import dynamodb, from_item, to_item
from functions.data.errors import on_condition_failure
from functions.data.settings import settings
from functions.models.entities import Token, TokenListing
from functions.models.errors import NotFound


def get_by_hash(token_hash: str) -> Token | None:
    # Strongly consistent, never cached: a revocation must hold on the very next request.
    found = dynamodb().get_item(
        TableName=settings().tokens_table, Key={"tokenHash": {"S": token_hash}}, ConsistentRead=True
    )
    if "Item" not in found:
        return None
    values = from_item(found["Item"])
    return Token(token_id=values["tokenId"], user_id=values["userId"], revoked="revokedAt" in values)


def put_token(token_hash: str, token_id: str, user_id: str, created_at: str) -> None:
    dynamodb().put_item(
        TableName=settings().tokens_table,
        Item=to_item({"tokenHash": token_hash, "tokenId": token_id, "userId": user_id, "createdAt": created_at}),
        ConditionExpression="attribute_not_exists(tokenHash)",
    )


def revoke(token_id: str, revoked_at: str) -> None:
    found = dynamodb().query(
        TableName=settings().tokens_table,
        IndexName="byTokenId",
        KeyConditionExpression="tokenId = :id",
        ExpressionAttributeValues={":id": {"S": token_id}},
    )
    if not found["Items"]:
        raise NotFound(f"token {token_id} does not exist")
    with on_condition_failure(NotFound(f"token {token_id} does not exist")):
        dynamodb().update_item(
            TableName=settings().tokens_table,
            Key={"tokenHash": found["Items"][0]["tokenHash"]},
            UpdateExpression="SET revokedAt = if_not_exists(revokedAt, :at)",
            ConditionExpression="attribute_exists(tokenHash)",
            ExpressionAttributeValues={":at": {"S": revoked_at}},
        )


def list_for_user(user_id: str) -> list[TokenListing]:
    """Every token of the user, oldest first (one Query per page of the byUser index)."""
    listed: list[TokenListing] = []
    params: dict[str, Any] = {
        "TableName": settings().tokens_table,
        "IndexName": "byUser",
        "KeyConditionExpression": "userId = :u",
        "ExpressionAttributeValues": {":u": {"S": user_id}},
        "ProjectionExpression": "tokenId, createdAt, revokedAt",
    }
    while True:
        found = dynamodb().query(**params)
        for item in found["Items"]:
            values = from_item(item)
            listed.append(TokenListing(values["tokenId"], values["createdAt"], values.get("revokedAt")))
        if "LastEvaluatedKey" not in found:
            return listed
        params["ExclusiveStartKey"] = found["LastEvaluatedKey"]
