"""`make cost` (bench/cost.py): the idle monthly cost counted from the synthesized templates."""

from __future__ import annotations

import pytest
from aws_cdk import App, Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk.assertions import Template

from bench import cost
from testkit.synth import Synth


def _metric(name: str, seconds: int = 60) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace="Quollo/Test", metric_name=name, period=Duration.seconds(seconds), statistic="Sum"
    )


def test_an_alarm_on_metric_math_is_billed_for_every_metric_inside_it() -> None:
    stack = Stack(App(), "CostProbe")
    _metric("Single").create_alarm(stack, "Single", threshold=1, evaluation_periods=1)
    summed = cloudwatch.MathExpression(
        expression="FILL(a, 0) + FILL(b, 0) + FILL(c, 0)",
        using_metrics={"a": _metric("A"), "b": _metric("B"), "c": _metric("C")},
        period=Duration.minutes(1),
    )
    summed.create_alarm(stack, "Summed", threshold=1, evaluation_periods=1)
    _metric("Fast", 10).create_alarm(stack, "Fast", threshold=1, evaluation_periods=1)

    idle = cost.count(Template.from_stack(stack).to_json())

    assert (idle.alarms, idle.alarm_metrics, idle.high_res_alarm_metrics) == (3, 4, 1)
    assert cost.monthly(idle) == pytest.approx(4 * cost.ALARM_METRIC + cost.HIGH_RES_ALARM_METRIC)


def test_the_cost_script_prices_the_synthesized_prod_assembly(prod: Synth, capsys: pytest.CaptureFixture[str]) -> None:
    assert cost.main(["--assembly", str(prod.outdir)]) == 0
    table = capsys.readouterr().out

    alarms = prod.monitoring.resources("AWS::CloudWatch::Alarm").values()
    # A single-metric alarm reads one metric; a math alarm each of its MetricStat queries (all 1-minute or longer).
    read = sum(sum("MetricStat" in q for q in a["Properties"].get("Metrics", [])) or 1 for a in alarms)
    assert read > len(alarms), "prod has metric-math alarms, each billed per metric"
    assert f"| alarm metrics, standard resolution | $0.10 / metric | {read}: ${read * 0.10:,.2f} |" in table

    [acl] = prod.gateway.resources("AWS::WAFv2::WebACL").values()
    rules = len(acl["Properties"]["Rules"])
    assert f"| WAF rules (a managed rule group is one) | $1.00 / rule | {rules}: ${rules:,.2f} |" in table
    functions = [f for t in prod.templates for f in t.resources("AWS::Lambda::Function").values()]
    snapstart = [f for f in functions if "SnapStart" in f["Properties"]]
    assert snapstart, "the test's prod synth turns SnapStart on"
    gb = sum(f["Properties"]["MemorySize"] for f in snapstart) / 1024
    assert f"{len(snapstart)} functions, {gb:g} GB: ${gb * 730 * 3600 * cost.SNAPSTART_CACHE_GB_SECOND:,.2f}" in table
    # Every stack of the stage, summed.
    assert f"**${cost.monthly(cost.total(t.json for t in prod.templates)):,.2f}**" in table
