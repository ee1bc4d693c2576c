"""Synthesized Quollo stacks for the infra tests (tests/infra): one Synth per stage, one StackTemplate per stack."""

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
from infra.stack import QuolloStacks

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
    # The smoke-test user's token, which the deploy-check hook reads with.
    "deploy_check_token_secret": "quollo-prod/deploy-check-token",
    # The analysis service's role, in another account: the bus's policy grants it PutEvents.
    "analysis_role_arn": "arn:aws:iam::210987654321:role/quollo-analysis",
}


# Sample values for the pseudo parameters, for `evaluate`.
PSEUDO_PARAMETERS = {"AWS::Partition": "aws", "AWS::Region": "eu-west-1", "AWS::AccountId": "123456789012"}


def evaluate(value: Any) -> Any:
    """What CloudFormation makes of `value` with no resource to look up: pseudo parameters, Fn::Join,
    Fn::Split and Fn::Select (e.g. a function name the template derives from an ARN it builds)."""
    if isinstance(value, list):
        return [evaluate(item) for item in value]
    if not isinstance(value, dict) or len(value) != 1:
        return value
    [(key, argument)] = value.items()
    if key == "Ref" and argument in PSEUDO_PARAMETERS:
        return PSEUDO_PARAMETERS[argument]
    if key == "Fn::Join":
        return str(argument[0]).join(evaluate(argument[1]))
    if key == "Fn::Split":
        return str(evaluate(argument[1])).split(argument[0])
    if key == "Fn::Select":
        return evaluate(argument[1])[int(argument[0])]
    raise ValueError(f"cannot evaluate {value}")


def cdk_json_context() -> dict[str, Any]:
    context: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]
    return context


@dataclass(frozen=True)
class StackTemplate:
    """One synthesized stack of a stage: its template, read once, and lookups in it."""

    stack: Stack
    template: Template
    path: Path

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
        """`value` as this stack's template has it: a Ref to its own resources, an Fn::ImportValue of
        another stack's export."""
        return self.stack.resolve(value)

    def logical_id(self, token: str) -> str:
        """Logical id behind a `Ref` or `Fn::GetAtt` token of this stack, e.g. a table's ARN."""
        resolved = self.resolve(token)
        assert "Fn::ImportValue" not in resolved, f"{token} belongs to another stack than {self.stack.stack_name}"
        return str(resolved["Ref"] if "Ref" in resolved else resolved["Fn::GetAtt"][0])


@dataclass(frozen=True)
class Synth:
    """A stage's synthesized stacks (infra/stack.py): `stack` holds the constructs, `data`, `webhooks`,
    `processing`, `monitoring`, `api` and `gateway` each stack's template."""

    stack: QuolloStacks
    outdir: Path

    def _template(self, stack: Stack) -> StackTemplate:
        return StackTemplate(stack, Template.from_stack(stack), self.outdir / stack.template_file)

    @cached_property
    def data(self) -> StackTemplate:
        return self._template(self.stack.data_stack)

    @cached_property
    def webhooks(self) -> StackTemplate:
        return self._template(self.stack.webhooks_stack)

    @cached_property
    def processing(self) -> StackTemplate:
        return self._template(self.stack.processing_stack)

    @cached_property
    def monitoring(self) -> StackTemplate:
        return self._template(self.stack.monitoring_stack)

    @cached_property
    def api(self) -> StackTemplate:
        return self._template(self.stack.api_stack)

    @cached_property
    def gateway(self) -> StackTemplate:
        return self._template(self.stack.gateway_stack)

    @property
    def templates(self) -> tuple[StackTemplate, ...]:
        """Every stack's, in deploy order."""
        return (self.data, self.webhooks, self.processing, self.monitoring, self.api, self.gateway)

    def context(self, key: str) -> Any:
        return self.stack.api_stack.node.try_get_context(key)

    @property
    def stage(self) -> str:
        return str(self.context("stage"))


def synthesize(tmp: Path, overrides: dict[str, Any]) -> Synth:
    app, stacks = build_app({**cdk_json_context(), **overrides}, outdir=str(tmp / "cdk.out"), build_dir=tmp / "lambda")
    # app.synth() runs cdk-nag (a validation plugin): it raises on any unacknowledged finding.
    app.synth()
    return Synth(stack=stacks, outdir=tmp / "cdk.out")
