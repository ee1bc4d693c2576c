"""The webhook fan-out and delivery functions: invoked by the interviews stream and the
delivery queue, not by API Gateway. One role each, with exactly the actions `functions/workers.py` lists.
Like the route functions, each event source invokes a `live` alias on the version this deploy published:
what ran is a version that can be named, compared and pointed back to, never `$LATEST`.
"""

from __future__ import annotations

from collections.abc import Sequence

import jsii
from aws_cdk import Acknowledgment, Duration, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from functions.data import schema
from functions.workers import Worker
from infra.config import StageConfig
from infra.constructs.data import DataConstruct
from infra.constructs.route_functions import RouteFunctions, _pascal, base_environment, quollo_function

# What Lambda's event source mappings call on our behalf.
STREAM_READ = ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator")
STREAM_LIST = "dynamodb:ListStreams"  # has no resource type: "*" only
QUEUE_RECEIVE = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility")


def worker_statements(worker: Worker, data: DataConstruct, log_group: logs.ILogGroup) -> list[iam.PolicyStatement]:
    statements = [
        iam.PolicyStatement(
            sid="OwnLogGroup",
            actions=["logs:CreateLogStream", "logs:PutLogEvents"],
            resources=[log_group.log_group_arn],
        )
    ]
    for access in worker.tables:
        statements.append(
            iam.PolicyStatement(
                sid=f"{_pascal(access.table)}Table",
                actions=list(access.actions),
                resources=[data.tables[access.table].table_arn],
            )
        )
    if worker.reads_interview_stream:
        stream_arn = data.tables[schema.INTERVIEWS.key].table_stream_arn
        assert stream_arn is not None
        statements.append(
            iam.PolicyStatement(sid="ReadInterviewStream", actions=list(STREAM_READ), resources=[stream_arn])
        )
        statements.append(iam.PolicyStatement(sid="ListStreams", actions=[STREAM_LIST], resources=["*"]))
        statements.append(
            iam.PolicyStatement(
                sid="KeepFailedChanges",
                actions=["sqs:SendMessage"],
                resources=[data.webhook_stream_failures.queue_arn],
            )
        )
    if worker.receives_webhook_queue:
        statements.append(
            iam.PolicyStatement(
                sid="ReceiveDeliveries", actions=list(QUEUE_RECEIVE), resources=[data.webhook_queue.queue_arn]
            )
        )
    if worker.sends_webhook_queue:
        statements.append(
            iam.PolicyStatement(
                sid="QueueDeliveries", actions=["sqs:SendMessage"], resources=[data.webhook_queue.queue_arn]
            )
        )
    if worker.sends_webhook_dlq:
        statements.append(
            iam.PolicyStatement(
                sid="DeadLetterDeliveries", actions=["sqs:SendMessage"], resources=[data.webhook_dlq.queue_arn]
            )
        )
    return statements


@jsii.implements(lambda_.IEventSourceDlq)
class _FailureQueue:
    """The stream mapping's on-failure destination, without CDK's grant (SqsDlq's adds GetQueueUrl and
    GetQueueAttributes, which Lambda does not call): the role gets sqs:SendMessage in worker_statements."""

    def __init__(self, queue: sqs.IQueue) -> None:
        self._queue = queue

    def bind(
        self, target: lambda_.IEventSourceMapping, target_handler: lambda_.IFunction
    ) -> lambda_.DlqDestinationConfig:
        return lambda_.DlqDestinationConfig(destination=self._queue.queue_arn)


class WebhookWorkers(Construct):
    # One message per invocation (DELIVERY_BATCH): DNS within 5 s, the send within 10 s, then a few
    # DynamoDB and SQS calls; 30 s leaves those calls more than 10 s.
    TIMEOUTS = {"webhook_fanout": Duration.seconds(30), "webhook_delivery": Duration.seconds(30)}
    DELIVERY_BATCH = 1  # one receiver's slowness never delays another's delivery
    STREAM_BATCH = 100
    STREAM_RETRIES = 10

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        workers: Sequence[Worker],
        data: DataConstruct,
        code: lambda_.Code,
        layer: lambda_.ILayerVersion,
        config: StageConfig,
    ) -> None:
        super().__init__(scope, construct_id)
        self._data = data
        self._config = config
        self.aliases: dict[str, lambda_.Alias] = {}
        self.functions = {worker.name: self._function(worker, code, layer) for worker in workers}
        Validations.of(self).acknowledge(
            Acknowledgment(
                id="AwsSolutions-L1",
                reason="Python 3.12 like the route functions: they share the cp312 layer and the bytecode.",
            )
        )

    def _function(self, worker: Worker, code: lambda_.Code, layer: lambda_.ILayerVersion) -> lambda_.Function:
        scope = Construct(self, _pascal(worker.name))
        function, role = quollo_function(
            scope,
            self._config,
            description=worker.description,
            role_description=f"{worker.description}: only the actions it uses",
            policy=("worker", lambda log_group: worker_statements(worker, self._data, log_group)),
            handler=worker.handler,
            code=code,
            layer=layer,
            timeout=self.TIMEOUTS[worker.name],
            environment=self._environment(worker),
        )
        acknowledgments = [
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason="Active tracing (xray:Put*) and the stream event source (dynamodb:ListStreams) "
                "support no resource-level permissions.",
            )
        ]
        Validations.of(role).acknowledge(*acknowledgments)
        alias = lambda_.Alias(scope, "Live", alias_name=RouteFunctions.ALIAS, version=function.current_version)
        self.aliases[worker.name] = alias
        if worker.reads_interview_stream:
            stream_arn = self._data.tables[schema.INTERVIEWS.key].table_stream_arn
            assert stream_arn is not None
            lambda_.EventSourceMapping(
                scope,
                "Stream",
                target=alias,
                event_source_arn=stream_arn,
                # Changes from the mapping's creation on: a new stack must not replay 24 hours of history.
                starting_position=lambda_.StartingPosition.LATEST,
                batch_size=self.STREAM_BATCH,
                bisect_batch_on_error=True,
                retry_attempts=self.STREAM_RETRIES,
                report_batch_item_failures=True,  # retried from the first change not queued
                on_failure=_FailureQueue(self._data.webhook_stream_failures),
            )
        if worker.receives_webhook_queue:
            lambda_.EventSourceMapping(
                scope,
                "Queue",
                target=alias,
                event_source_arn=self._data.webhook_queue.queue_arn,
                batch_size=self.DELIVERY_BATCH,
                report_batch_item_failures=True,
                max_concurrency=self._config.webhook_delivery_concurrency,
            )
        return function

    def _environment(self, worker: Worker) -> dict[str, str]:
        env = base_environment(self._config)
        for access in worker.tables:
            env[self._data.specs[access.table].env_var] = self._data.tables[access.table].table_name
        if worker.reads_interview_stream:
            env[schema.INTERVIEWS.env_var] = self._data.tables[schema.INTERVIEWS.key].table_name
        if worker.sends_webhook_queue or worker.receives_webhook_queue:
            env[schema.WEBHOOK_QUEUE_ENV] = self._data.webhook_queue.queue_url
        if worker.sends_webhook_dlq:
            env[schema.WEBHOOK_DLQ_ENV] = self._data.webhook_dlq.queue_url
        return env
