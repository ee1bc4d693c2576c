"""One page of a DynamoDB Query, from where the last page stopped."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from functions.data.aws import dynamodb
from functions.models.entities import Page


def query_page[T](
    params: dict[str, Any], start_key: dict[str, Any] | None, parse: Callable[[dict[str, Any]], T]
) -> Page[T]:
    """Run the Query `params` from `start_key` (the first page when None); `parse` reads each item as returned."""
    if start_key:
        params = {**params, "ExclusiveStartKey": start_key}
    found = dynamodb().query(**params)
    return Page(items=[parse(item) for item in found["Items"]], last_key=found.get("LastEvaluatedKey"))
