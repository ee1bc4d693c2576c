"""One function per route (API stack), each allowed exactly what its route table entry lists."""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions.data import schema
from functions.routes import ROUTES, S3_DELETE_RECORDS, S3_LIST_RECORD_VERSIONS, Route
from functions.workers import PROCESSORS, WORKERS
from infra.constructs.rollouts import HOOK_HANDLER
from testkit.synth import StackTemplate, Synth

pytestmark = pytest.mark.infra

LOG_ACTIONS = {"logs:CreateLogStream", "logs:PutLogEvents"}
# Added by CDK for active tracing; X-Ray has no resource-level permissions.
TRACING_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
# The only function that is not ours: CDK's provider that empties dev buckets on destroy.
AUTO_DELETE_PROVIDER = "CustomS3AutoDeleteObjectsCustomResourceProvider"
NOTIFICATIONS_HANDLER = "BucketNotificationsHandler050a0587b7544547bf325f094a3db834"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def expected_actions(route: Route) -> set[str]:
    actions = {a for access in route.tables for a in access.actions} | LOG_ACTIONS | TRACING_ACTIONS
    if route.s3_read_records:
        actions.add("s3:GetObject")
    if route.s3_write_records:
        actions.add("s3:PutObject")
    if route.s3_delete_records:
        actions |= {*S3_DELETE_RECORDS, S3_LIST_RECORD_VERSIONS}
    if route.cursor_secret:
        actions.add("secretsmanager:GetSecretValue")
    if route.webhook_queue_send:
        actions.add("sqs:SendMessage")
    if route.publishes_events:
        actions.add("events:PutEvents")
    return actions


def test_exactly_one_function_per_route_plus_cdk_auto_delete_in_dev(synth: Synth) -> None:
    def handlers(template: StackTemplate) -> list[str]:
        functions = template.resources("AWS::Lambda::Function").items()
        return sorted(
            f["Properties"]["Handler"]
            for i, f in functions
            if not i.startswith((AUTO_DELETE_PROVIDER, NOTIFICATIONS_HANDLER))
        )

    # CodeDeploy's hook where there are canaries (prod; test_infra_rollouts.py).
    hooks = [HOOK_HANDLER] if synth.stage == "prod" else []
    assert handlers(synth.api) == sorted([r.handler for r in ROUTES] + hooks)
    # The webhook fan-out and delivery are the only functions no route invokes (test_infra_webhooks.py).
    assert handlers(synth.webhooks) == sorted(w.handler for w in WORKERS)
    assert handlers(synth.processing) == sorted(p.handler for p in PROCESSORS)
    assert handlers(synth.data) == handlers(synth.monitoring) == []
    # CDK's handler that writes the records bucket's notification (post-processing), in the data stack.
    notifications = [
        i for t in synth.templates for i in t.resources("AWS::Lambda::Function") if i.startswith(NOTIFICATIONS_HANDLER)
    ]
    assert len(notifications) == 1 and notifications[0] in synth.data.json["Resources"]
    cdk_internal = [
        i for t in synth.templates for i in t.resources("AWS::Lambda::Function") if i.startswith(AUTO_DELETE_PROVIDER)
    ]
    assert len(cdk_internal) == (1 if synth.stage == "dev" else 0)
    assert all(i in synth.data.json["Resources"] for i in cdk_internal), "it empties the data stack's buckets"


def test_route_functions_have_names_the_monitoring_stack_can_use(synth: Synth) -> None:
    """quollo-<stage>-<route>: the alarms and dashboard name them without importing from the API stack."""
    for name, props in synth.api.route_functions().items():
        assert props["FunctionName"] == f"quollo-{synth.stage}-{name.replace('_', '-')}"


