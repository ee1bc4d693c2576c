"""Alarms on the API, every function, every table and our own metrics; one topic, one dashboard:
all in the Monitoring stack, which names the API stack's functions by their physical names."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from functions.data import schema
from functions.routes import ROUTES, Route
from infra.app import build_app
from infra.config import STAGE_DEFAULTS
from testkit.synth import PROD_OVERRIDES, ROOT, Synth, cdk_json_context, evaluate

RUNBOOK = ROOT / "docs" / "runbook.md"

pytestmark = pytest.mark.infra


def alarms(synth: Synth) -> dict[str, dict[str, Any]]:
    """Alarm name -> properties."""
    return {
        a["Properties"]["AlarmName"]: a["Properties"]
        for a in synth.monitoring.resources("AWS::CloudWatch::Alarm").values()
    }


def _stage(synth: Synth) -> str:
    return synth.stage


def test_alarms_topic_and_dashboard_are_the_monitoring_stacks_only(synth: Synth) -> None:
    for template in (synth.data, synth.webhooks, synth.api, synth.gateway):
        for kind in ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::Dashboard", "AWS::SNS::Topic"):
            assert template.resources(kind) == {}, (template.stack.stack_name, kind)
    # Nothing of the Api or Gateway stack is imported: the monitoring stack deploys before them.
    for later in ("Api", "Gateway"):
        assert f"Quollo-{synth.stage}-{later}:" not in json.dumps(synth.monitoring.json)


def test_monitoring_deploys_after_data_and_webhooks_and_before_the_api(synth: Synth) -> None:
    """A route's alarms exist before its first canary, and go before its group when it is removed."""
    stacks = synth.stack

    def needs(stack: Any) -> set[str]:
        return {dependency.stack_name for dependency in stack.dependencies}

    stage = f"Quollo-{synth.stage}"
    assert needs(stacks.data_stack) == set()
    assert needs(stacks.webhooks_stack) == {f"{stage}-Data"}
    assert needs(stacks.processing_stack) == {f"{stage}-Data"}
    assert needs(stacks.monitoring_stack) == {f"{stage}-Data", f"{stage}-Webhooks", f"{stage}-Processing"}
    assert needs(stacks.api_stack) == {f"{stage}-Data", f"{stage}-Monitoring"}
    # The methods name the aliases: the Gateway stack goes last, and imports nothing.
    assert needs(stacks.gateway_stack) == {f"{stage}-Api"}
    assert "Fn::ImportValue" not in json.dumps(synth.gateway.json)


def test_every_alarm_notifies_the_topic_on_alarm_and_ok_and_ignores_missing_data(synth: Synth) -> None:
    [topic_id] = synth.monitoring.resources("AWS::SNS::Topic")
    # prod: PROD_OVERRIDES also names an existing topic, which every alarm notifies too.
    external = synth.context("alarm_topic_arn")
    targets = [{"Ref": topic_id}, *([external] if external else [])]
    found = alarms(synth)
    assert found
    for name, props in found.items():
        assert props["AlarmActions"] == targets, name
        assert props["OKActions"] == targets, name
        assert props["TreatMissingData"] == "notBreaching", name
        assert name.startswith(f"quollo-{_stage(synth)}-"), name


