"""A page of a query: its items and the key to continue from."""

from __future__ import annotations

from typing import Any

from functions.records import record


@record
class Page[T]:
    items: list[T]
    last_key: dict[str, Any] | None
