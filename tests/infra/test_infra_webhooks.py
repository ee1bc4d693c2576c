"""Webhooks: the interviews stream, the delivery queue and its dead-letter queue (Data
stack), and the fan-out and delivery functions (Webhooks stack) with exactly the permissions
functions/workers.py lists, invoked through their `live` aliases."""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions.data import schema
from functions.routes import ROUTES
from functions.workers import WORKERS, Worker
from testkit.synth import Synth

pytestmark = pytest.mark.infra

LOGS = {"logs:CreateLogStream", "logs:PutLogEvents"}
TRACING = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _function(synth: Synth, worker: Worker) -> dict[str, Any]:
    [props] = [
        f["Properties"]
        for f in synth.webhooks.resources("AWS::Lambda::Function").values()
        if f["Properties"]["Handler"] == worker.handler
    ]
    return dict(props)


def _grants(synth: Synth, worker: Worker) -> dict[str, list[str]]:
    """Action -> the resources it is allowed on, as JSON text (for comparison)."""
    grants: dict[str, list[str]] = {}
    for statement in synth.webhooks.role_statements(_function(synth, worker)["Role"]["Fn::GetAtt"][0]):
        assert statement["Effect"] == "Allow"
        for action in _as_list(statement["Action"]):
            grants.setdefault(action, []).extend(json.dumps(r, sort_keys=True) for r in _as_list(statement["Resource"]))
    return grants


def _ref(synth: Synth, token: str | None) -> str:
    """`token` as the Webhooks stack's template has it (an import for the Data stack's resources)."""
    return json.dumps(synth.webhooks.resolve(token), sort_keys=True)


def test_the_interviews_table_streams_new_and_old_images(synth: Synth) -> None:
    logical_id = synth.data.logical_id(synth.stack.data.tables["interviews"].table_name)
    props = synth.data.json["Resources"][logical_id]["Properties"]
    assert props["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    others = [spec for spec in schema.TABLES if spec.key != "interviews"]
    for spec in others:
        other = synth.data.json["Resources"][synth.data.logical_id(synth.stack.data.tables[spec.key].table_name)]
        assert "StreamSpecification" not in other["Properties"], spec.key


def test_delivery_queue_is_encrypted_tls_only_and_dead_letters_after_five_receives(synth: Synth) -> None:
    queues = synth.data.resources("AWS::SQS::Queue")
    queue = queues[synth.data.logical_id(synth.stack.data.webhook_queue.queue_arn)]["Properties"]
    dead_id = synth.data.logical_id(synth.stack.data.webhook_dlq.queue_arn)
    assert queue["SqsManagedSseEnabled"] is True and queues[dead_id]["Properties"]["SqsManagedSseEnabled"] is True
    assert queue["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": [dead_id, "Arn"]}, "maxReceiveCount": 5}
    assert queue["VisibilityTimeout"] == 180
    assert queues[dead_id]["Properties"]["MessageRetentionPeriod"] == 14 * 86400
    tls_only = [
        s
        for policy in synth.data.resources("AWS::SQS::QueuePolicy").values()
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    ]
    # the delivery queue, its dead letters and the stream's failures; post-processing's three queues
    assert len(tls_only) == 6


def test_each_worker_has_a_live_alias_on_a_published_version(synth: Synth) -> None:
    resources = synth.webhooks.json["Resources"]
    assert len(synth.webhooks.resources("AWS::Lambda::Alias")) == len(WORKERS)
    for worker in WORKERS:
        alias = resources[synth.webhooks.logical_id(synth.stack.webhook_workers.aliases[worker.name].function_arn)]
        function_id = synth.webhooks.logical_id(synth.stack.webhook_workers.functions[worker.name].function_arn)
        assert alias["Properties"]["Name"] == "live"
        assert alias["Properties"]["FunctionName"] == {"Ref": function_id}
        version = resources[alias["Properties"]["FunctionVersion"]["Fn::GetAtt"][0]]
        assert version["Type"] == "AWS::Lambda::Version"
        assert version["Properties"]["FunctionName"] == {"Ref": function_id}


