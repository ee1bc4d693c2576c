"""Candidates and jobs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Candidate:
    id: str
    owner_id: str
    name: str
    email: str | None
    external_id: str | None
    job_ids: list[str]
    metadata: dict[str, Any] | None
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class Job:
    id: str
    owner_id: str
    title: str
    external_id: str | None
    metadata: dict[str, Any] | None
    created_at: str
    updated_at: str
