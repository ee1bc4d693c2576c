"""Room tokens, stored only as the SHA-256 of the secret, in the tokens table beside API tokens.

Their items hold `room` (the interview id) and `ownerId`, never `userId` or `tokenId`: the API-token
lookup, `quollo admin list-tokens` and `revoke-token` never see them. DynamoDB's TTL removes an item
some time after its `expiresAt`; until then the expiry is checked on every use.
"""

from __future__ import annotations

from functions.data.aws import dynamodb, from_item, to_item
from functions.data.settings import settings
from functions.models.entities.room_access import RoomToken


def put(token_hash: str, token: RoomToken, created_at: str) -> None:
    dynamodb().put_item(
        TableName=settings().tokens_table,
        Item=to_item(
            {
                "tokenHash": token_hash,
                "room": token.interview_id,
                "ownerId": token.owner_id,
                "createdAt": created_at,
                "expiresAt": int(token.expires_at),
            }
        ),
        ConditionExpression="attribute_not_exists(tokenHash)",
    )


def get(token_hash: str) -> RoomToken | None:
    found = dynamodb().get_item(
        TableName=settings().tokens_table,
        Key={"tokenHash": {"S": token_hash}},
        ProjectionExpression="#room, ownerId, expiresAt",
        ExpressionAttributeNames={"#room": "room"},
    )
    values = from_item(found.get("Item") or {})
    if "room" not in values:  # unknown, or an API token's hash
        return None
    return RoomToken(str(values["room"]), str(values["ownerId"]), float(values["expiresAt"]))
