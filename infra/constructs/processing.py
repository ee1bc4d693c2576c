"""The post-processing functions (docs/lifecycle.md): invoked by the recordings and analysis queues of
the Data stack, not by API Gateway. One role each, with exactly the actions `functions/workers.py`
(PROCESSORS) lists; each queue invokes a `live` alias on the version this deploy published, as the
webhook workers' event sources do.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Acknowledgment, Duration, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from functions.data import schema
from functions.workers import Processor
from infra.config import StageConfig
from infra.constructs.data import DataConstruct
from infra.constructs.route_functions import RouteFunctions, _pascal, base_environment, quollo_function
from infra.constructs.webhook_workers import QUEUE_RECEIVE


def processor_queue(processor: Processor, data: DataConstruct) -> sqs.IQueue:
    return {"recordings": data.recordings_queue, "analysis": data.analysis_queue}[processor.queue]


def processor_statements(
    processor: Processor, data: DataConstruct, log_group: logs.ILogGroup
) -> list[iam.PolicyStatement]:
    statements = [
        iam.PolicyStatement(
            sid="OwnLogGroup",
            actions=["logs:CreateLogStream", "logs:PutLogEvents"],
            resources=[log_group.log_group_arn],
        ),
        iam.PolicyStatement(
            sid="ReceiveQueue", actions=list(QUEUE_RECEIVE), resources=[processor_queue(processor, data).queue_arn]
        ),
    ]
    for access in processor.tables:
        statements.append(
            iam.PolicyStatement(
                sid=f"{_pascal(access.table)}Table",
                actions=list(access.actions),
                resources=[data.tables[access.table].table_arn],
            )
        )
    if processor.reads_recordings:
        statements.append(
            iam.PolicyStatement(
                sid="ReadRecordings",
                actions=["s3:GetObject"],
                resources=[data.records_bucket.arn_for_objects(f"{schema.RECORDS_PREFIX}*")],
            )
        )
    if processor.publishes_events:
        statements.append(
            iam.PolicyStatement(
                sid="PublishEvents", actions=["events:PutEvents"], resources=[data.event_bus.event_bus_arn]
            )
        )
    if processor.sends_dead_letters:
        statements.append(
            iam.PolicyStatement(
                sid="DeadLetters", actions=["sqs:SendMessage"], resources=[data.processing_dlq.queue_arn]
            )
        )
    return statements


class ProcessingWorkers(Construct):
    TIMEOUT = Duration.seconds(30)  # a ranged GET, two DynamoDB calls and a PutEvents per message
    BATCH = 10
    # At most this many functions at once per queue (the SQS event source's maximum concurrency): a
    # burst of uploads or results waits on its queue rather than taking the API's concurrency.
    CONCURRENCY = 5

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        processors: Sequence[Processor],
        data: DataConstruct,
        code: lambda_.Code,
        layer: lambda_.ILayerVersion,
        config: StageConfig,
    ) -> None:
        super().__init__(scope, construct_id)
        self._data = data
        self._config = config
        self.aliases: dict[str, lambda_.Alias] = {}
        self.functions = {p.name: self._function(p, code, layer) for p in processors}
        Validations.of(self).acknowledge(
            Acknowledgment(
                id="AwsSolutions-L1",
                reason="Python 3.12 like the route functions: they share the cp312 layer and the bytecode.",
            )
        )

    def _function(self, processor: Processor, code: lambda_.Code, layer: lambda_.ILayerVersion) -> lambda_.Function:
        scope = Construct(self, _pascal(processor.name))
        function, role = quollo_function(
            scope,
            self._config,
            description=processor.description,
            role_description=f"{processor.description}: only the actions it uses",
            policy=("processor", lambda log_group: processor_statements(processor, self._data, log_group)),
            handler=processor.handler,
            code=code,
            layer=layer,
            timeout=self.TIMEOUT,
            environment=self._environment(processor),
        )
        Validations.of(role).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason="Active tracing (xray:Put*) supports no resource-level permissions.",
            )
        )
        if processor.reads_recordings:
            # cdk-nag names the bucket as the policy does: by the Data stack's export.
            data_stack, bucket_arn = Stack.of(self._data), self._data.records_bucket.bucket_arn
            bucket = Stack.of(self).resolve(data_stack.export_value(bucket_arn))["Fn::ImportValue"]
            Validations.of(role).acknowledge(
                Acknowledgment(
                    id=f"AwsSolutions-IAM5[Resource::{bucket}/{schema.RECORDS_PREFIX}*]",
                    reason="Any interview's recording may be uploaded: every object under the records prefix.",
                )
            )
        alias = lambda_.Alias(scope, "Live", alias_name=RouteFunctions.ALIAS, version=function.current_version)
        self.aliases[processor.name] = alias
        lambda_.EventSourceMapping(
            scope,
            "Queue",
            target=alias,
            event_source_arn=processor_queue(processor, self._data).queue_arn,
            batch_size=self.BATCH,
            report_batch_item_failures=True,
            max_concurrency=self.CONCURRENCY,
        )
        return function

    def _environment(self, processor: Processor) -> dict[str, str]:
        env = base_environment(self._config)
        for access in processor.tables:
            env[self._data.specs[access.table].env_var] = self._data.tables[access.table].table_name
        if processor.reads_recordings:
            env[schema.RECORDS_BUCKET_ENV] = self._data.records_bucket.bucket_name
        if processor.publishes_events:
            env[schema.EVENT_BUS_ENV] = self._data.event_bus.event_bus_name
        if processor.sends_dead_letters:
            env[schema.PROCESSING_DLQ_ENV] = self._data.processing_dlq.queue_url
        return env
