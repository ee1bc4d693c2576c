"""Deployment settings, read from CDK context (`cdk.json` defaults, `-c key=value` overrides)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_cdk import RemovalPolicy
from aws_cdk import aws_logs as logs
from constructs import Node

STAGES = ("dev", "prod")

# Powertools for AWS Lambda (Python) v3 public layer, published by AWS in account 017000801446 as
# AWSLambdaPowertoolsPythonV3-python312-arm64:N. N is the layer version, not the library version:
# N=38 is the newest number the Powertools install docs and public code showed when this was
# written (docs/getting-started/install.md); the project pins aws-lambda-powertools==3.37.0 for
# local runs. Check it with `aws ssm get-parameter --name
# /aws/service/powertools/python/arm64/python3.12/latest` and override with
# `-c powertools_layer_version=N` (see docs/decisions.md).
POWERTOOLS_LAYER_VERSION = 38


@dataclass(frozen=True)
class StageConfig:
    stage: str
    throttling_rate_limit: float
    throttling_burst_limit: int
    log_retention: logs.RetentionDays
    log_level: str
    reserved_concurrency: int | None
    powertools_layer_version: int
    # Powertools Tracer in the functions (boto3 subsegments). Off keeps Lambda's own active
    # tracing but skips the X-Ray SDK import on cold start (bench/report.md has the cost).
    tracer: bool

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
        return cls(
            stage=stage,
            throttling_rate_limit=float(get("throttling_rate_limit", 50)),
            throttling_burst_limit=int(get("throttling_burst_limit", 100)),
            log_retention=logs.RetentionDays[str(get("log_retention", "ONE_MONTH"))],
            log_level=str(get("log_level", "INFO")).upper(),
            reserved_concurrency=None if reserved is None else int(reserved),
            powertools_layer_version=int(get("powertools_layer_version", POWERTOOLS_LAYER_VERSION)),
            tracer=_flag(get("tracer", True), "tracer"),
        )


def _flag(value: Any, key: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text not in {"true", "false"}:
        raise ValueError(f"context {key} must be true or false, got {value!r}")
    return text == "true"