def _anchor(heading: str) -> str:
    """GitHub's anchor for a Markdown heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def runbook_entries() -> dict[str, str]:
    """Anchor -> text of each `##` entry of docs/runbook.md."""
    entries: dict[str, str] = {}
    for part in re.split(r"^## ", RUNBOOK.read_text(), flags=re.MULTILINE)[1:]:
        heading, _, body = part.partition("\n")
        entries[_anchor(heading)] = body
    return entries


def test_every_alarm_description_names_its_runbook_entry(synth: Synth) -> None:
    entries = runbook_entries()
    for name, props in alarms(synth).items():
        found = re.findall(r"Runbook: docs/runbook\.md#([\w-]+)", props["AlarmDescription"])
        assert len(found) == 1, (name, props["AlarmDescription"])
        [anchor] = found
        assert anchor in entries, (name, anchor)
        # What it means, then the first three steps.
        body = entries[anchor]
        assert "**Means:**" in body and all(f"\n{n}. " in body for n in (1, 2, 3)), anchor


def test_prod_synth_fails_without_somewhere_to_send_alarms(tmp_path: Path) -> None:
    context = {**cdk_json_context(), **PROD_OVERRIDES}
    del context["alarm_email"], context["alarm_topic_arn"]
    with pytest.raises(ValueError, match="alarm_email") as raised:
        build_app(context, outdir=str(tmp_path / "cdk.out"), build_dir=tmp_path / "lambda")
    assert "alarm_topic_arn" in str(raised.value)
    with pytest.raises(ValueError, match="alarm_topic_arn"):
        build_app({**context, "alarm_topic_arn": "quollo-oncall"}, outdir=str(tmp_path / "again"))


def test_alarm_topic_enforces_tls(synth: Synth) -> None:
    [policy] = synth.monitoring.resources("AWS::SNS::TopicPolicy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert any(s["Effect"] == "Deny" and "aws:SecureTransport" in json.dumps(s) for s in statements)


def test_email_subscription_only_with_the_flag(dev: Synth, prod: Synth) -> None:
    assert dev.monitoring.resources("AWS::SNS::Subscription") == {}
    [subscription] = prod.monitoring.resources("AWS::SNS::Subscription").values()  # PROD_OVERRIDES sets alarm_email
    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["Endpoint"] == "oncall@example.com"


def test_api_5xx_rate_and_p99_latency_alarms_watch_the_stage(synth: Synth) -> None:
    found = alarms(synth)
    stage = _stage(synth)
    rate, latency = found[f"quollo-{stage}-api-5xx-rate"], found[f"quollo-{stage}-api-p99-latency"]
    assert (rate["MetricName"], rate["Statistic"]) == ("5XXError", "Average")
    assert (latency["MetricName"], latency["ExtendedStatistic"]) == ("Latency", "p99")
    for props in (rate, latency):
        assert props["Namespace"] == "AWS/ApiGateway"
        dims = {d["Name"] for d in props["Dimensions"]}
        assert dims == {"ApiName", "Stage"}
    assert rate["Threshold"] == STAGE_DEFAULTS[stage].alarms.api_5xx_rate


def test_p99_latency_threshold_is_overridable_by_context(dev: Synth, prod: Synth) -> None:
    assert alarms(dev)["quollo-dev-api-p99-latency"]["Threshold"] == STAGE_DEFAULTS["dev"].alarms.api_p99_latency_ms
    assert alarms(prod)["quollo-prod-api-p99-latency"]["Threshold"] == 1500  # PROD_OVERRIDES


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_each_function_has_throttle_and_p99_duration_alarms(synth: Synth, route: Any) -> None:
    """Its errors alarm (crashes and 5xx answers) is the next test's."""
    # The function the API stack deploys, by its physical name.
    function_name = synth.api.route_functions()[route.name]["FunctionName"]
    prefix = f"quollo-{_stage(synth)}-{route.name.replace('_', '-')}"
    found = alarms(synth)
    thresholds = STAGE_DEFAULTS[_stage(synth)].alarms
    expected = {
        "throttles": ("Throttles", "Sum", 60, thresholds.function_throttles),
        "p99-duration": ("Duration", "p99", 300, thresholds.function_p99_duration_ms),
    }
    for suffix, (metric, statistic, period, threshold) in expected.items():
        props = found[f"{prefix}-{suffix}"]
        assert (props["Namespace"], props["MetricName"]) == ("AWS/Lambda", metric)
        assert props.get("Statistic", props.get("ExtendedStatistic")) == statistic
        assert props["Period"] == period and props["Threshold"] == threshold
        # The function-level metric counts every version, the canary's included.
        [dimension] = props["Dimensions"]
        assert dimension["Name"] == "FunctionName" and evaluate(dimension["Value"]) == function_name


@pytest.mark.parametrize("spec", schema.TABLES, ids=lambda s: s.key)
def test_each_table_has_throttled_requests_and_system_errors_alarms(synth: Synth, spec: Any) -> None:
    table_name = synth.monitoring.resolve(synth.stack.data.tables[spec.key].table_name)
    found = alarms(synth)
    for suffix, metric_name in (("throttled", "ThrottledRequests"), ("system-errors", "SystemErrors")):
        props = found[f"quollo-{_stage(synth)}-{spec.key}-table-{suffix}"]
        stats = [m["MetricStat"] for m in props["Metrics"] if "MetricStat" in m]
        # At most 10 metrics in an alarm's metric math; each is this table's, summed in one expression.
        assert 0 < len(stats) <= 10
        assert {s["Metric"]["MetricName"] for s in stats} == {metric_name}
        for stat in stats:
            dims = {d["Name"]: d["Value"] for d in stat["Metric"]["Dimensions"]}
            assert dims["TableName"] == table_name
        [expression] = [m for m in props["Metrics"] if "Expression" in m]
        assert expression["ReturnData"] is True


FILLED = re.compile(r"FILL\((\w+), 0\)")


