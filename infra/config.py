"""Deployment settings, read from CDK context (`cdk.json` defaults, `-c key=value` overrides)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from aws_cdk import RemovalPolicy
from aws_cdk import aws_logs as logs
from constructs import Node

STAGES = ("dev", "prod")


@dataclass(frozen=True)
class StageConfig:
    stage: str
    throttling_rate_limit: float
    throttling_burst_limit: int
    log_retention: logs.RetentionDays
    log_level: str
    # Per unit of a route's concurrency weight (functions/routes.py); None reserves nothing.
    reserved_concurrency: int | None
    # The account's concurrent-executions quota, and what is kept free beside Lambda's own 100 for
    # the functions without a reservation (webhook workers, weight-0 routes) and anything else in
    # the account: synth fails when the reservations do not fit (infra/concurrency.py).
    account_concurrency: int
    concurrency_margin: int
    # Recordings are personal data: when set, S3 deletes each one this many days after its upload.
    recordings_retention_days: int | None
    # Powertools Tracer in the functions (boto3 subsegments). Off keeps Lambda's own active
    # tracing but skips the X-Ray SDK import on cold start (bench/report.md has the cost).
    tracer: bool
    # Abuse limits, alarms and rollouts (docs/decisions.md, 12-14); defaults per stage in STAGE_DEFAULTS.
    alarms: AlarmThresholds
    # Where alarm notifications are e-mailed (`-c alarm_email=...`); None: the topic has no subscriber.
    alarm_email: str | None
    # An existing SNS topic every alarm notifies too (`-c alarm_topic_arn=...`: AWS Chatbot, PagerDuty).
    # prod needs this or alarm_email: alarms that page nobody are no alarms.
    alarm_topic_arn: str | None
    # CodeDeploy canary (10% for 5 minutes, then all) with automatic rollback on alarms.
    canary_deploys: bool
    # Lambda SnapStart for Python, on published versions (the `live` alias); priced per use.
    snapstart: bool
    waf: bool
    # Requests per IP per 5 minutes before the WAF rate-based rule answers 429.
    waf_rate_limit: int
    # Webhooks: at most this many delivery functions at once (the SQS event source's
    # maximum concurrency), so slow receivers cannot take the account's concurrency from the API.
    webhook_delivery_concurrency: int = 10
    # A Secrets Manager secret (name or ARN) holding the smoke-test user's token
    # (`-c deploy_check_token_secret=...`): the deploy-check hook then also reads through each new
    # version of a read route with it. None: the hook checks the unauthenticated answer only.
    deploy_check_token_secret: str | None = None
    # The analysis service's role (`-c analysis_role_arn=arn:aws:iam::<account>:role/<name>`): the bus's
    # policy lets it put Analysis Completed events; None: nobody outside the stack may put events.
    analysis_role_arn: str | None = None

    @property
    def is_prod(self) -> bool:
        return self.stage == "prod"

    @property
    def removal_policy(self) -> RemovalPolicy:
        """Production data outlives the stack; dev stacks clean up after themselves."""
        return RemovalPolicy.RETAIN if self.is_prod else RemovalPolicy.DESTROY

    @classmethod
    def from_context(cls, node: Node) -> StageConfig:
        def get(key: str, default: Any = None) -> Any:
            value = node.try_get_context(key)
            # `-c key=` on the command line and `null` in cdk.json both mean "not set".
            return default if value is None or value == "" else value

        stage = str(get("stage", "dev"))
        if stage not in STAGES:
            raise ValueError(f"context stage must be one of {STAGES}, got {stage!r}")
        reserved = get("reserved_concurrency")
        defaults = STAGE_DEFAULTS[stage]
        alarm_email = get("alarm_email")
        alarm_topic_arn = _topic_arn(get("alarm_topic_arn"))
        if stage == "prod" and alarm_email is None and alarm_topic_arn is None:
            raise ValueError(
                "stage prod sends its alarms nowhere: pass -c alarm_email=oncall@... (confirm the mail AWS "
                "sends) or -c alarm_topic_arn=arn:aws:sns:<region>:<account>:<topic> (an existing topic in "
                "the stack's region: AWS Chatbot, PagerDuty); docs/deploy.md, Alarms"
            )
        return cls(
            stage=stage,
            throttling_rate_limit=float(get("throttling_rate_limit", defaults.throttling_rate_limit)),
            throttling_burst_limit=int(get("throttling_burst_limit", defaults.throttling_burst_limit)),
            log_retention=logs.RetentionDays[str(get("log_retention", "ONE_MONTH"))],
            log_level=str(get("log_level", "INFO")).upper(),
            reserved_concurrency=_reserved(reserved, defaults.reserved_concurrency),
            account_concurrency=int(get("account_concurrency", ACCOUNT_CONCURRENCY)),
            concurrency_margin=int(get("concurrency_margin", CONCURRENCY_MARGIN)),
            recordings_retention_days=_positive_or_none(get("recordings_retention_days"), "recordings_retention_days"),
            tracer=_flag(get("tracer", True), "tracer"),
            alarms=AlarmThresholds.from_context(get, defaults.alarms),
            alarm_email=None if alarm_email is None else str(alarm_email),
            alarm_topic_arn=alarm_topic_arn,
            canary_deploys=_flag(get("canary_deploys", stage == "prod"), "canary_deploys"),
            snapstart=_flag(get("snapstart", False), "snapstart"),
            waf=_flag(get("waf", defaults.waf), "waf"),
            waf_rate_limit=int(get("waf_rate_limit", defaults.waf_rate_limit)),
            webhook_delivery_concurrency=_delivery_concurrency(
                get("webhook_delivery_concurrency", defaults.webhook_delivery_concurrency)
            ),
            deploy_check_token_secret=_secret_name_or_arn(get("deploy_check_token_secret")),
            analysis_role_arn=_role_arn(get("analysis_role_arn")),
        )


def _positive_or_none(value: Any, key: str) -> int | None:
    if value is None:
        return None
    number = int(value)
    if number < 1:
        raise ValueError(f"context {key} must be a positive number of days, got {value!r}")
    return number


def _secret_name_or_arn(value: Any) -> str | None:
    if value is None:
        return None
    secret = str(value)
    if secret.startswith("arn:"):
        parts = secret.split(":")
        if len(parts) != 7 or parts[2] != "secretsmanager" or parts[5] != "secret" or not parts[6]:
            raise ValueError(f"context deploy_check_token_secret: not a Secrets Manager secret ARN: {value!r}")
    elif not re.fullmatch(r"[A-Za-z0-9/_+=.@-]{1,512}", secret):
        raise ValueError(f"context deploy_check_token_secret: not a secret name: {value!r}")
    return secret


def _topic_arn(value: Any) -> str | None:
    if value is None:
        return None
    arn = str(value)
    parts = arn.split(":")
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "sns" or not parts[5]:
        raise ValueError(f"context alarm_topic_arn must be an SNS topic ARN (arn:aws:sns:...), got {value!r}")
    return arn


def _role_arn(value: Any) -> str | None:
    if value is None:
        return None
    arn = str(value)
    parts = arn.split(":")
    if (
        len(parts) != 6
        or parts[0] != "arn"
        or parts[2] != "iam"
        or not parts[4].isdigit()
        or not parts[5].startswith("role/")
    ):
        raise ValueError(
            f"context analysis_role_arn must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), got {value!r}"
        )
    return arn


def _flag(value: Any, key: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text not in {"true", "false"}:
        raise ValueError(f"context {key} must be true or false, got {value!r}")
    return text == "true"


def _delivery_concurrency(value: Any) -> int:
    number = int(value)
    if not 2 <= number <= 1000:  # what an SQS event source's MaximumConcurrency accepts
        raise ValueError(f"context webhook_delivery_concurrency must be between 2 and 1000, got {value!r}")
    return number


def _reserved(value: Any, default: int) -> int | None:
    """`-c reserved_concurrency=N` sets it (per unit of weight); `=off` reserves nothing (accounts whose
    quota is under 100 + the margin + N x the route table's weights)."""
    if value is None:
        return default
    if str(value).strip().lower() in {"off", "none", "unset"}:
        return None
    return int(value)


@dataclass(frozen=True)
class AlarmThresholds:
    """Alarm thresholds; each is overridable with `-c alarm_<field>=value` (e.g. alarm_api_p99_latency_ms)."""

    # Share of requests answered 5xx over 5 minutes (API Gateway's 5XXError average, 0..1).
    api_5xx_rate: float
    api_p99_latency_ms: float
    # Per function, per minute: one minute so that a canary (5 minutes) can still roll back. Errors are
    # its crashes and timeouts plus its route's 5xx answers (monitoring.py, _route_errors).
    function_errors: int
    function_throttles: int
    function_p99_duration_ms: float
    # Per table, per 5 minutes, summed over the operations our code calls.
    table_throttled_requests: int
    table_system_errors: int
    # Our own metrics (namespace Quollo, service=quollo), per 5 minutes.
    auth_failures: int
    insufficient_balance_rejections: int
    # Requests the WAF blocked (every rule), per 5 minutes; prod only (dev has no WAF by default).
    waf_blocked_requests: int = 1000
    # The account's ConcurrentExecutions, as a share of `account_concurrency`, per minute.
    account_concurrency_share: float = 0.8

    @classmethod
    def from_context(cls, get: Callable[[str, Any], Any], defaults: AlarmThresholds) -> AlarmThresholds:
        values = {}
        for field in fields(cls):
            default = getattr(defaults, field.name)
            values[field.name] = type(default)(get(f"alarm_{field.name}", default))
        return cls(**values)


@dataclass(frozen=True)
class StageDefaults:
    throttling_rate_limit: float
    throttling_burst_limit: int
    reserved_concurrency: int
    waf: bool
    waf_rate_limit: int
    alarms: AlarmThresholds
    webhook_delivery_concurrency: int = 10


# A new account's default quota of concurrent executions, and what synth keeps free besides Lambda's 100.
ACCOUNT_CONCURRENCY = 1000
CONCURRENCY_MARGIN = 100

# Why these numbers: docs/decisions.md, 14 (limits) and 12 (alarms). Requests take 50-300 ms, so
# a function needs about rate x 0.3 s of concurrency. Reservations are per unit of a route's weight
# (functions/routes.py: 33 in all): prod's 10 reserves 330 (60 for each of the three busiest
# routes, what 200 req/s needs), which leaves room in a default quota of 1000 (900 reservable, less
# the margin); dev's 2 reserves 66 and caps a runaway test loop at 2-12 environments per route.
STAGE_DEFAULTS: dict[str, StageDefaults] = {
    "dev": StageDefaults(
        throttling_rate_limit=50,
        throttling_burst_limit=100,
        reserved_concurrency=2,
        waf=False,
        waf_rate_limit=1000,
        webhook_delivery_concurrency=5,
        alarms=AlarmThresholds(
            api_5xx_rate=0.05,
            api_p99_latency_ms=3000,
            function_errors=5,
            function_throttles=5,
            function_p99_duration_ms=5000,
            table_throttled_requests=10,
            table_system_errors=5,
            auth_failures=100,
            insufficient_balance_rejections=100,
        ),
    ),
    "prod": StageDefaults(
        throttling_rate_limit=200,
        throttling_burst_limit=400,
        reserved_concurrency=10,
        waf=True,
        # Per IP: ATS platforms call from a few egress IPs on behalf of many customers, so this
        # is far above one client's needs (20 req/s sustained) and only stops floods.
        waf_rate_limit=6000,
        # 10 deliveries at once, each at most 10 s: 60 a minute to slow receivers, more to fast ones.
        webhook_delivery_concurrency=10,
        alarms=AlarmThresholds(
            api_5xx_rate=0.01,
            api_p99_latency_ms=2000,
            # A crash or a 500 is a bug or a failing dependency: one in a minute is worth a look, and
            # rolls a canary back (a needless rollback costs a redeploy; a missed broken route costs
            # customers' requests).
            function_errors=1,
            function_throttles=1,
            function_p99_duration_ms=3000,
            table_throttled_requests=1,
            table_system_errors=1,
            auth_failures=50,
            insufficient_balance_rejections=50,
        ),
    ),
}
