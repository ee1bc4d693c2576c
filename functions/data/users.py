"""Users and their credit balances (table `users`).

Beside the balance, two counters that only grow let an audit reconcile it (functions/domain/audit.py):
`granted`, every credit ever added, and `consumed`, every charged interview deleted without a refund.
Then balance = granted - consumed - (charged interviews that exist). A user stored before the
counters has no `granted`, and the audit says it cannot reconcile that balance.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from functions.data.aws import dynamodb, from_item, to_item
from functions.data.paging import every_item
from functions.data.settings import settings
from functions.models.entities.accounts import User
from functions.models.errors import UnknownUser
from functions.records import record

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef


def _user(item: Mapping[str, Any]) -> User:
    values = from_item(item)
    return User(id=values["userId"], name=values["name"], balance=values["balance"], created_at=values["createdAt"])


def get_user(user_id: str) -> User | None:
    found = dynamodb().get_item(TableName=settings().users_table, Key={"userId": {"S": user_id}}, ConsistentRead=True)
    return _user(found["Item"]) if "Item" in found else None


def get_balance(user_id: str) -> int:
    found = dynamodb().get_item(
        TableName=settings().users_table,
        Key={"userId": {"S": user_id}},
        ConsistentRead=True,
        ProjectionExpression="balance",
    )
    if "Item" not in found:
        raise UnknownUser(f"user {user_id} does not exist")
    return int(found["Item"]["balance"]["N"])


def grant_item(user_id: str, amount: int) -> TransactWriteItemTypeDef:
    """A transaction item that adds `amount` credits to an existing user (and to its `granted` count)."""
    return {
        "Update": {
            "TableName": settings().users_table,
            "Key": {"userId": {"S": user_id}},
            "UpdateExpression": "ADD balance :n, granted :n",
            "ConditionExpression": "attribute_exists(userId)",
            "ExpressionAttributeValues": {":n": {"N": str(amount)}},
        }
    }


def new_user_item(user: User) -> TransactWriteItemTypeDef:
    """A transaction item that puts a new user with its starting balance (granted)."""
    return {
        "Put": {
            "TableName": settings().users_table,
            "Item": to_item(
                {
                    "userId": user.id,
                    "name": user.name,
                    "balance": user.balance,
                    "granted": user.balance,
                    "consumed": 0,
                    "createdAt": user.created_at,
                }
            ),
            "ConditionExpression": "attribute_not_exists(userId)",
        }
    }


def debit_item(user_id: str) -> TransactWriteItemTypeDef:
    """A transaction item that takes one credit, only if the balance holds one.

    Conditioned on `balance >= 1` rather than on the balance last read: concurrent creates on
    one account then never invalidate each other's condition, only (on DynamoDB) meet in a
    TransactionConflict, which the domain retries (docs/decisions.md).
    """
    return _balance_change(user_id, "balance - :one", "attribute_exists(userId) AND balance >= :one")


def refund_item(user_id: str) -> TransactWriteItemTypeDef:
    """A transaction item that gives one credit back."""
    return _balance_change(user_id, "balance + :one", "attribute_exists(userId)")


def consume_item(user_id: str) -> TransactWriteItemTypeDef:
    """A transaction item that counts a charged interview deleted without a refund (its credit used)."""
    return {
        "Update": {
            "TableName": settings().users_table,
            "Key": {"userId": {"S": user_id}},
            "UpdateExpression": "ADD #consumed :one",
            "ConditionExpression": "attribute_exists(userId)",
            "ExpressionAttributeNames": {"#consumed": "consumed"},  # a DynamoDB reserved word
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        }
    }


def _balance_change(user_id: str, new_balance: str, condition: str) -> TransactWriteItemTypeDef:
    return {
        "Update": {
            "TableName": settings().users_table,
            "Key": {"userId": {"S": user_id}},
            "UpdateExpression": f"SET balance = {new_balance}",
            "ConditionExpression": condition,
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        }
    }


@record
class Credits:
    """A user's balance and the counters that reconcile it (granted None: stored before they were kept)."""

    user_id: str
    balance: int
    granted: int | None
    consumed: int


def _credits(item: Mapping[str, Any]) -> Credits:
    values = from_item(item)
    granted = values.get("granted")
    return Credits(
        values["userId"],
        int(values["balance"]),
        None if granted is None else int(granted),
        int(values.get("consumed", 0)),
    )


def credits_of(user_id: str) -> Credits | None:
    found = dynamodb().get_item(TableName=settings().users_table, Key={"userId": {"S": user_id}}, ConsistentRead=True)
    return _credits(found["Item"]) if "Item" in found else None


def every_credits() -> Iterator[Credits]:
    """Every user's credits, by a strongly consistent Scan."""
    for item in every_item("scan", {"TableName": settings().users_table, "ConsistentRead": True}):
        yield _credits(item)
