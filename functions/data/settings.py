"""Where the data lives: table, bucket and secret names, read from the environment on first use.

In Lambda the stack sets every name a function uses; a name that is missing is an error naming
its variable, never a silent fallback to the local names (which would read or write another
table). `quollo serve`, `quollo admin`, the tests and the bench call `use_local_defaults()` first;
they then fall back to the names `quollo serve` provisions.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache

from functions.data import schema
from functions.records import record

DEPLOY_CHECK_TOKEN_SECRET_ENV = "QUOLLO_DEPLOY_CHECK_TOKEN_SECRET"  # noqa: S105 (a variable name, no secret)
_local_defaults = False
_local_receivers = False


class MissingSetting(RuntimeError):
    """A variable the stack should have set is missing: a deployment error, not a request error."""


def use_local_defaults() -> None:
    """Let missing names fall back to the local defaults (local server, admin CLI, tests, bench)."""
    global _local_defaults
    _local_defaults = True
    settings.cache_clear()


def allow_local_receivers(allowed: bool = True) -> None:
    """`quollo serve` only: webhooks may target http://127.0.0.1 and localhost, for local testing."""
    global _local_receivers
    _local_receivers = allowed
    settings.cache_clear()


@record
class Settings:
    environment: Mapping[str, str]
    local_defaults: bool
    local_receivers: bool = False

    def _name(self, variable: str, default: str) -> str:
        value = self.environment.get(variable)
        if value:
            return value
        if self.local_defaults:
            return default
        raise MissingSetting(f"environment variable {variable} is not set; the stack sets it for each function")

    def table(self, spec: schema.TableSpec) -> str:
        return self._name(spec.env_var, spec.default_name)

    @property
    def users_table(self) -> str:
        return self.table(schema.USERS)

    @property
    def tokens_table(self) -> str:
        return self.table(schema.TOKENS)

    @property
    def plans_table(self) -> str:
        return self.table(schema.PLANS)

    @property
    def interviews_table(self) -> str:
        return self.table(schema.INTERVIEWS)

    @property
    def idempotency_table(self) -> str:
        return self.table(schema.IDEMPOTENCY)

    @property
    def ratelimits_table(self) -> str:
        return self.table(schema.RATE_LIMITS)

    @property
    def talent_table(self) -> str:
        return self.table(schema.TALENT)

    @property
    def ledger_table(self) -> str:
        return self.table(schema.LEDGER)

    @property
    def records_bucket(self) -> str:
        return self._name(schema.RECORDS_BUCKET_ENV, schema.RECORDS_BUCKET_DEFAULT)

    @property
    def cursor_secret(self) -> str:
        return self._name(schema.CURSOR_SECRET_ENV, schema.CURSOR_SECRET_DEFAULT)

    @property
    def deploy_check_token_secret(self) -> str | None:
        """The secret holding the token the deploy-check hook reads with (the stack sets it only when
        `-c deploy_check_token_secret` is given); None: the hook checks the unauthenticated answer only."""
        return self.environment.get(DEPLOY_CHECK_TOKEN_SECRET_ENV) or None

    @property
    def webhooks_table(self) -> str:
        return self.table(schema.WEBHOOKS)

    @property
    def webhook_deliveries_table(self) -> str:
        return self.table(schema.WEBHOOK_DELIVERIES)

    @property
    def events_table(self) -> str:
        return self.table(schema.EVENTS)

    @property
    def webhook_queue(self) -> str:
        """The delivery queue's URL (the stack) or name (local)."""
        return self._name(schema.WEBHOOK_QUEUE_ENV, schema.WEBHOOK_QUEUE_DEFAULT)

    @property
    def webhook_dlq(self) -> str:
        return self._name(schema.WEBHOOK_DLQ_ENV, schema.WEBHOOK_DLQ_DEFAULT)

    @property
    def event_bus(self) -> str:
        """The post-processing bus's name (the stack's, or the local server's)."""
        return self._name(schema.EVENT_BUS_ENV, schema.EVENT_BUS_DEFAULT)

    @property
    def processing_dlq(self) -> str:
        """The post-processing dead-letter queue's URL (the stack) or name (local)."""
        return self._name(schema.PROCESSING_DLQ_ENV, schema.PROCESSING_DLQ_DEFAULT)

    @property
    def webhook_retry_seconds(self) -> tuple[float, ...] | None:
        """QUOLLO_WEBHOOK_RETRY_SECONDS="1,2,4": a shorter retry schedule for `quollo serve` and tests."""
        raw = self.environment.get("QUOLLO_WEBHOOK_RETRY_SECONDS")
        if not raw:
            return None
        try:
            delays = tuple(float(part) for part in raw.split(","))
        except ValueError as exc:
            raise MissingSetting(f"QUOLLO_WEBHOOK_RETRY_SECONDS must be comma-separated seconds, not {raw!r}") from exc
        if any(delay < 0 for delay in delays):
            raise MissingSetting("QUOLLO_WEBHOOK_RETRY_SECONDS must hold no negative delay")
        return delays

    @property
    def webhook_send_seconds(self) -> float | None:
        """QUOLLO_WEBHOOK_SEND_SECONDS="2": a shorter send budget for tests (the stack keeps 10 s)."""
        raw = self.environment.get("QUOLLO_WEBHOOK_SEND_SECONDS")
        if not raw:
            return None
        try:
            seconds = float(raw)
        except ValueError as exc:
            raise MissingSetting(f"QUOLLO_WEBHOOK_SEND_SECONDS must be seconds, not {raw!r}") from exc
        if not 0 < seconds <= 10:
            raise MissingSetting("QUOLLO_WEBHOOK_SEND_SECONDS must be more than 0 and at most 10")
        return seconds

    @property
    def endpoint_url(self) -> str | None:
        """Set for the local server (moto); None on AWS."""
        return self.environment.get("AWS_ENDPOINT_URL") or None


@cache
def settings() -> Settings:
    # A snapshot: the names cannot change under a warm container.
    return Settings(environment=dict(os.environ), local_defaults=_local_defaults, local_receivers=_local_receivers)


def check_deployed() -> str:
    """At a Lambda cold start: the one name every function gets must be there (the others are checked on use)."""
    return settings().records_bucket