def test_functions_share_runtime_settings(synth: Synth) -> None:
    # Our own layer (built from uv.lock), the only one: no public layer from another account. One in
    # each stack with functions (a layer imported across stacks could never change), of one asset.
    [(layer_id, layer)] = synth.api.resources("AWS::Lambda::LayerVersion").items()
    [worker_layer] = synth.webhooks.resources("AWS::Lambda::LayerVersion").values()
    assert worker_layer["Properties"]["Content"] == layer["Properties"]["Content"]
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.12"]
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
    for name, props in synth.api.route_functions().items():
        assert props["Runtime"] == "python3.12", name
        assert props["Architectures"] == ["arm64"], name
        assert props["MemorySize"] == 512 and props["Timeout"] == 10, name
        assert props["TracingConfig"] == {"Mode": "Active"}, name
        logging = props["LoggingConfig"]
        assert logging["LogFormat"] == "JSON", name
        # An explicit log group per function (with retention), not the implicit one.
        log_group = synth.api.json["Resources"][logging["LogGroup"]["Ref"]]
        assert log_group["Type"] == "AWS::Logs::LogGroup" and log_group["Properties"]["RetentionInDays"] == 30
        assert props["Layers"] == [{"Ref": layer_id}], name


def test_each_function_has_its_own_role_and_log_group(synth: Synth) -> None:
    functions = synth.api.route_functions().values()
    roles = [f["Role"]["Fn::GetAtt"][0] for f in functions]
    log_groups = [f["LoggingConfig"]["LogGroup"]["Ref"] for f in functions]
    assert len(set(roles)) == len(set(log_groups)) == len(ROUTES)


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_role_allows_exactly_the_route_actions(dev: Synth, route: Route) -> None:
    props = dev.api.route_functions()[route.name]
    statements = dev.api.role_statements(props["Role"]["Fn::GetAtt"][0])
    actions = {a for s in statements for a in _as_list(s["Action"])}
    assert actions == expected_actions(route)
    assert all(s["Effect"] == "Allow" for s in statements)


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_table_actions_apply_to_that_table_and_its_listed_indexes_only(dev: Synth, route: Route) -> None:
    props = dev.api.route_functions()[route.name]
    statements = dev.api.role_statements(props["Role"]["Fn::GetAtt"][0])
    granted: dict[str, list[Any]] = {}
    for statement in statements:
        for action in _as_list(statement["Action"]):
            if action.startswith("dynamodb:"):
                granted.setdefault(action, []).extend(_as_list(statement["Resource"]))
    expected: dict[str, list[Any]] = {}
    for access in route.tables:
        arn = dev.api.resolve(dev.stack.data.tables[access.table].table_arn)
        resources = [arn] + [{"Fn::Join": ["", [arn, f"/index/{name}"]]} for name in access.indexes]
        for action in access.actions:
            expected.setdefault(action, []).extend(resources)
    assert {a: sorted(map(json.dumps, r)) for a, r in granted.items()} == {
        a: sorted(map(json.dumps, r)) for a, r in expected.items()
    }


def test_only_get_and_the_rooms_finish_read_create_and_the_room_write_and_delete_deletes_records_in_the_prefix(
    dev: Synth,
) -> None:
    bucket_arn = dev.api.resolve(dev.stack.data.records_bucket.bucket_arn)
    prefix = {"Fn::Join": ["", [bucket_arn, f"/{schema.RECORDS_PREFIX}*"]]}
    readers = {route.name for route in ROUTES if route.s3_read_records}
    writers = {route.name for route in ROUTES if route.s3_write_records}
    deleters = {route.name for route in ROUTES if route.s3_delete_records}
    # create: a test interview's sample video; the room: its upload URL is signed with the function's role.
    writers_expected = {"create_interview", "upload_recording"}
    # get: pre-signed URLs; the room's finish: the first bytes of a recording uploaded during the interview.
    readers_expected = {"get_interview", "finish_room"}
    assert (readers, writers, deleters) == (readers_expected, writers_expected, {"delete_interview"})
    for route in ROUTES:
        props = dev.api.route_functions()[route.name]
        s3 = [s for s in dev.api.role_statements(props["Role"]["Fn::GetAtt"][0]) if "s3:" in json.dumps(s["Action"])]
        # Deleting a recording deletes every version of it (the bucket is versioned): listing
        # versions is a bucket action, held to the prefix by a condition.
        in_prefix = {"StringLike": {"s3:prefix": f"{schema.RECORDS_PREFIX}*"}}
        expected = (
            [("s3:GetObject", prefix, None)] * route.s3_read_records
            + [("s3:PutObject", prefix, None)] * route.s3_write_records
            + [(list(S3_DELETE_RECORDS), prefix, None), (S3_LIST_RECORD_VERSIONS, bucket_arn, in_prefix)]
            * route.s3_delete_records
        )
        assert [(s["Action"], s["Resource"], s.get("Condition")) for s in s3] == expected, route.name


