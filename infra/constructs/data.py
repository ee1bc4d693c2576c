"""Stateful resources: one DynamoDB table per `schema.TABLES` spec, the records bucket, the cursor secret."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Duration, Stack, Validations
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from functions.data import schema
from functions.models.post_processing import ANALYSIS_COMPLETED, ANALYSIS_SOURCE, pattern
from infra.config import StageConfig

_PROJECTIONS = {
    "ALL": dynamodb.ProjectionType.ALL,
    "KEYS_ONLY": dynamodb.ProjectionType.KEYS_ONLY,
}


def _key(name: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)


class DataConstruct(Construct):
    """Owns the data and hands out the handles that policies and environment variables need.

    Encryption is AWS-managed everywhere (DynamoDB's AWS owned key, S3-managed keys), so the
    functions need no KMS permissions and pre-signed GET URLs work without extra grants.
    """

    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig) -> None:
        super().__init__(scope, construct_id)
        self.tables: dict[str, dynamodb.Table] = {spec.key: self._table(spec, config) for spec in schema.TABLES}
        self.specs: dict[str, schema.TableSpec] = {spec.key: spec for spec in schema.TABLES}
        self.records_bucket = self._records_bucket(config)
        self.cursor_secret = secretsmanager.Secret(
            self,
            "CursorSecret",
            description="HMAC key that signs list cursors (binds a cursor to its owner)",
            generate_secret_string=secretsmanager.SecretStringGenerator(password_length=64, exclude_punctuation=True),
            removal_policy=config.removal_policy,
        )
        Validations.of(self.cursor_secret).acknowledge(
            Acknowledgment(
                id="AwsSolutions-SMG4",
                reason="The cursor key only signs pagination cursors (short-lived, bound to the owner); "
                "rotating it would just invalidate open cursors, so it is rotated by hand when needed.",
            )
        )

        self.webhook_dlq, self.webhook_queue = self._webhook_queues(config)
        self.webhook_stream_failures = self._stream_failures(config)
        self._post_processing(config)

    # --- post-processing (docs/lifecycle.md, docs/decisions.md 30) ---
    # Each queue's message is handled within the function's 30 s; SQS gives a failed one again after
    # 6 x that, and moves it to the dead-letter queue after PROCESSING_RECEIVES receives.
    PROCESSING_VISIBILITY = Duration.minutes(3)
    PROCESSING_RECEIVES = 3

    def _post_processing(self, config: StageConfig) -> None:
        """The stack's event bus; S3 ObjectCreated under the records prefix -> the recordings queue;
        the bus's Analysis Completed -> the analysis queue; one dead-letter queue for both, which also
        keeps what the rule could not deliver and the invalid events the analysis function sets aside."""
        self.event_bus = events.EventBus(self, "EventBus", event_bus_name=f"quollo-{config.stage}")
        self.processing_dlq = self._queue("ProcessingDeadLetterQueue", config, retention=Duration.days(14))
        dead = sqs.DeadLetterQueue(queue=self.processing_dlq, max_receive_count=self.PROCESSING_RECEIVES)
        self.recordings_queue = self._queue("RecordingsQueue", config, dead=dead)
        self.analysis_queue = self._queue("AnalysisQueue", config, dead=dead)
        self.records_bucket.add_event_notification(
            s3.EventType.OBJECT_CREATED,
            s3n.SqsDestination(self.recordings_queue),
            s3.NotificationKeyFilter(prefix=schema.RECORDS_PREFIX),
        )
        # CDK's custom resource that writes the bucket's notification configuration: one function per stack.
        handler = Stack.of(self).node.try_find_child("BucketNotificationsHandler050a0587b7544547bf325f094a3db834")
        assert handler is not None, "CDK renamed its bucket notifications handler"
        Validations.of(handler).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AWSLambdaBasicExecutionRole]",
                reason="CDK's own handler that sets the bucket's notification at deploy time (its logs only).",
            )
        )
        analysis = pattern(ANALYSIS_COMPLETED)
        events.Rule(
            self,
            "AnalysisCompletedRule",
            description="The analysis service's results, to the analysis queue",
            event_bus=self.event_bus,
            event_pattern=events.EventPattern(source=analysis["source"], detail_type=analysis["detail-type"]),
            targets=[targets.SqsQueue(self.analysis_queue, dead_letter_queue=self.processing_dlq)],
        )
        if config.analysis_role_arn:
            # A resource policy, so that a role in another account can be granted too; only its own
            # source: it cannot forge the Recording Uploaded events Quollo publishes.
            self.event_bus.add_to_resource_policy(
                iam.PolicyStatement(
                    sid=f"QuolloAnalysisPutEvents{config.stage.capitalize()}",
                    principals=[iam.ArnPrincipal(config.analysis_role_arn)],
                    actions=["events:PutEvents"],
                    resources=[self.event_bus.event_bus_arn],
                    conditions={"StringEquals": {"events:source": ANALYSIS_SOURCE}},
                )
            )

    def _queue(
        self,
        construct_id: str,
        config: StageConfig,
        *,
        retention: Duration | None = None,
        dead: sqs.DeadLetterQueue | None = None,
    ) -> sqs.Queue:
        queue = sqs.Queue(
            self,
            construct_id,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=retention or Duration.days(4),
            visibility_timeout=self.PROCESSING_VISIBILITY if dead else None,
            dead_letter_queue=dead,
            removal_policy=config.removal_policy,
        )
        if dead is None:
            Validations.of(queue).acknowledge(
                Acknowledgment(id="AwsSolutions-SQS3", reason="It is the post-processing dead-letter queue.")
            )
        return queue

    # --- webhooks ---
    # The delivery function reads a queued delivery in at most 6 x its timeout; after 5 receives that
    # all failed (crashes, not receivers' failures, which are re-queued as new messages) the message
    # moves to the dead-letter queue, where the delivery function also puts deliveries out of retries.
    WEBHOOK_VISIBILITY = Duration.minutes(3)
    WEBHOOK_MAX_RECEIVES = 5

    def _webhook_queues(self, config: StageConfig) -> tuple[sqs.Queue, sqs.Queue]:
        dead = sqs.Queue(
            self,
            "WebhookDeadLetterQueue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
            removal_policy=config.removal_policy,
        )
        queue = sqs.Queue(
            self,
            "WebhookDeliveryQueue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            visibility_timeout=self.WEBHOOK_VISIBILITY,
            retention_period=Duration.days(4),
            dead_letter_queue=sqs.DeadLetterQueue(queue=dead, max_receive_count=self.WEBHOOK_MAX_RECEIVES),
            removal_policy=config.removal_policy,
        )
        return dead, queue

    def _stream_failures(self, config: StageConfig) -> sqs.Queue:
        """Where Lambda keeps (the location of) interview changes the fan-out failed on after its retries."""
        queue = sqs.Queue(
            self,
            "WebhookStreamFailures",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
            removal_policy=config.removal_policy,
        )
        Validations.of(queue).acknowledge(
            Acknowledgment(
                id="AwsSolutions-SQS3",
                reason="It is the stream mapping's on-failure destination: a dead-letter queue itself.",
            )
        )
        return queue

    def _table(self, spec: schema.TableSpec, config: StageConfig) -> dynamodb.Table:
        table = dynamodb.Table(
            self,
            f"{spec.key.capitalize()}Table",
            partition_key=_key(spec.partition_key),
            sort_key=_key(spec.sort_key) if spec.sort_key else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=config.is_prod,
            removal_policy=config.removal_policy,
            time_to_live_attribute=spec.ttl_attribute,
            stream=dynamodb.StreamViewType[spec.stream] if spec.stream else None,
        )
        for index in spec.indexes:
            table.add_global_secondary_index(
                index_name=index.name,
                partition_key=_key(index.partition_key),
                sort_key=_key(index.sort_key) if index.sort_key else None,
                projection_type=_PROJECTIONS[index.projection],
            )
        return table

    def _records_bucket(self, config: StageConfig) -> s3.Bucket:
        # cdk-nag's S1 (server access logs) does not apply to a bucket that is itself a log target.
        access_logs = self._bucket(
            "AccessLogsBucket", config, lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(90))]
        )
        return self._bucket(
            "RecordsBucket",
            config,
            versioned=True,
            lifecycle_rules=[
                s3.LifecycleRule(
                    noncurrent_version_expiration=Duration.days(30),
                    abort_incomplete_multipart_upload_after=Duration.days(7),
                ),
                *self._recordings_retention(config),
            ],
            access_logs=access_logs,
        )

    @staticmethod
    def _recordings_retention(config: StageConfig) -> list[s3.LifecycleRule]:
        """Off by default (`-c recordings_retention_days=365` turns it on): how long recordings may be kept
        is each customer's policy, and deleting one deletes its recording already."""
        if config.recordings_retention_days is None:
            return []
        return [
            s3.LifecycleRule(
                id="RecordingsRetention",
                prefix=schema.RECORDS_PREFIX,
                expiration=Duration.days(config.recordings_retention_days),
            )
        ]

    def _bucket(
        self,
        construct_id: str,
        config: StageConfig,
        *,
        lifecycle_rules: list[s3.LifecycleRule],
        versioned: bool = False,
        access_logs: s3.IBucket | None = None,
    ) -> s3.Bucket:
        return s3.Bucket(
            self,
            construct_id,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            versioned=versioned,
            lifecycle_rules=lifecycle_rules,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="records-bucket/" if access_logs else None,
            removal_policy=config.removal_policy,
            auto_delete_objects=not config.is_prod,
        )
