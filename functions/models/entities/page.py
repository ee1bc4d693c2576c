"""A page of a query: its items and the key to continue from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Page[T]:
    items: list[T]
    last_key: dict[str, Any] | None
