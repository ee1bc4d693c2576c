"""cdk-nag's AwsSolutions pack on every stack: no unacknowledged finding, and every acknowledgment says why."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Validations
from aws_cdk.assertions import Annotations, Match

from infra.app import build_app
from testkit.synth import StackTemplate, Synth, cdk_json_context

pytestmark = pytest.mark.infra


def _acknowledgments_in(template: StackTemplate) -> list[dict[str, Any]]:
    return [
        rule
        for resource in template.json["Resources"].values()
        for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
    ]


def _acknowledgments(synth: Synth) -> list[dict[str, Any]]:
    return [rule for template in synth.templates for rule in _acknowledgments_in(template)]


def test_synth_passes_aws_solutions_checks(synth: Synth) -> None:
    # The fixture's app.synth() raises on a finding; the report must not record a failure either.
    report = json.loads((synth.outdir / "validation-report.json").read_text())
    assert [r for r in report["pluginReports"] if r["conclusion"] != "success"] == []
    for template in synth.templates:
        annotations = Annotations.from_stack(template.stack)
        assert annotations.find_error("*", Match.string_like_regexp("AwsSolutions-.*")) == []
        assert annotations.find_warning("*", Match.string_like_regexp("AwsSolutions-.*")) == []


def test_every_acknowledgment_carries_a_reason(synth: Synth) -> None:
    rules = _acknowledgments(synth)
    assert rules, "acknowledgments are written to the template (write_suppressions_to_cloud_formation)"
    # Each stack's own findings are acknowledged in that stack: the data stack's secret, the Gateway
    # stack's methods without an authorizer and the Api stack's roles (whose records prefix is an import
    # from the data stack) among them.
    ids = {t.stack.stack_name.rsplit("-", 1)[1]: {r["id"] for r in _acknowledgments_in(t)} for t in synth.templates}
    assert "AwsSolutions-SMG4" in ids["Data"] and "AwsSolutions-APIG4" in ids["Gateway"]
    assert any(i.startswith("AwsSolutions-IAM5[Resource::Quollo-") and i.endswith("/records/*]") for i in ids["Api"])
    assert "AwsSolutions-L1" in ids["Webhooks"] and "AwsSolutions-SNS2" in ids["Monitoring"]
    for rule in rules:
        assert rule["id"].startswith("AwsSolutions-")
        assert len(rule.get("reason", "").strip()) >= 10, rule


def test_the_checks_do_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without our acknowledgments the same app must fail, or the test above proves nothing."""
    monkeypatch.setattr(Validations, "acknowledge", lambda self, *rules: None)
    app, _ = build_app({**cdk_json_context(), "stage": "dev"}, outdir=str(tmp_path / "out"), build_dir=tmp_path / "b")
    with pytest.raises(RuntimeError, match="AwsSolutions-APIG4"):
        app.synth()
    report = json.loads((tmp_path / "out" / "validation-report.json").read_text())
    rules = {v["ruleName"] for r in report["pluginReports"] for v in r["violations"]}
    assert {"AwsSolutions-APIG4", "AwsSolutions-SMG4"} <= rules