def test_event_sources_feed_the_fan_out_from_the_stream_and_the_delivery_from_the_queue(synth: Synth) -> None:
    mappings = [m["Properties"] for m in synth.webhooks.resources("AWS::Lambda::EventSourceMapping").values()]
    by_function = {json.dumps(m["FunctionName"], sort_keys=True): m for m in mappings}
    assert len(mappings) == 2
    # Each event source invokes the worker's `live` alias (the version this deploy published), not $LATEST.
    fan_out = synth.stack.webhook_workers.aliases["webhook_fanout"]
    delivery = synth.stack.webhook_workers.aliases["webhook_delivery"]
    stream = by_function[_ref(synth, fan_out.function_name)]
    assert json.dumps(stream["EventSourceArn"], sort_keys=True) == _ref(
        synth, synth.stack.data.tables["interviews"].table_stream_arn
    )
    assert stream["BisectBatchOnFunctionError"] is True and stream["MaximumRetryAttempts"] == 10
    # Retried from the failing record, kept in a queue after the retries, and no replay of old history.
    assert stream["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert stream["StartingPosition"] == "LATEST"
    failures = synth.stack.data.webhook_stream_failures
    assert json.dumps(stream["DestinationConfig"], sort_keys=True) == json.dumps(
        {"OnFailure": {"Destination": synth.webhooks.resolve(failures.queue_arn)}}, sort_keys=True
    )
    failure_queue = synth.data.resources("AWS::SQS::Queue")[synth.data.logical_id(failures.queue_arn)]["Properties"]
    assert failure_queue["SqsManagedSseEnabled"] is True and failure_queue["MessageRetentionPeriod"] == 14 * 86400
    queue = by_function[_ref(synth, delivery.function_name)]
    assert json.dumps(queue["EventSourceArn"], sort_keys=True) == _ref(synth, synth.stack.data.webhook_queue.queue_arn)
    assert queue["FunctionResponseTypes"] == ["ReportBatchItemFailures"] and queue["BatchSize"] == 1
    assert "ScalingConfig" in queue


def _delivery_scaling(synth: Synth) -> Any:
    [queue] = [
        m["Properties"]
        for m in synth.webhooks.resources("AWS::Lambda::EventSourceMapping").values()
        if "BatchSize" in m["Properties"] and m["Properties"]["BatchSize"] == 1
    ]
    return queue["ScalingConfig"]


def test_delivery_concurrency_is_capped_per_stage(dev: Synth, prod: Synth) -> None:
    # At most this many deliveries at once, whatever the backlog: slow receivers leave the API its concurrency.
    assert _delivery_scaling(dev) == {"MaximumConcurrency": 5}  # the dev default
    assert _delivery_scaling(prod) == {"MaximumConcurrency": 7}  # -c webhook_delivery_concurrency=7


@pytest.mark.parametrize("worker", WORKERS, ids=lambda w: w.name)
def test_worker_role_allows_exactly_its_listed_actions_on_its_resources(synth: Synth, worker: Worker) -> None:
    data = synth.stack.data
    expected: dict[str, list[str]] = {}

    def allow(actions: Any, resource: Any) -> None:
        for action in actions:
            expected.setdefault(action, []).append(resource if resource == '"*"' else _ref(synth, resource))

    own_logs = {"Fn::GetAtt": [_function(synth, worker)["LoggingConfig"]["LogGroup"]["Ref"], "Arn"]}
    for action in LOGS:
        expected[action] = [json.dumps(own_logs, sort_keys=True)]
    for action in TRACING:
        expected[action] = ['"*"']
    for access in worker.tables:
        allow(access.actions, data.tables[access.table].table_arn)
    if worker.reads_interview_stream:
        allow(
            ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"),
            data.tables["interviews"].table_stream_arn,
        )
        allow(("dynamodb:ListStreams",), '"*"')
        allow(("sqs:SendMessage",), data.webhook_stream_failures.queue_arn)
    if worker.receives_webhook_queue:
        allow(
            ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"),
            data.webhook_queue.queue_arn,
        )
    sends = [data.webhook_queue.queue_arn] * worker.sends_webhook_queue + [
        data.webhook_dlq.queue_arn
    ] * worker.sends_webhook_dlq
    for queue in sends:
        allow(("sqs:SendMessage",), queue)
    grants = _grants(synth, worker)
    assert {a: sorted(r) for a, r in grants.items()} == {a: sorted(r) for a, r in expected.items()}


@pytest.mark.parametrize("worker", WORKERS, ids=lambda w: w.name)
def test_worker_environment_names_its_tables_and_queues(synth: Synth, worker: Worker) -> None:
    env = _function(synth, worker)["Environment"]["Variables"]
    data = synth.stack.data
    for access in worker.tables:
        assert env[data.specs[access.table].env_var] == synth.webhooks.resolve(data.tables[access.table].table_name)
    assert env[schema.WEBHOOK_QUEUE_ENV] == synth.webhooks.resolve(data.webhook_queue.queue_url)
    assert (schema.WEBHOOK_DLQ_ENV in env) == worker.sends_webhook_dlq


def test_only_ping_and_resend_among_the_routes_may_queue_a_delivery(synth: Synth) -> None:
    assert [route.name for route in ROUTES if route.webhook_queue_send] == ["ping_webhook", "resend_event"]