def test_logs_permissions_target_the_functions_own_log_group(dev: Synth) -> None:
    for name, props in dev.api.route_functions().items():
        own = {"Fn::GetAtt": [props["LoggingConfig"]["LogGroup"]["Ref"], "Arn"]}
        logs = [s for s in dev.api.role_statements(props["Role"]["Fn::GetAtt"][0]) if "logs:" in json.dumps(s)]
        assert [s["Resource"] for s in logs] == [own], name


def test_no_wildcard_actions_and_no_scan_anywhere(synth: Synth) -> None:
    policies = []
    for template in synth.templates:
        assert "dynamodb:Scan" not in json.dumps(template.json)
        policies += [p["Properties"]["PolicyDocument"] for p in template.resources("AWS::IAM::Policy").values()]
        policies += [
            p["PolicyDocument"]
            for role in template.resources("AWS::IAM::Role").values()
            for p in role["Properties"].get("Policies", [])
        ]
    actions = [a for doc in policies for s in doc["Statement"] for a in _as_list(s["Action"])]
    assert actions and not [a for a in actions if "*" in a]


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_environment_names_the_routes_tables_and_secret(dev: Synth, route: Route) -> None:
    env = dev.api.route_functions()[route.name]["Environment"]["Variables"]
    specs = {spec.key: spec for spec in schema.TABLES}
    for access in route.tables:
        assert env[specs[access.table].env_var] == dev.api.resolve(dev.stack.data.tables[access.table].table_name)
    unused = {specs[k].env_var for k in specs} - {specs[a.table].env_var for a in route.tables}
    assert not unused & env.keys()
    assert env[schema.RECORDS_BUCKET_ENV] == dev.api.resolve(dev.stack.data.records_bucket.bucket_name)
    assert (schema.CURSOR_SECRET_ENV in env) == route.cursor_secret
    if route.cursor_secret:
        assert env[schema.CURSOR_SECRET_ENV] == dev.api.resolve(dev.stack.data.cursor_secret.secret_arn)
    assert (schema.WEBHOOK_QUEUE_ENV in env) == route.webhook_queue_send
    assert (schema.EVENT_BUS_ENV in env) == route.publishes_events
    if route.publishes_events:
        assert env[schema.EVENT_BUS_ENV] == dev.api.resolve(dev.stack.data.event_bus.event_bus_name)
    assert env["POWERTOOLS_SERVICE_NAME"] == "quollo"


def test_tracer_is_on_by_default_and_a_context_flag_turns_only_the_sdk_off(dev: Synth, prod: Synth) -> None:
    for props in dev.api.route_functions().values():
        assert "POWERTOOLS_TRACE_DISABLED" not in props["Environment"]["Variables"]
    for props in prod.api.route_functions().values():  # PROD_OVERRIDES sets tracer=false
        assert props["Environment"]["Variables"]["POWERTOOLS_TRACE_DISABLED"] == "true"
        assert props["TracingConfig"] == {"Mode": "Active"}, "Lambda's own tracing stays on"