def test_every_metric_in_every_math_alarm_is_filled_with_zero(synth: Synth) -> None:
    """A sum over sparse series (an operation without throttles reports no datapoint) has no value
    where one term is missing, so the alarm could never fire: each term must be FILL(m, 0)."""
    expressions = 0
    for name, props in alarms(synth).items():
        metric_ids = {m["Id"] for m in props.get("Metrics", []) if "MetricStat" in m}
        for entry in props.get("Metrics", []):
            if "Expression" not in entry:
                continue
            expressions += 1
            expression = entry["Expression"]
            used = set(re.findall(r"[A-Za-z_]\w*", expression)) & metric_ids
            assert used, (name, expression)
            assert set(FILLED.findall(expression)) == used, (name, expression)
            bare = set(re.findall(r"[A-Za-z_]\w*", FILLED.sub("", expression))) & metric_ids
            assert not bare, (name, expression)
    assert expressions == 2 * len(schema.TABLES) + len(ROUTES)


def test_auth_failures_alarm_and_insufficient_balance_warning(synth: Synth) -> None:
    found = alarms(synth)
    stage = _stage(synth)
    auth = found[f"quollo-{stage}-auth-failures"]
    warning = found[f"quollo-{stage}-warning-insufficient-balance"]
    for props, metric in ((auth, "AuthFailures"), (warning, "InsufficientBalanceRejections")):
        assert (props["Namespace"], props["MetricName"], props["Statistic"]) == ("Quollo", metric, "Sum")
        assert props["Dimensions"] == [{"Name": "service", "Value": "quollo"}]
    assert warning["AlarmDescription"].startswith("WARNING")
    assert auth["Threshold"] == STAGE_DEFAULTS[stage].alarms.auth_failures


def test_alarm_count_is_api_functions_tables_business_webhooks_account_and_waf(synth: Synth) -> None:
    # The webhook workers' errors and throttles (4), the fan-out's stream lag, the three queues; the
    # account's concurrency; post-processing's two functions' errors and its dead letters; the WAF's
    # blocks where there is a WAF (prod).
    waf = 1 if synth.gateway.resources("AWS::WAFv2::WebACL") else 0
    assert len(alarms(synth)) == 2 + 3 * len(ROUTES) + 2 * len(schema.TABLES) + 2 + 4 + 1 + 3 + 1 + 3 + waf


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_each_route_errors_alarm_counts_its_crashes_and_its_5xx_answers_per_minute(synth: Synth, route: Route) -> None:
    """Lambda's Errors never sees a handled exception (our 500 body): the route's own 5xx series does."""
    stage = _stage(synth)
    props = alarms(synth)[f"quollo-{stage}-{route.name.replace('_', '-')}-errors"]
    stats = {m["MetricStat"]["Metric"]["MetricName"]: m for m in props["Metrics"] if "MetricStat" in m}
    assert stats.keys() == {"Errors", "5XXError"}
    crashes, answers = stats["Errors"], stats["5XXError"]
    [expression] = [m for m in props["Metrics"] if "Expression" in m]
    assert expression["Expression"] == f"FILL({crashes['Id']}, 0) + FILL({answers['Id']}, 0)"
    assert expression["ReturnData"] is True
    # The function the API stack deploys, by its physical name (the Monitoring stack refers to it so).
    function_name = synth.api.route_functions()[route.name]["FunctionName"]
    assert crashes["MetricStat"]["Metric"]["Namespace"] == "AWS/Lambda"
    [dimension] = crashes["MetricStat"]["Metric"]["Dimensions"]
    assert dimension["Name"] == "FunctionName" and evaluate(dimension["Value"]) == function_name
    # The method-level series of this route alone (API Gateway's detailed metrics).
    metric = answers["MetricStat"]["Metric"]
    assert metric["Namespace"] == "AWS/ApiGateway"
    assert {d["Name"]: d["Value"] for d in metric["Dimensions"]} == {
        "ApiName": f"quollo-{stage}",
        "Stage": stage,
        "Method": route.method,
        "Resource": route.path,
    }
    for stat in (crashes, answers):
        assert (stat["MetricStat"]["Stat"], stat["MetricStat"]["Period"]) == ("Sum", 60)
    assert props["EvaluationPeriods"] == 1
    assert props["Threshold"] == STAGE_DEFAULTS[stage].alarms.function_errors
    assert props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_the_stage_publishes_per_method_metrics(synth: Synth) -> None:
    """The route alarms read method-level series, which exist only with the stage's detailed metrics."""
    [stage] = synth.gateway.resources("AWS::ApiGateway::Stage").values()
    settings = {(m["HttpMethod"], m["ResourcePath"]): m for m in stage["Properties"]["MethodSettings"]}
    assert settings[("*", "/*")]["MetricsEnabled"] is True


