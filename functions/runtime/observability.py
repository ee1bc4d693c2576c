"""Logger, Metrics and Tracer: one of each per function, and the business metrics we emit.

Metrics go out as CloudWatch embedded metric format on stdout (no network call, no cold-start
cost). Tracer is built only where it will trace: Powertools' Tracer imports the X-Ray SDK even
when disabled (110-140 ms of cold start, see bench/report.md), so outside Lambda, or with
POWERTOOLS_TRACE_DISABLED (the stack's `-c tracer=false`), no Tracer is created at all.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.shared import constants
from aws_lambda_powertools.shared.functions import resolve_truthy_env_var_choice

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

SERVICE = "quollo"
NAMESPACE = "Quollo"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", NAMESPACE), service=SERVICE)


class Metric(StrEnum):
    INTERVIEWS_CREATED = "InterviewsCreated"
    CREDITS_DEBITED = "CreditsDebited"
    CREDITS_REFUNDED = "CreditsRefunded"
    INSUFFICIENT_BALANCE = "InsufficientBalanceRejections"
    AUTH_FAILURES = "AuthFailures"


def count(metric: Metric, value: int = 1) -> None:
    metrics.add_metric(name=metric.value, unit=MetricUnit.Count, value=value)


def in_lambda() -> bool:
    """Running in AWS Lambda itself, not an emulator (SAM local, chalice local), by Powertools' constants."""
    emulated = os.environ.get(constants.SAM_LOCAL_ENV) or os.environ.get(constants.CHALICE_LOCAL_ENV)
    return bool(os.environ.get(constants.LAMBDA_TASK_ROOT_ENV)) and not emulated


def snapstart_init() -> bool:
    """This is the initialisation Lambda snapshots for SnapStart (its documented variable)."""
    return os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "snap-start"


def _reseed_after_restore() -> None:
    """Give each environment restored from a SnapStart snapshot its own `random` state.

    The module-level generator is seeded once, during the snapshotted init; without a new seed every
    restored environment would draw the same numbers: the webhook retry jitter
    (domain/webhook_delivery.py) and botocore's retry backoff would then fire in lockstep.
    `random.seed()` with no argument takes fresh bytes from the OS.
    """
    try:
        from snapshot_restore_py import register_after_restore
    except ImportError:  # Lambda's Python runtimes ship it; elsewhere there is no snapshot to restore
        return
    register_after_restore(random.seed)


if snapstart_init():
    _reseed_after_restore()


def _tracing_wanted() -> bool:
    # Powertools' own rule (Tracer._is_tracer_disabled), read without constructing a Tracer.
    disabled = resolve_truthy_env_var_choice(env=os.environ.get(constants.TRACER_DISABLED_ENV, "false"))
    return in_lambda() and not disabled


def _build_tracer() -> Tracer | None:
    if not _tracing_wanted():
        return None
    from aws_lambda_powertools import Tracer

    return Tracer(service=SERVICE)


tracer = _build_tracer()

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def instrument(handler: Handler) -> Handler:
    """Flush the metrics an invocation added (and trace it, where tracing is on)."""

    # In place of metrics.log_metrics, which flushes after every invocation: a flush with nothing to
    # publish (every read) still reads the environment and raises a warning for the filter to drop,
    # which is most of what the wrappers cost a warm request (bench/overhead.py).
    def with_cleared_metrics(event: dict[str, Any], context: Any) -> dict[str, Any]:
        try:
            return handler(event, context)
        finally:
            if metrics.metric_set:
                metrics.flush_metrics()
                if metrics.metric_set:
                    # Disabled, Powertools neither prints nor clears, so the set would grow until
                    # its 100-value auto-flush prints anyway (aws-lambda-powertools 3.37).
                    metrics.clear_metrics()

    if tracer is None:
        return with_cleared_metrics
    # The response holds the pin: never copy it into trace metadata.
    return tracer.capture_lambda_handler(with_cleared_metrics, capture_response=False)
