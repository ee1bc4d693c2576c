"""The service limits a growing app meets first, on every synthesized stack of dev and prod (prod with
SnapStart: PROD_OVERRIDES), with a margin where CloudFormation's own limit would fail a deploy halfway.

Values CloudFormation resolves at deploy time (a Ref, an import, a GetAtt) count as REFERENCE_BOUND
characters: our generated names and ARNs are far shorter (a table name is at most 255).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from testkit.synth import StackTemplate, Synth

pytestmark = pytest.mark.infra

# CloudFormation allows 500 resources per stack; 300 is the margin the largest stack must keep
# (docs/decisions.md, 27: the Api stack, 6 resources per route, about seventeen more routes).
MAX_RESOURCES = 300
MAX_TEMPLATE_BYTES = 1024 * 1024  # a template uploaded through S3, as CDK does
MAX_OUTPUTS = 200  # our outputs and CDK's exports together
MAX_ENVIRONMENT_BYTES = 4 * 1024  # Lambda: all of a function's variables
MAX_ROLE_INLINE_POLICY_CHARS = 10_240  # IAM: a role's inline policies together, whitespace excluded
MAX_UNZIPPED_BYTES = 250 * 1024 * 1024  # Lambda: a function's code and its layers, unzipped

REFERENCE_BOUND = 256
PSEUDO_PARAMETERS = {  # the longest value each can take
    "AWS::Partition": "aws-us-gov",
    "AWS::Region": "ap-southeast-2",
    "AWS::AccountId": "123456789012",
    "AWS::URLSuffix": "amazonaws.com.cn",
}


def bounded(value: Any) -> Any:
    """`value` with each deploy-time value replaced by a string of its longest possible length."""
    if isinstance(value, list):
        return [bounded(item) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        [(key, argument)] = value.items()
        if key == "Ref":
            return PSEUDO_PARAMETERS.get(argument, "x" * REFERENCE_BOUND)
        if key == "Fn::Join":
            separator, parts = argument
            return separator.join(bounded(part) for part in parts)
        if key.startswith("Fn::"):
            return "x" * REFERENCE_BOUND
    return {key: bounded(item) for key, item in value.items()}


def _compact(value: Any) -> int:
    return len(json.dumps(bounded(value), separators=(",", ":")))


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(os.lstat(Path(root) / name).st_size for root, _, names in os.walk(path) for name in names)


def _asset(synth: Synth, code: dict[str, Any]) -> Path:
    """The synthesized directory (or file) behind a function's Code or a layer's Content."""
    return synth.outdir / f"asset.{code['S3Key'].removesuffix('.zip')}"


def _functions(template: StackTemplate) -> dict[str, dict[str, Any]]:
    return {k: v["Properties"] for k, v in template.resources("AWS::Lambda::Function").items()}


def test_bounded_counts_deploy_time_values_at_their_longest() -> None:
    arn = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::", {"Fn::ImportValue": "Data:Bucket"}, "/*"]]}
    assert bounded(arn) == "arn:aws-us-gov:s3:::" + "x" * REFERENCE_BOUND + "/*"
    assert _compact({"A": {"Ref": "Table"}, "B": "b"}) == len('{"A":"","B":"b"}') + REFERENCE_BOUND


def test_every_stack_holds_at_most_300_resources_and_200_outputs(synth: Synth) -> None:
    counts = {t.stack.stack_name: (len(t.json["Resources"]), len(t.json.get("Outputs", {}))) for t in synth.templates}
    assert len(counts) == 6
    assert all(resources <= MAX_RESOURCES for resources, _ in counts.values()), counts
    assert all(outputs <= MAX_OUTPUTS for _, outputs in counts.values()), counts


def test_every_template_is_under_1_mb(synth: Synth) -> None:
    sizes = {t.stack.stack_name: t.path.stat().st_size for t in synth.templates}
    assert all(size <= MAX_TEMPLATE_BYTES for size in sizes.values()), sizes


def test_every_functions_environment_is_under_4_kb(synth: Synth) -> None:
    sizes = {
        f"{t.stack.stack_name}/{logical_id}": _compact(props.get("Environment", {}).get("Variables", {}))
        for t in synth.templates
        for logical_id, props in _functions(t).items()
    }
    assert len(sizes) >= 2
    assert all(size <= MAX_ENVIRONMENT_BYTES for size in sizes.values()), max(sizes.items(), key=lambda i: i[1])


def test_every_roles_inline_policies_fit_iam(synth: Synth) -> None:
    sizes: dict[str, int] = {}
    for template in synth.templates:
        attached = template.resources("AWS::IAM::Policy").values()
        for logical_id, role in template.resources("AWS::IAM::Role").items():
            documents = [p["PolicyDocument"] for p in role["Properties"].get("Policies", [])]
            documents += [
                p["Properties"]["PolicyDocument"] for p in attached if {"Ref": logical_id} in p["Properties"]["Roles"]
            ]
            sizes[f"{template.stack.stack_name}/{logical_id}"] = sum(map(_compact, documents))
    assert max(sizes.values()) > 0
    assert all(size <= MAX_ROLE_INLINE_POLICY_CHARS for size in sizes.values()), max(sizes.items(), key=lambda i: i[1])


def test_every_function_with_its_layers_is_under_250_mb_unzipped(synth: Synth) -> None:
    sizes: dict[str, int] = {}
    layered = []
    for template in synth.templates:
        resources = template.json["Resources"]
        for logical_id, props in _functions(template).items():
            name = f"{template.stack.stack_name}/{logical_id}"
            if "ZipFile" in props["Code"]:  # CDK's bucket notifications handler: its code inline, in the template
                sizes[name] = len(props["Code"]["ZipFile"])
                continue
            parts = [_asset(synth, props["Code"])]
            for layer in props.get("Layers", []):
                parts.append(_asset(synth, resources[layer["Ref"]]["Properties"]["Content"]))
                layered.append(name)
            assert all(part.exists() for part in parts), parts
            sizes[name] = sum(map(_size, parts))
    # Ours (code asset and dependency layer) are megabytes, not bytes: the sizes are really measured.
    assert layered and min(sizes[name] for name in layered) > 1024 * 1024
    assert all(size <= MAX_UNZIPPED_BYTES for size in sizes.values()), max(sizes.items(), key=lambda i: i[1])
