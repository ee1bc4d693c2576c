"""Users, tokens, credits and plans to start the local server with: a demo set or a seed file.

Seed file format (JSON), documented in docs/local.md; every field but `name` is optional:

    {"users": [{"id": "usr_acme", "name": "Acme Recruiting", "credits": 10,
                "tokens": ["qlo_live_..."],            # or [] / absent: one token is generated
                "plans": [{"id": "plan_backend", "name": "Backend engineer", "tags": ["backend"],
                           "seniority": "SENIOR", "language": "EN"}]}]}
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from functions.data.tokens import DEFAULT_RATE_LIMIT
from functions.domain import accounts, plans
from functions.models.vocabulary import Seniority


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class SeedPlan(_Strict):
    id: str | None = None
    name: Annotated[str, Field(min_length=1, max_length=200)]
    tags: list[str] = Field(default_factory=list)
    seniority: Seniority | None = None
    language: Annotated[str, Field(min_length=2, max_length=2)] = "EN"


class SeedUser(_Strict):
    id: str | None = None
    name: Annotated[str, Field(min_length=1, max_length=200)]
    credits: Annotated[int, Field(ge=0)] = 0
    tokens: list[str] | None = None
    # Requests a minute for each of the user's tokens; a CI suite against `quollo serve` may want more.
    rateLimit: Annotated[int, Field(ge=1, le=100_000)] = DEFAULT_RATE_LIMIT
    plans: list[SeedPlan] = Field(default_factory=list)


class SeedFile(_Strict):
    users: list[SeedUser]


DEMO = SeedFile(
    users=[
        SeedUser(
            name="Demo recruiter",
            credits=10,
            plans=[
                SeedPlan(name="Backend engineer — interview", tags=["backend", "python", "aws"], seniority="SENIOR"),
                SeedPlan(name="Frontend engineer — screening", tags=["frontend", "react"], seniority="MIDDLE"),
            ],
        )
    ]
)


def load(path: Path) -> SeedFile:
    return SeedFile.model_validate(json.loads(path.read_text(encoding="utf-8")))


def apply(seed: SeedFile) -> list[dict[str, Any]]:
    """Create everything in the seed; returns what a person needs to use it (ids and tokens)."""
    created = []
    for entry in seed.users:
        user = accounts.create_user(entry.name, entry.credits, user_id=entry.id)
        issued = [
            accounts.create_token(user.id, token, rate_limit=entry.rateLimit)
            for token in (entry.tokens or [None])  # type: ignore[list-item]
        ]
        plan_ids = [
            plans.create(user.id, plan.name, plan.tags, plan.seniority, plan.language, plan_id=plan.id).id
            for plan in entry.plans
        ]
        created.append(
            {
                "userId": user.id,
                "name": user.name,
                "balance": user.balance,
                "tokens": [{"tokenId": token_id, "token": token} for token_id, token in issued],
                "planIds": plan_ids,
            }
        )
    return created