def test_webhook_workers_alarm_on_errors_throttles_and_stream_lag(synth: Synth) -> None:
    found = alarms(synth)
    stage = synth.stage
    thresholds = STAGE_DEFAULTS[stage].alarms
    for worker in ("webhook-fanout", "webhook-delivery"):
        for suffix, metric, threshold in (
            ("errors", "Errors", thresholds.function_errors),
            ("throttles", "Throttles", thresholds.function_throttles),
        ):
            props = found[f"quollo-{stage}-{worker}-{suffix}"]
            assert (props["MetricName"], props["Period"], props["Threshold"]) == (metric, 60, threshold)
    lag = found[f"quollo-{stage}-webhook-fanout-iterator-age"]
    assert (lag["MetricName"], lag["Statistic"], lag["Threshold"]) == ("IteratorAge", "Maximum", 300_000)


def test_webhook_queues_alarm_on_any_lost_event_or_dead_letter_and_a_stuck_delivery(synth: Synth) -> None:
    found = alarms(synth)
    stage = _stage(synth)
    data = synth.stack.data
    expected = {
        "webhook-stream-failures": (data.webhook_stream_failures, "ApproximateNumberOfMessagesVisible", 1),
        "webhook-dead-letters": (data.webhook_dlq, "ApproximateNumberOfMessagesVisible", 1),
        # Longer than the longest retry wait (10 h + 10% jitter): a retry waits in the queue until due.
        "webhook-queue-oldest-message": (data.webhook_queue, "ApproximateAgeOfOldestMessage", 39_600 + 3600),
    }
    for name, (queue, metric, threshold) in expected.items():
        props = found[f"quollo-{stage}-{name}"]
        assert (props["Namespace"], props["MetricName"], props["Statistic"]) == ("AWS/SQS", metric, "Maximum")
        assert props["Dimensions"] == [{"Name": "QueueName", "Value": synth.monitoring.resolve(queue.queue_name)}]
        assert props["Threshold"] == threshold and props["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_account_concurrency_alarm_near_the_quota(synth: Synth) -> None:
    props = alarms(synth)[f"quollo-{_stage(synth)}-account-concurrency"]
    assert (props["Namespace"], props["MetricName"], props["Statistic"]) == (
        "AWS/Lambda",
        "ConcurrentExecutions",
        "Maximum",
    )
    assert "Dimensions" not in props  # the account's, all functions
    assert props["Period"] == 60 and props["Threshold"] == 800  # 80% of the default quota of 1,000


def test_waf_blocks_alarm_in_prod_only(dev: Synth, prod: Synth) -> None:
    assert not [n for n in alarms(dev) if "waf" in n]
    props = alarms(prod)["quollo-prod-waf-blocked-requests"]
    assert (props["Namespace"], props["MetricName"], props["Statistic"]) == ("AWS/WAFV2", "BlockedRequests", "Sum")
    dims = {d["Name"]: d["Value"] for d in props["Dimensions"]}
    assert dims == {"WebACL": "quollo-prod", "Rule": "ALL", "Region": {"Ref": "AWS::Region"}}
    [acl] = prod.gateway.resources("AWS::WAFv2::WebACL").values()
    assert acl["Properties"]["Name"] == "quollo-prod"
    assert props["Threshold"] == STAGE_DEFAULTS["prod"].alarms.waf_blocked_requests


def test_one_dashboard_shows_the_api_the_functions_and_the_tables(synth: Synth) -> None:
    [dashboard] = synth.monitoring.resources("AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    assert "AWS/ApiGateway" in body and "AWS/Lambda" in body and "AWS/DynamoDB" in body
    assert f'\\"ApiName\\",\\"quollo-{synth.stage}\\",\\"Stage\\",\\"{synth.stage}\\"' in body
    for props in synth.api.route_functions().values():
        assert props["FunctionName"] in body
    for table in synth.stack.data.tables.values():
        assert json.dumps(synth.monitoring.resolve(table.table_name)) in body
    assert "InterviewsCreated" in body and "AuthFailures" in body


def test_the_dashboard_shows_the_webhook_workers_and_queues(synth: Synth) -> None:
    [dashboard] = synth.monitoring.resources("AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    # Imported from the Webhooks and Data stacks.
    for function in synth.stack.webhook_workers.functions.values():
        assert json.dumps(synth.monitoring.resolve(function.function_name)) in body
    data = synth.stack.data
    for queue in (data.webhook_queue, data.webhook_dlq, data.webhook_stream_failures):
        assert json.dumps(synth.monitoring.resolve(queue.queue_name)) in body
    for metric in ("IteratorAge", "ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage"):
        assert metric in body
