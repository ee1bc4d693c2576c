"""Plans."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    id: str
    owner_id: str
    name: str
    tags: list[str]
    seniority: str | None
    language: str
