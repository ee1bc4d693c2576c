"""Synthesized Quollo stacks for the infra tests (tests/infra)."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

# jsii runs the CDK on the Node.js LTS that package.json pins (`make dev` installs it into
# node_modules), as `make` does through PATH, rather than on whatever node the machine has.
os.environ.setdefault(
    "JSII_NODE", shutil.which("node", path=Path(__file__).resolve().parents[1] / "node_modules/.bin") or "node"
)

from aws_cdk import Stack
from aws_cdk.assertions import Template

from functions.routes import ROUTES
from infra.app import build_app
from infra.stack import QuolloStack

ROOT = Path(__file__).resolve().parents[1]

# Context the prod synth overrides, so the tests see the values travel from context to template.
PROD_OVERRIDES = {
    "stage": "prod",
    "throttling_rate_limit": "10",
    "throttling_burst_limit": "20",
    "reserved_concurrency": "5",
    "tracer": "false",
    "alarm_email": "oncall@example.com",
    # An existing topic too (AWS Chatbot, PagerDuty): prod synth needs one of the two.
    "alarm_topic_arn": "arn:aws:sns:eu-west-1:123456789012:quollo-oncall",
    "snapstart": "true",
    "alarm_api_p99_latency_ms": "1500",
    "recordings_retention_days": "365",
    "webhook_delivery_concurrency": "7",
}


def cdk_json_context() -> dict[str, Any]:
    context: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]
    return context


@dataclass(frozen=True)
class Synth:
    stack: QuolloStack
    template: Template
    outdir: Path

    @cached_property
    def json(self) -> dict[str, Any]:
        """The template, read once: each read is a call into the CDK's node process (0.13 s here, ten
        times that on a loaded machine), which the infra tests made thousands of. Read it; never change it."""
        return dict(self.template.to_json())

    def resources(self, kind: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.json["Resources"].items() if v["Type"] == kind}

    def route_functions(self) -> dict[str, dict[str, Any]]:
        """Route name -> function properties, found by handler."""
        by_handler = {
            props["Properties"]["Handler"]: props for props in self.resources("AWS::Lambda::Function").values()
        }
        return {route.name: by_handler[route.handler]["Properties"] for route in ROUTES}

    def role_statements(self, role_logical_id: str) -> list[dict[str, Any]]:
        """Every statement that applies to a role: its inline policies and attached AWS::IAM::Policy."""
        role = self.json["Resources"][role_logical_id]["Properties"]
        statements = [s for p in role.get("Policies", []) for s in p["PolicyDocument"]["Statement"]]
        for policy in self.resources("AWS::IAM::Policy").values():
            if {"Ref": role_logical_id} in policy["Properties"]["Roles"]:
                statements += policy["Properties"]["PolicyDocument"]["Statement"]
        assert not role.get("ManagedPolicyArns"), "route roles carry no managed policies"
        return statements

    def resolve(self, value: Any) -> Any:
        return Stack.of(self.stack).resolve(value)

    def logical_id(self, token: str) -> str:
        """Logical id behind a `Ref` or `Fn::GetAtt` token, e.g. a table's ARN."""
        resolved = self.resolve(token)
        return str(resolved["Ref"] if "Ref" in resolved else resolved["Fn::GetAtt"][0])


def synthesize(tmp: Path, overrides: dict[str, Any]) -> Synth:
    app, stack = build_app({**cdk_json_context(), **overrides}, outdir=str(tmp / "cdk.out"), build_dir=tmp / "lambda")
    # app.synth() runs cdk-nag (a validation plugin): it raises on any unacknowledged finding.
    app.synth()
    return Synth(stack=stack, template=Template.from_stack(stack), outdir=tmp / "cdk.out")
