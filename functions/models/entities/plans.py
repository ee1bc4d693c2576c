"""Plans."""

from __future__ import annotations

from functions.records import record


@record
class Plan:
    id: str
    owner_id: str
    name: str
    tags: list[str]
    seniority: str | None
    language: str
