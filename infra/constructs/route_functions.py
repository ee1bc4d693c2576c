"""One Lambda function per route of the route table, each with its own role and log group."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from aws_cdk import Acknowledgment, Annotations, Duration, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from functions.data import schema
from functions.routes import S3_DELETE_RECORDS, S3_LIST_RECORD_VERSIONS, Route
from infra.concurrency import check_budget, reservations
from infra.config import StageConfig
from infra.constructs.data import DataConstruct
from infra.function_env import FUNCTION_ENVIRONMENT


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def route_statements(route: Route, data: DataConstruct, log_group: logs.ILogGroup) -> list[iam.PolicyStatement]:
    """Exactly what `route` may do: its log group, its table actions, its S3 prefix, its secret.

    Written out instead of `grant_*` helpers, which add actions the route never calls
    (for example `grant_read_data` includes Scan).
    """
    statements = [
        iam.PolicyStatement(
            sid="OwnLogGroup",
            actions=["logs:CreateLogStream", "logs:PutLogEvents"],
            resources=[log_group.log_group_arn],
        )
    ]
    for access in route.tables:
        table_arn = data.tables[access.table].table_arn
        statements.append(
            iam.PolicyStatement(
                sid=f"{_pascal(access.table)}Table",
                actions=list(access.actions),
                resources=[table_arn, *(f"{table_arn}/index/{name}" for name in access.indexes)],
            )
        )
    records = data.records_bucket.arn_for_objects(f"{schema.RECORDS_PREFIX}*")
    if route.s3_read_records:
        statements.append(
            iam.PolicyStatement(sid="ReadRecordsForPresigning", actions=["s3:GetObject"], resources=[records])
        )
    if route.s3_write_records:
        statements.append(
            iam.PolicyStatement(sid="WriteTestInterviewSampleVideo", actions=["s3:PutObject"], resources=[records])
        )
    if route.s3_delete_records:
        statements.append(
            iam.PolicyStatement(
                sid="DeleteRecordingWithInterview", actions=list(S3_DELETE_RECORDS), resources=[records]
            )
        )
        # Every version of the recording is listed first; a bucket action, held to the prefix.
        statements.append(
            iam.PolicyStatement(
                sid="ListRecordingVersions",
                actions=[S3_LIST_RECORD_VERSIONS],
                resources=[data.records_bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": f"{schema.RECORDS_PREFIX}*"}},
            )
        )
    if route.webhook_queue_send:
        statements.append(
            iam.PolicyStatement(
                sid="QueueWebhookDelivery", actions=["sqs:SendMessage"], resources=[data.webhook_queue.queue_arn]
            )
        )
    if route.publishes_events:
        statements.append(
            iam.PolicyStatement(
                sid="PublishRecordingUploaded", actions=["events:PutEvents"], resources=[data.event_bus.event_bus_arn]
            )
        )
    if route.cursor_secret:
        statements.append(
            iam.PolicyStatement(
                sid="CursorSigningKey",
                actions=["secretsmanager:GetSecretValue"],
                resources=[data.cursor_secret.secret_arn],
            )
        )
    return statements


# Added by Lambda's active tracing; X-Ray has no resource-level permissions.
TRACING_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")


def function_name(config: StageConfig, name: str) -> str:
    """The physical name of a route function, quollo-<stage>-<route>: the monitoring stack names it in
    its alarms and dashboard without a reference to the API stack (docs/decisions.md, 27)."""
    return f"quollo-{config.stage}-{name.replace('_', '-')}"


def dependency_layer(scope: Construct, code: lambda_.Code, description: str) -> lambda_.LayerVersion:
    """Our own layer, built from uv.lock (infra/layer.py): the versions the tests run, in any
    partition, instead of AWS's public Powertools layer whose number maps to no version.

    One per stack that has functions, from the same asset: a layer shared across stacks would be an
    export whose value changes with every dependency bump, which CloudFormation refuses while imported."""
    return lambda_.LayerVersion(
        scope,
        "Dependencies",
        code=code,
        description=description,
        compatible_runtimes=[RouteFunctions.RUNTIME],
        compatible_architectures=[RouteFunctions.ARCHITECTURE],
    )


def base_environment(config: StageConfig) -> dict[str, str]:
    """What every function's environment holds before its own resources' names."""
    env = {**FUNCTION_ENVIRONMENT, "POWERTOOLS_LOG_LEVEL": config.log_level}
    if not config.tracer:
        env["POWERTOOLS_TRACE_DISABLED"] = "true"
    return env


def quollo_function(
    scope: Construct,
    config: StageConfig,
    *,
    description: str,
    role_description: str,
    policy: tuple[str, Callable[[logs.ILogGroup], list[iam.PolicyStatement]]],
    handler: str,
    code: lambda_.Code,
    layer: lambda_.ILayerVersion,
    timeout: Duration,
    environment: dict[str, str],
    **extra: Any,
) -> tuple[lambda_.Function, iam.Role]:
    """A function as all of ours are: its own log group and role (one inline policy, `policy`'s
    statements and tracing's, nothing managed), the runtime, layer, JSON logs and active tracing of
    every function. `extra` adds what only some functions have (reserved concurrency, SnapStart).

    The tracing actions are written into the inline policy, and the function gets the role as
    immutable: otherwise CDK adds them as a separate AWS::IAM::Policy per function (a resource per
    function of a stack's 500, for two actions). So a grant made later through the function
    (`grant_*`, `add_to_role_policy`) is dropped: permissions come from `policy`, i.e. the route table."""
    log_group = logs.LogGroup(scope, "Logs", retention=config.log_retention, removal_policy=config.removal_policy)
    policy_name, statements = policy
    tracing = iam.PolicyStatement(sid="ActiveTracing", actions=list(TRACING_ACTIONS), resources=["*"])
    role = iam.Role(
        scope,
        "Role",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description=role_description,
        inline_policies={policy_name: iam.PolicyDocument(statements=[*statements(log_group), tracing])},
    )
    function = lambda_.Function(
        scope,
        "Function",
        description=description,
        runtime=RouteFunctions.RUNTIME,
        architecture=RouteFunctions.ARCHITECTURE,
        handler=handler,
        code=code,
        layers=[layer],
        memory_size=RouteFunctions.MEMORY_MB,
        timeout=timeout,
        role=role.without_policy_updates(),
        log_group=log_group,
        logging_format=lambda_.LoggingFormat.JSON,
        application_log_level_v2=lambda_.ApplicationLogLevel[config.log_level],
        system_log_level_v2=lambda_.SystemLogLevel.WARN,
        tracing=lambda_.Tracing.ACTIVE,
        environment=environment,
        **extra,
    )
    return function, role


class RouteFunctions(Construct):
    """Builds the functions in a loop over the route table; only the handler and permissions differ."""

    RUNTIME = lambda_.Runtime.PYTHON_3_12
    PYTHON_VERSION = "3.12"
    ARCHITECTURE = lambda_.Architecture.ARM_64
    # CPU is allotted in proportion to memory: at 512 MB imports (boto3, pydantic, Powertools) and
    # the first DynamoDB client take about a quarter of the cold start they take at 128 MB, for
    # a cost per request that stays in the same range because requests finish sooner.
    MEMORY_MB = 512
    # API Gateway gives up after 29 s; every route is one or two DynamoDB calls, so anything past
    # a few seconds is a fault worth cutting short (the client sees our 500 body).
    TIMEOUT = Duration.seconds(10)
    ALIAS = "live"

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        routes: Sequence[Route],
        data: DataConstruct,
        code: lambda_.Code,
        dependencies: lambda_.Code,
        dependencies_description: str,
        config: StageConfig,
    ) -> None:
        super().__init__(scope, construct_id)
        self._data = data
        self._code = code
        self._config = config
        # Fail the synth, not the deploy halfway, when the account cannot hold these reservations.
        self.reserved = reservations(routes, config.reserved_concurrency)
        check_budget(
            self.reserved,
            per_weight=config.reserved_concurrency,
            account_concurrency=config.account_concurrency,
            margin=config.concurrency_margin,
        )
        self.dependencies = dependency_layer(self, dependencies, dependencies_description)
        self.functions: dict[str, lambda_.Function] = {route.name: self._function(route) for route in routes}
        # What API Gateway invokes: a `live` alias on the version published from this deploy, so
        # CodeDeploy can shift it gradually and a rollback is pointing it at the previous version.
        self.aliases: dict[str, lambda_.Alias] = {name: self._live_alias(fn) for name, fn in self.functions.items()}
        Validations.of(self).acknowledge(
            Acknowledgment(
                id="AwsSolutions-L1",
                reason="Python 3.12 is pinned on purpose: the dependency layer (cp312 wheels) and "
                "the interpreter that precompiles the bytecode must match it; RUNTIME is one constant.",
            )
        )

    def _function(self, route: Route) -> lambda_.Function:
        name = _pascal(route.name)
        scope = Construct(self, name)
        function, role = quollo_function(
            scope,
            self._config,
            description=f"Quollo {route.method} {route.path}",
            role_description=f"Quollo {route.method} {route.path}: only the actions this route uses",
            policy=("route", lambda log_group: route_statements(route, self._data, log_group)),
            handler=route.handler,
            code=self._code,
            layer=self.dependencies,
            timeout=self.TIMEOUT,
            environment=self._environment(route),
            reserved_concurrent_executions=self.reserved.get(route.name),
            function_name=function_name(self._config, route.name),
            # Applies to published versions only, which is all the `live` alias ever invokes.
            snap_start=lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS if self._config.snapstart else None,
        )
        Validations.of(role).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason="Active tracing adds xray:PutTraceSegments/PutTelemetryRecords, which "
                "support no resource-level permissions.",
            )
        )
        if route.s3_read_records:
            Validations.of(role).acknowledge(
                self._records_prefix_acknowledgment(
                    "The function reads any interview's recording (the get route pre-signs its URL, a "
                    "room's finish checks its first bytes), so it may read every object under the "
                    "records/ prefix and nothing else."
                )
            )
        if route.s3_write_records:
            Validations.of(role).acknowledge(
                self._records_prefix_acknowledgment(
                    "The create function writes the sample video of a test interview under "
                    "records/{user}/{interview}.mp4; ids are only known at run time."
                )
            )
        if route.s3_delete_records:
            Validations.of(role).acknowledge(
                self._records_prefix_acknowledgment(
                    "The delete function deletes every version of the recording of the interview it "
                    "deletes, records/{user}/{interview}.mp4; ids are only known at run time."
                )
            )
        return function

    def _live_alias(self, function: lambda_.Function) -> lambda_.Alias:
        if self._config.snapstart:
            Annotations.of(function).acknowledge_warning(
                "@aws-cdk/aws-lambda:snapStartRequirePublish",
                "Every deploy publishes a version (current_version) and the live alias points at it.",
            )
        scope = function.node.scope
        assert isinstance(scope, Construct)
        return lambda_.Alias(scope, "Live", alias_name=self.ALIAS, version=function.current_version)

    def _records_prefix_acknowledgment(self, reason: str) -> Acknowledgment:
        # cdk-nag names the bucket as the policy does: <logical id.Arn> in its own stack, the name of
        # the export from another (export_value gives the export CDK makes for the reference anyway).
        bucket_arn = self._data.records_bucket.bucket_arn
        data_stack = Stack.of(self._data)
        if data_stack is Stack.of(self):
            bucket = f"<{Stack.of(self).resolve(bucket_arn)['Fn::GetAtt'][0]}.Arn>"
        else:
            bucket = Stack.of(self).resolve(data_stack.export_value(bucket_arn))["Fn::ImportValue"]
        return Acknowledgment(id=f"AwsSolutions-IAM5[Resource::{bucket}/{schema.RECORDS_PREFIX}*]", reason=reason)

    def _environment(self, route: Route) -> dict[str, str]:
        env = base_environment(self._config) | {schema.RECORDS_BUCKET_ENV: self._data.records_bucket.bucket_name}
        for access in route.tables:
            env[self._data.specs[access.table].env_var] = self._data.tables[access.table].table_name
        if route.cursor_secret:
            env[schema.CURSOR_SECRET_ENV] = self._data.cursor_secret.secret_arn
        if route.webhook_queue_send:
            env[schema.WEBHOOK_QUEUE_ENV] = self._data.webhook_queue.queue_url
        if route.publishes_events:
            env[schema.EVENT_BUS_ENV] = self._data.event_bus.event_bus_name
        return env
