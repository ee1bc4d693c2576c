"""One page of a DynamoDB Query, from where the last page stopped; every item of a Query or Scan."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from functions.data.aws import dynamodb
from functions.models.entities.page import Page


def query_page[T](
    params: dict[str, Any], start_key: dict[str, Any] | None, parse: Callable[[dict[str, Any]], T]
) -> Page[T]:
    """Run the Query `params` from `start_key` (the first page when None); `parse` reads each item as returned."""
    if start_key:
        params = {**params, "ExclusiveStartKey": start_key}
    found = dynamodb().query(**params)
    return Page(items=[parse(item) for item in found["Items"]], last_key=found.get("LastEvaluatedKey"))


def every_item(operation: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every item of a Query or Scan (`operation`), page after page, as returned (the audit reads whole tables)."""
    paginator = dynamodb().get_paginator(operation)  # type: ignore[call-overload]
    for page in paginator.paginate(**params):
        yield from page.get("Items", [])
