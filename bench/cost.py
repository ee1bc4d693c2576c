"""`make cost` (`python -m bench.cost`): what each stage costs a month with no traffic at all.

Counted from the synthesized CloudFormation templates, every stack of the stage, so the figure follows
the code: alarm metrics (an alarm on metric math is billed for every metric in it, not once),
composite alarms, dashboards, WAF web ACLs and their rules, Secrets Manager secrets, customer managed
KMS keys and the SnapStart cache of every function that has it, at its memory size.

What costs nothing idle is left out: Lambda, API Gateway, SQS, SNS and X-Ray are billed per request;
DynamoDB on demand and S3 per request and per GB stored (a few cents for a new stage's tables, PITR
and buckets); CloudWatch Logs per GB ingested and stored; our EMF metrics per metric-hour in which
they are published (none without traffic). Free tiers (10 alarm metrics and 3 dashboards an account)
are not subtracted: they are the account's, not the stage's.

    python -m bench.cost                         # synthesize dev, prod and prod with SnapStart, print the table
    python -m bench.cost --assembly cdk.out      # the templates already in a cloud assembly (`make synth`)
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

# us-east-1 list prices, USD, as published on the AWS pricing pages of CloudWatch, WAF, Secrets
# Manager, KMS and Lambda in November 2025 (PRICES_AS_OF); not re-read from this machine, which has
# no internet: check https://aws.amazon.com/<service>/pricing/ before quoting a figure to anyone.
PRICES_AS_OF = "2025-11"
REGION = "us-east-1"
ALARM_METRIC = 0.10  # a standard-resolution alarm metric (period of 60 s or more), a month
HIGH_RES_ALARM_METRIC = 0.30  # an alarm metric evaluated at a period under 60 s, a month
COMPOSITE_ALARM = 0.50  # a month
# An anomaly-detection alarm is billed as 3 alarm metrics per metric it watches (the metric and the band).
ANOMALY_DETECTION_METRICS = 3
DASHBOARD = 3.00  # a month, whatever its widgets
WEB_ACL = 5.00  # a month
WAF_RULE = 1.00  # a month, each rule of a web ACL; a managed rule group counts as one rule
WAF_RULE_GROUP = 1.00  # a month, a rule group of our own (its rules are counted as WAF rules too)
SECRET = 0.40  # a secret, a month
KMS_KEY = 1.00  # a customer managed key, a month (AWS-managed keys are free)
SNAPSTART_CACHE_GB_SECOND = 0.0000015046  # Python/.NET snapshot cache, per GB of memory, while the version is active
HOURS_PER_MONTH = 730  # what the AWS pricing calculator takes a month to be


@dataclass
class Idle:
    """The billable things in a stage's templates."""

    alarm_metrics: int = 0
    high_res_alarm_metrics: int = 0
    alarms: int = 0  # metric alarms, whatever their metric count: what decisions 12 once priced
    composite_alarms: int = 0
    dashboards: int = 0
    web_acls: int = 0
    waf_rules: int = 0
    waf_rule_groups: int = 0
    secrets: int = 0
    kms_keys: int = 0
    snapstart_functions: int = 0
    snapstart_gb: float = 0.0  # the memory of the functions with SnapStart, summed, in GB

    def __iadd__(self, other: Idle) -> Idle:
        for item in fields(self):
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))
        return self


def alarm_metric_count(alarm: Mapping[str, Any]) -> tuple[int, bool]:
    """How many alarm metrics one AWS::CloudWatch::Alarm is billed for, and whether at high resolution.

    A single-metric alarm is one. A metric-math alarm is billed for every metric it reads (each
    `MetricStat` entry, the ones inside FILL() or SUM() included), not for its expressions; an
    anomaly-detection band makes its metric count three times. Under 60 s, the alarm is high resolution.
    """
    queries = alarm.get("Metrics")
    if not queries:
        return 1, int(alarm.get("Period") or 60) < 60
    stats = [query for query in queries if "MetricStat" in query]
    bands = sum("ANOMALY_DETECTION_BAND" in str(query.get("Expression", "")) for query in queries)
    high_res = any(int(query["MetricStat"].get("Period") or 60) < 60 for query in stats)
    return len(stats) + bands * (ANOMALY_DETECTION_METRICS - 1), high_res


def count(template: Mapping[str, Any]) -> Idle:
    idle = Idle()
    for resource in template.get("Resources", {}).values():
        kind, props = resource.get("Type"), resource.get("Properties") or {}
        if kind == "AWS::CloudWatch::Alarm":
            metrics, high_res = alarm_metric_count(props)
            idle.alarms += 1
            if high_res:
                idle.high_res_alarm_metrics += metrics
            else:
                idle.alarm_metrics += metrics
        elif kind == "AWS::CloudWatch::CompositeAlarm":
            idle.composite_alarms += 1
        elif kind == "AWS::CloudWatch::Dashboard":
            idle.dashboards += 1
        elif kind == "AWS::WAFv2::WebACL":
            idle.web_acls += 1
            idle.waf_rules += len(props.get("Rules") or [])
        elif kind == "AWS::WAFv2::RuleGroup":
            idle.waf_rule_groups += 1
            idle.waf_rules += len(props.get("Rules") or [])
        elif kind == "AWS::SecretsManager::Secret":
            idle.secrets += 1
        elif kind == "AWS::KMS::Key":
            idle.kms_keys += 1
        elif kind == "AWS::Lambda::Function" and (props.get("SnapStart") or {}).get("ApplyOn") == "PublishedVersions":
            idle.snapstart_functions += 1
            # Lambda's default memory is 128 MB when the template gives none.
            idle.snapstart_gb += int(props.get("MemorySize") or 128) / 1024
    return idle


