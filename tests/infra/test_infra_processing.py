"""Post-processing (docs/lifecycle.md): the bus, the records bucket's notification, the queues and the
Analysis Completed rule (Data stack), the two functions with exactly the permissions
functions/workers.py lists (Processing stack), the dead-letter alarm (Monitoring), and the bus's
PutEvents grant, only to the role passed with `-c analysis_role_arn`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Stack

from functions.data import schema
from functions.models.post_processing import ANALYSIS_COMPLETED, ANALYSIS_SOURCE, pattern
from functions.workers import PROCESSORS, Processor
from infra.app import build_app
from infra.constructs.processing import processor_queue
from testkit.synth import PROD_OVERRIDES, Synth, cdk_json_context

pytestmark = pytest.mark.infra

LOGS = {"logs:CreateLogStream", "logs:PutLogEvents"}
TRACING = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
QUEUE_RECEIVE = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _function(synth: Synth, processor: Processor) -> dict[str, Any]:
    [props] = [
        f["Properties"]
        for f in synth.processing.resources("AWS::Lambda::Function").values()
        if f["Properties"]["Handler"] == processor.handler
    ]
    return dict(props)


def _ref(synth: Synth, token: Any) -> str:
    """`token` as the Processing stack's template has it (an import for the Data stack's resources)."""
    return _json(synth.processing.resolve(token))


def test_the_bus_is_the_stages_own(synth: Synth) -> None:
    [bus] = synth.data.resources("AWS::Events::EventBus").values()
    assert bus["Properties"]["Name"] == f"quollo-{synth.stage}"


def test_objects_created_under_the_records_prefix_notify_the_recordings_queue(synth: Synth) -> None:
    data = synth.stack.data
    [notifications] = synth.data.resources("Custom::S3BucketNotifications").values()
    props = notifications["Properties"]
    assert props["BucketName"] == {"Ref": synth.data.logical_id(data.records_bucket.bucket_name)}
    assert props["NotificationConfiguration"] == {
        "QueueConfigurations": [
            {
                "Events": ["s3:ObjectCreated:*"],
                "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": schema.RECORDS_PREFIX}]}},
                "QueueArn": {"Fn::GetAtt": [synth.data.logical_id(data.recordings_queue.queue_arn), "Arn"]},
            }
        ]
    }
    # S3 may send to the queue, from this bucket only.
    statements = [
        s
        for policy in synth.data.resources("AWS::SQS::QueuePolicy").values()
        if {"Ref": synth.data.logical_id(data.recordings_queue.queue_url)} in policy["Properties"]["Queues"]
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if s["Effect"] == "Allow"
    ]
    [s3_send] = statements
    assert s3_send["Principal"] == {"Service": "s3.amazonaws.com"}
    assert "sqs:SendMessage" in _as_list(s3_send["Action"])
    assert s3_send["Condition"]["ArnLike"]["aws:SourceArn"] == {
        "Fn::GetAtt": [synth.data.logical_id(data.records_bucket.bucket_arn), "Arn"]
    }


def test_queues_are_encrypted_and_dead_letter_after_three_receives(synth: Synth) -> None:
    data = synth.stack.data
    queues = synth.data.resources("AWS::SQS::Queue")
    dead_id = synth.data.logical_id(data.processing_dlq.queue_arn)
    assert queues[dead_id]["Properties"]["MessageRetentionPeriod"] == 14 * 86400
    for queue in (data.recordings_queue, data.analysis_queue):
        props = queues[synth.data.logical_id(queue.queue_arn)]["Properties"]
        assert props["SqsManagedSseEnabled"] is True
        assert props["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": [dead_id, "Arn"]}, "maxReceiveCount": 3}
        assert props["VisibilityTimeout"] == 180  # 6 x the functions' 30 s
    assert queues[dead_id]["Properties"]["SqsManagedSseEnabled"] is True


def test_analysis_completed_on_the_bus_goes_to_the_analysis_queue(synth: Synth) -> None:
    data = synth.stack.data
    [rule] = synth.data.resources("AWS::Events::Rule").values()
    props = rule["Properties"]
    assert props["EventBusName"] == {"Ref": synth.data.logical_id(data.event_bus.event_bus_name)}
    assert props["EventPattern"] == pattern(ANALYSIS_COMPLETED)
    assert props["EventPattern"] == {"source": [ANALYSIS_SOURCE], "detail-type": ["Analysis Completed"]}
    [target] = props["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [synth.data.logical_id(data.analysis_queue.queue_arn), "Arn"]}
    # What the rule cannot deliver is kept in the post-processing dead-letter queue.
    assert target["DeadLetterConfig"] == {
        "Arn": {"Fn::GetAtt": [synth.data.logical_id(data.processing_dlq.queue_arn), "Arn"]}
    }


def test_each_processor_has_a_live_alias_fed_by_its_queue(synth: Synth) -> None:
    resources = synth.processing.json["Resources"]
    workers = synth.stack.processing_workers
    assert len(synth.processing.resources("AWS::Lambda::Alias")) == len(PROCESSORS)
    mappings = [m["Properties"] for m in synth.processing.resources("AWS::Lambda::EventSourceMapping").values()]
    assert len(mappings) == len(PROCESSORS)
    by_function = {_json(m["FunctionName"]): m for m in mappings}
    for processor in PROCESSORS:
        alias = resources[synth.processing.logical_id(workers.aliases[processor.name].function_arn)]
        assert alias["Properties"]["Name"] == "live"
        version = resources[alias["Properties"]["FunctionVersion"]["Fn::GetAtt"][0]]
        assert version["Type"] == "AWS::Lambda::Version"
        mapping = by_function[_ref(synth, workers.aliases[processor.name].function_name)]
        assert _json(mapping["EventSourceArn"]) == _ref(synth, processor_queue(processor, synth.stack.data).queue_arn)
        assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert mapping["BatchSize"] == 10 and mapping["ScalingConfig"] == {"MaximumConcurrency": 5}


@pytest.mark.parametrize("processor", PROCESSORS, ids=lambda p: p.name)
def test_processor_role_allows_exactly_its_listed_actions_on_its_resources(synth: Synth, processor: Processor) -> None:
    data = synth.stack.data
    expected: dict[str, list[str]] = {}

    def allow(actions: Any, resource: Any) -> None:
        for action in actions:
            expected.setdefault(action, []).append(resource if resource == '"*"' else _ref(synth, resource))

    own_logs = {"Fn::GetAtt": [_function(synth, processor)["LoggingConfig"]["LogGroup"]["Ref"], "Arn"]}
    for action in LOGS:
        expected[action] = [_json(own_logs)]
    for action in TRACING:
        expected[action] = ['"*"']
    for access in processor.tables:
        allow(access.actions, data.tables[access.table].table_arn)
    allow(QUEUE_RECEIVE, processor_queue(processor, data).queue_arn)
    if processor.reads_recordings:
        allow(("s3:GetObject",), data.records_bucket.arn_for_objects("records/*"))
    if processor.publishes_events:
        allow(("events:PutEvents",), data.event_bus.event_bus_arn)
    if processor.sends_dead_letters:
        allow(("sqs:SendMessage",), data.processing_dlq.queue_arn)
    grants: dict[str, list[str]] = {}
    role = _function(synth, processor)["Role"]["Fn::GetAtt"][0]
    for statement in synth.processing.role_statements(role):
        assert statement["Effect"] == "Allow"
        for action in _as_list(statement["Action"]):
            grants.setdefault(action, []).extend(_json(r) for r in _as_list(statement["Resource"]))
    assert {a: sorted(r) for a, r in grants.items()} == {a: sorted(r) for a, r in expected.items()}


def test_the_listed_actions_are_what_the_handlers_call() -> None:
    by_name = {p.name: p for p in PROCESSORS}
    upload, analysis = by_name["recording_uploaded"], by_name["analysis_completed"]
    assert [(t.table, t.actions) for t in upload.tables] == [
        ("interviews", ("dynamodb:GetItem", "dynamodb:UpdateItem"))
    ]
    assert (upload.queue, upload.reads_recordings, upload.publishes_events, upload.sends_dead_letters) == (
        "recordings",
        True,
        True,
        False,
    )
    assert analysis.tables == upload.tables
    assert (analysis.queue, analysis.reads_recordings, analysis.publishes_events, analysis.sends_dead_letters) == (
        "analysis",
        False,
        False,
        True,
    )


@pytest.mark.parametrize("processor", PROCESSORS, ids=lambda p: p.name)
def test_processor_environment_names_what_it_uses(synth: Synth, processor: Processor) -> None:
    env = _function(synth, processor)["Environment"]["Variables"]
    data = synth.stack.data
    assert env[schema.INTERVIEWS.env_var] == synth.processing.resolve(data.tables["interviews"].table_name)
    assert (schema.RECORDS_BUCKET_ENV in env) == processor.reads_recordings
    assert (schema.EVENT_BUS_ENV in env) == processor.publishes_events
    assert (schema.PROCESSING_DLQ_ENV in env) == processor.sends_dead_letters
    if processor.publishes_events:
        assert env[schema.EVENT_BUS_ENV] == synth.processing.resolve(data.event_bus.event_bus_name)


def test_dev_grants_put_events_to_nobody(dev: Synth) -> None:
    assert dev.data.resources("AWS::Events::EventBusPolicy") == {}
    assert "analysis_role_arn" not in json.dumps(dev.data.json)


def test_prod_grants_put_events_to_the_analysis_role_only_with_its_source(prod: Synth) -> None:
    [policy] = prod.data.resources("AWS::Events::EventBusPolicy").values()
    props = policy["Properties"]
    assert props["EventBusName"] == {"Ref": prod.data.logical_id(prod.stack.data.event_bus.event_bus_name)}
    statement = props["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Principal"] == {"AWS": PROD_OVERRIDES["analysis_role_arn"]}
    assert statement["Action"] == "events:PutEvents"
    assert statement["Resource"] == {
        "Fn::GetAtt": [prod.data.logical_id(prod.stack.data.event_bus.event_bus_arn), "Arn"]
    }
    assert statement["Condition"] == {"StringEquals": {"events:source": ANALYSIS_SOURCE}}


def test_a_malformed_analysis_role_arn_fails_the_synth(tmp_path: Path) -> None:
    context = {**cdk_json_context(), "stage": "dev"}
    for wrong in ("quollo-analysis", "arn:aws:sns:eu-west-1:123456789012:topic", "arn:aws:iam::123:user/x"):
        with pytest.raises(ValueError, match="analysis_role_arn"):
            build_app({**context, "analysis_role_arn": wrong}, outdir=str(tmp_path / "cdk.out"))


def test_dead_letters_and_crashes_alarm(synth: Synth) -> None:
    alarms = {
        a["Properties"]["AlarmName"]: a["Properties"]
        for a in synth.monitoring.resources("AWS::CloudWatch::Alarm").values()
    }
    prefix = f"quollo-{synth.stage}"
    dead = alarms[f"{prefix}-post-processing-dead-letters"]
    assert dead["MetricName"] == "ApproximateNumberOfMessagesVisible" and dead["Threshold"] == 1
    [dimension] = dead["Dimensions"]
    assert dimension["Name"] == "QueueName"
    assert _json(dimension["Value"]) == _json(synth.monitoring.resolve(synth.stack.data.processing_dlq.queue_name))
    assert dead["AlarmDescription"].endswith("Runbook: docs/runbook.md#post-processing-dead-letters")
    for processor in PROCESSORS:
        errors = alarms[f"{prefix}-{processor.name.replace('_', '-')}-errors"]
        assert errors["MetricName"] == "Errors" and errors["Period"] == 60
        assert errors["AlarmDescription"].endswith("Runbook: docs/runbook.md#post-processing-errors")


def test_the_processing_stack_deploys_after_data_and_before_monitoring(synth: Synth) -> None:
    stacks = synth.stack.stacks
    names = [s.stack_name for s in stacks]
    assert names.index(f"Quollo-{synth.stage}-Processing") == 2
    processing: Stack = synth.stack.processing_stack
    assert synth.stack.data_stack in processing.dependencies
    assert processing in synth.stack.monitoring_stack.dependencies
