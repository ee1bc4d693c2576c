"""Typed settings, read from the environment once, on first use (never at import time)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

from functions.data import schema


@dataclass(frozen=True)
class Settings:
    users_table: str
    tokens_table: str
    plans_table: str
    interviews_table: str
    idempotency_table: str
    records_bucket: str
    cursor_secret: str
    endpoint_url: str | None  # set for the local server (moto); None on AWS

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ

        def table(spec: schema.TableSpec) -> str:
            return env.get(spec.env_var) or spec.default_name

        return cls(
            users_table=table(schema.USERS),
            tokens_table=table(schema.TOKENS),
            plans_table=table(schema.PLANS),
            interviews_table=table(schema.INTERVIEWS),
            idempotency_table=table(schema.IDEMPOTENCY),
            records_bucket=env.get(schema.RECORDS_BUCKET_ENV) or schema.RECORDS_BUCKET_DEFAULT,
            cursor_secret=env.get(schema.CURSOR_SECRET_ENV) or schema.CURSOR_SECRET_DEFAULT,
            endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
        )


@cache
def settings() -> Settings:
    return Settings.from_env()
