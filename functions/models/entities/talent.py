"""Candidates and jobs."""

from __future__ import annotations

from typing import Any

from functions.records import record


@record
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


@record
class Job:
    id: str
    owner_id: str
    title: str
    external_id: str | None
    metadata: dict[str, Any] | None
    created_at: str
    updated_at: str