@dataclass(frozen=True)
class Line:
    what: str
    quantity: float
    unit_price: float
    unit: str
    shown: str = ""  # the quantity as the table shows it, when not the bare number

    @property
    def monthly(self) -> float:
        return self.quantity * self.unit_price


def lines(idle: Idle) -> list[Line]:
    snapstart_gb_month = idle.snapstart_gb * HOURS_PER_MONTH * 3600
    return [
        Line("alarm metrics, standard resolution", idle.alarm_metrics, ALARM_METRIC, "metric"),
        Line("alarm metrics, high resolution", idle.high_res_alarm_metrics, HIGH_RES_ALARM_METRIC, "metric"),
        Line("composite alarms", idle.composite_alarms, COMPOSITE_ALARM, "alarm"),
        Line("dashboards", idle.dashboards, DASHBOARD, "dashboard"),
        Line("WAF web ACLs", idle.web_acls, WEB_ACL, "web ACL"),
        Line("WAF rules (a managed rule group is one)", idle.waf_rules, WAF_RULE, "rule"),
        Line("WAF rule groups of our own", idle.waf_rule_groups, WAF_RULE_GROUP, "group"),
        Line("Secrets Manager secrets", idle.secrets, SECRET, "secret"),
        Line("KMS customer managed keys", idle.kms_keys, KMS_KEY, "key"),
        Line(
            "SnapStart cache (each live version, at its memory)",
            snapstart_gb_month,
            SNAPSTART_CACHE_GB_SECOND,
            "GB-s",
            f"{idle.snapstart_functions} functions, {idle.snapstart_gb:g} GB",
        ),
    ]


def monthly(idle: Idle) -> float:
    return sum(line.monthly for line in lines(idle))


def render(stages: Mapping[str, Idle]) -> str:
    """A markdown table: one row per billable item present in some stage, one column per stage."""
    names = list(stages)
    per_stage = {name: lines(idle) for name, idle in stages.items()}
    rows = [
        "| idle, a month (us-east-1) | unit price | " + " | ".join(names) + " |",
        "| --- | --- | " + " | ".join("---:" for _ in names) + " |",
    ]
    for index, first in enumerate(next(iter(per_stage.values()))):
        column = [per_stage[name][index] for name in names]
        if not any(line.quantity for line in column):
            continue
        cells = [_cell(line) for line in column]
        rows.append(f"| {first.what} | {_price(first.unit_price)} / {first.unit} | " + " | ".join(cells) + " |")
    rows.append("| **total** | | " + " | ".join(f"**${monthly(stages[name]):,.2f}**" for name in names) + " |")
    alarms = ", ".join(f"{name} {idle.alarms}" for name, idle in stages.items())
    return "\n".join(rows) + (
        f"\n\nPrices: {REGION} list prices of {PRICES_AS_OF} (bench/cost.py), a month of {HOURS_PER_MONTH} hours, "
        f"no free tier. Metric alarms per stage: {alarms} (each billed per metric it reads).\n"
    )


def _cell(line: Line) -> str:
    if not line.quantity:
        return "–"
    return f"{line.shown or f'{line.quantity:g}'}: ${line.monthly:,.2f}"


def _price(usd: float) -> str:
    return f"${usd:.2f}" if usd >= 0.01 else f"${usd:.10f}".rstrip("0")


# --- templates ----------------------------------------------------------------------------------


def assembly_templates(assembly: Path) -> list[dict[str, Any]]:
    """Every stack template of a cloud assembly directory (cdk.out), by its manifest."""
    manifest = json.loads((assembly / "manifest.json").read_text())
    templates = []
    for artifact in manifest.get("artifacts", {}).values():
        if artifact.get("type") == "aws:cloudformation:stack":
            template_file = artifact["properties"]["templateFile"]
            templates.append(json.loads((assembly / template_file).read_text()))
    return templates


# What each stage is synthesized with: its cdk.json defaults, a placeholder alarm address where prod
# requires one (no alarm is deployed from here), and prod again with SnapStart, its one priced option.
STAGES: dict[str, dict[str, str]] = {
    "dev": {"stage": "dev"},
    "prod": {"stage": "prod", "alarm_email": "cost-only@example.invalid"},
    "prod + SnapStart": {"stage": "prod", "alarm_email": "cost-only@example.invalid", "snapstart": "true"},
}


def synthesized(overrides: Mapping[str, str], outdir: Path) -> list[dict[str, Any]]:
    """The stage's templates, synthesized in this process as `make synth` does (cdk-nag included)."""
    import testkit.synth  # first: it points jsii at the Node.js that package.json pins
    from infra.app import build_app

    app = build_app({**testkit.synth.cdk_json_context(), **overrides}, outdir=str(outdir))[0]
    return [dict(stack.template) for stack in app.synth().stacks]


def total(templates: Iterable[Mapping[str, Any]]) -> Idle:
    idle = Idle()
    for template in templates:
        idle += count(template)
    return idle


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cost", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--assembly",
        type=Path,
        action="append",
        metavar="DIR",
        help="a synthesized cloud assembly (cdk.out) to price instead of synthesizing the stages; repeatable",
    )
    args = parser.parse_args(argv)
    if args.assembly:
        stages = {str(path): total(assembly_templates(path)) for path in args.assembly}
    else:
        with tempfile.TemporaryDirectory(prefix="quollo-cost-") as tmp:
            stages = {
                name: total(synthesized(overrides, Path(tmp) / str(index)))
                for index, (name, overrides) in enumerate(STAGES.items())
            }
    print(render(stages), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
