"""Interview plans, keyed by owner so that ownership is part of every lookup (table `plans`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from functions.data.aws import dynamodb, from_item, to_item
from functions.data.errors import on_condition_failure
from functions.data.paging import query_page
from functions.data.settings import settings
from functions.models.entities.page import Page
from functions.models.entities.plans import Plan
from functions.models.errors import Conflict

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef


def _plan(item: dict[str, Any]) -> Plan:
    values = from_item(item)
    return Plan(
        id=values["planId"],
        owner_id=values["ownerId"],
        name=values["name"],
        tags=json.loads(values.get("tags", "[]")),
        seniority=values.get("seniority"),
        language=values["language"],
    )


def _key(owner_id: str, plan_id: str) -> dict[str, Any]:
    return {"ownerId": {"S": owner_id}, "planId": {"S": plan_id}}


def put_plan(plan: Plan, created_at: str) -> None:
    with on_condition_failure(Conflict(f"plan {plan.id} already exists for user {plan.owner_id}")):
        _put_plan(plan, created_at)


def _put_plan(plan: Plan, created_at: str) -> None:
    dynamodb().put_item(
        TableName=settings().plans_table,
        Item=to_item(
            {
                "ownerId": plan.owner_id,
                "planId": plan.id,
                "name": plan.name,
                # JSON keeps an empty tag list (DynamoDB has no empty sets) and its order.
                "tags": json.dumps(plan.tags),
                "seniority": plan.seniority,
                "language": plan.language,
                "createdAt": created_at,
            }
        ),
        ConditionExpression="attribute_not_exists(planId)",
    )


def exists(owner_id: str, plan_id: str) -> bool:
    found = dynamodb().get_item(
        TableName=settings().plans_table, Key=_key(owner_id, plan_id), ProjectionExpression="planId"
    )
    return "Item" in found


def owned_plan_check(owner_id: str, plan_id: str) -> TransactWriteItemTypeDef:
    """A transaction item that fails unless the plan exists under this owner."""
    return {
        "ConditionCheck": {
            "TableName": settings().plans_table,
            "Key": _key(owner_id, plan_id),
            "ConditionExpression": "attribute_exists(planId)",
        }
    }


def query(owner_id: str, limit: int, start_key: dict[str, Any] | None) -> Page[Plan]:
    params: dict[str, Any] = {
        "TableName": settings().plans_table,
        "KeyConditionExpression": "ownerId = :o",
        "ExpressionAttributeValues": {":o": {"S": owner_id}},
        "Limit": limit,
    }
    return query_page(params, start_key, _plan)
