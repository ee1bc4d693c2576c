"""Alarms on the API, each function, each table and our own metrics; one topic and one dashboard.

What each alarm means and the first steps to take: docs/runbook.md, one entry per kind of alarm,
named in each alarm's description. Thresholds come from `StageConfig.alarms` (per stage,
overridable with `-c alarm_<name>=...`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aws_cdk import Acknowledgment, Duration, Stack, Validations
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from functions.domain.webhook_delivery import JITTER, RETRY_SECONDS
from functions.routes import ROUTES, Route
from functions.runtime.observability import NAMESPACE, SERVICE, Metric
from infra.config import StageConfig

FIVE_MINUTES = Duration.minutes(5)
# Function alarms look at one minute: a canary lasts five, and CodeDeploy must see the alarm in time.
ONE_MINUTE = Duration.minutes(1)

# The DynamoDB operations our code calls (functions/data, Powertools idempotency): CloudWatch reports
# ThrottledRequests and SystemErrors per operation, and an alarm's metric math takes at most 10
# metrics, so "all operations" (14) would not fit.
TABLE_OPERATIONS = (
    dynamodb.Operation.GET_ITEM,
    dynamodb.Operation.PUT_ITEM,
    dynamodb.Operation.UPDATE_ITEM,
    dynamodb.Operation.DELETE_ITEM,
    dynamodb.Operation.QUERY,
    dynamodb.Operation.TRANSACT_WRITE_ITEMS,
    dynamodb.Operation.BATCH_WRITE_ITEM,
)


@dataclass(frozen=True)
class FunctionAlarms:
    # The function's crashes and its route's 5xx answers, per minute: with throttles, what its
    # CodeDeploy canary watches (rollouts.py).
    errors: cloudwatch.Alarm
    throttles: cloudwatch.Alarm
    duration: cloudwatch.Alarm


ROUTES_BY_NAME: Mapping[str, Route] = {route.name: route for route in ROUTES}


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


# Webhook events later than this are worth a look: the stream keeps changes for 24 hours only.
WEBHOOK_STREAM_LAG_MS = 5 * 60 * 1000
# A retry waits in the delivery queue (delayed, then hidden) until it is due: up to the longest step
# of the retry schedule plus its jitter (11 hours). A message older than that and an hour is stuck.
WEBHOOK_OLDEST_MESSAGE_S = int(max(RETRY_SECONDS) * (1 + JITTER)) + 3600


class Monitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        api_name: str,
        functions: Mapping[str, lambda_.IFunction],
        tables: Mapping[str, dynamodb.Table],
    ) -> None:
        # The API and its functions by name (literals), not by reference: this stack deploys before the
        # API stack, whose canaries watch these alarms (infra/stack.py).
        super().__init__(scope, construct_id)
        self._config = config
        self._prefix = f"quollo-{config.stage}"
        self._api_name = api_name
        self.topic = sns.Topic(self, "AlarmTopic", display_name=f"Quollo {config.stage} alarms", enforce_ssl=True)
        Validations.of(self.topic).acknowledge(
            Acknowledgment(
                id="AwsSolutions-SNS2",
                reason="Alarm notifications carry alarm names and metric values, no data. CloudWatch "
                "cannot publish to a topic under the AWS managed SNS key, and a customer key for "
                "this alone is not worth its cost and key policy.",
            )
        )
        if config.alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(config.alarm_email))
        # Our topic stays (e-mail, and whatever is subscribed by hand); an existing topic (Chatbot,
        # PagerDuty) is notified directly, as SNS cannot subscribe one topic to another.
        self.targets: list[sns.ITopic] = [self.topic]
        if config.alarm_topic_arn:
            self.targets.append(sns.Topic.from_topic_arn(self, "ExistingAlarmTopic", config.alarm_topic_arn))
        self.alarms: list[cloudwatch.Alarm] = []
        thresholds = config.alarms
        self.api_5xx = self._alarm(
            "Api5xxRate",
            "api-5xx-rate",
            "api-5xx-rate",
            # 5XXError is 0 or 1 per request, so its average is the share of requests that failed.
            self._stage_metric("5XXError", "Average"),
            thresholds.api_5xx_rate,
            "Share of API requests answered 5xx (0..1) over 5 minutes",
        )
        self.api_latency = self._alarm(
            "ApiP99Latency",
            "api-p99-latency",
            "api-p99-latency",
            self._stage_metric("Latency", "p99"),
            thresholds.api_p99_latency_ms,
            "API p99 latency (ms) over 5 minutes, gateway included",
        )
        self.functions = {name: self._function_alarms(name, fn) for name, fn in functions.items()}
        self.tables = {key: self._table_alarms(key, table) for key, table in tables.items()}
        self.auth_failures = self._alarm(
            "AuthFailures",
            "auth-failures",
            "auth-failures",
            self.business_metric(Metric.AUTH_FAILURES),
            thresholds.auth_failures,
            "Requests refused for a missing, unknown or revoked token, per 5 minutes: a leaked "
            "token being probed, a credential-stuffing run or a client with a revoked token",
        )
        self.insufficient_balance = self._alarm(
            "InsufficientBalance",
            "warning-insufficient-balance",
            "warning-insufficient-balance",
            self.business_metric(Metric.INSUFFICIENT_BALANCE),
            thresholds.insufficient_balance_rejections,
            "WARNING (low severity): creates refused with 402, per 5 minutes; a customer has run "
            "out of credits and keeps trying",
        )
        self.account_concurrency = self._account_concurrency()
        self.dashboard = self._dashboard(functions, tables)

    def watch_webhook_workers(self, fan_out: lambda_.Function, delivery: lambda_.Function) -> None:
        """The webhook workers: their crashes and throttles, and a stream the fan-out has fallen
        behind on; their row of the dashboard."""
        thresholds = self._config.alarms
        workers = (("webhook_fanout", fan_out), ("webhook_delivery", delivery))
        alarms: list[cloudwatch.IAlarm] = []
        for name, function in workers:
            kebab = name.replace("_", "-")
            alarms.append(
                self._alarm(
                    f"{_pascal(name)}Errors",
                    f"{kebab}-errors",
                    "webhook-worker-errors",
                    function.metric_errors(period=ONE_MINUTE),
                    thresholds.function_errors,
                    f"{name}: invocations that crashed or timed out, per minute",
                )
            )
            alarms.append(
                self._alarm(
                    f"{_pascal(name)}Throttles",
                    f"{kebab}-throttles",
                    "webhook-worker-throttles",
                    function.metric_throttles(period=ONE_MINUTE),
                    thresholds.function_throttles,
                    f"{name}: invocations refused for want of concurrency (account or unreserved pool), per minute",
                )
            )
        alarms.append(
            self._alarm(
                "WebhookFanoutIteratorAge",
                "webhook-fanout-iterator-age",
                "webhook-fanout-iterator-age",
                fan_out.metric("IteratorAge", statistic="Maximum", period=ONE_MINUTE),
                WEBHOOK_STREAM_LAG_MS,
                "Age (ms) of the newest interview change the webhook fan-out has read: events are late",
            )
        )
        self.dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(title="Webhook alarms", alarms=alarms, width=24),
        )
        self.dashboard.add_widgets(
            self._per_function("Webhook workers: invocations", [f.metric_invocations(label=n) for n, f in workers]),
            self._per_function(
                "Webhook workers: errors and throttles",
                [f.metric_errors(label=f"{n} errors") for n, f in workers]
                + [f.metric_throttles(label=f"{n} throttles") for n, f in workers],
            ),
            self._per_function(
                "Webhook workers: duration p99 (ms), stream iterator age (ms)",
                [f.metric_duration(statistic="p99", label=n) for n, f in workers]
                + [fan_out.metric("IteratorAge", statistic="Maximum", label="fan-out iterator age")],
            ),
        )

    def watch_webhook_queues(
        self, *, stream_failures: sqs.IQueue, delivery_queue: sqs.IQueue, dead_letters: sqs.IQueue
    ) -> None:
        """The queues of the webhook path: any message kept for the fan-out's failures or dead-lettered,
        and a delivery queue whose oldest message is older than any retry waits; their dashboard row.

        SQS reports a queue's metrics every minute while it holds a message (and for six hours after
        any call to it), so the alarms stay in ALARM until the queue is handled (redriven or purged):
        each message there is a lost event or delivery. An idle empty queue reports nothing: OK.
        """
        self._alarm(
            "WebhookStreamFailures",
            "webhook-stream-failures",
            "webhook-stream-failures",
            stream_failures.metric_approximate_number_of_messages_visible(statistic="Maximum", period=FIVE_MINUTES),
            1,
            "Interview changes the webhook fan-out failed on after its retries (kept in the stream-failures "
            "queue): their webhook events were never queued",
        )
        self._alarm(
            "WebhookDeadLetters",
            "webhook-dead-letters",
            "webhook-dead-letters",
            dead_letters.metric_approximate_number_of_messages_visible(statistic="Maximum", period=FIVE_MINUTES),
            1,
            "Webhook deliveries in the dead-letter queue: out of retries (an endpoint down for 28 hours) "
            "or crashed 5 times",
        )
        self._alarm(
            "WebhookQueueOldestMessage",
            "webhook-queue-oldest-message",
            "webhook-queue-oldest-message",
            delivery_queue.metric_approximate_age_of_oldest_message(statistic="Maximum", period=FIVE_MINUTES),
            WEBHOOK_OLDEST_MESSAGE_S,
            "Age (s) of the oldest webhook delivery in its queue, beyond the longest retry wait: deliveries are stuck",
        )
        queues = (("stream failures", stream_failures), ("deliveries", delivery_queue), ("dead letters", dead_letters))
        self.dashboard.add_widgets(
            self._per_function(
                "Webhook queues: messages visible",
                [q.metric_approximate_number_of_messages_visible(statistic="Maximum", label=n) for n, q in queues],
            ),
            self._per_function(
                "Webhook deliveries: in flight or hidden, delayed",
                [
                    delivery_queue.metric_approximate_number_of_messages_not_visible(
                        statistic="Maximum", label="not visible"
                    ),
                    delivery_queue.metric("ApproximateNumberOfMessagesDelayed", statistic="Maximum", label="delayed"),
                ],
            ),
            self._per_function(
                "Webhook queues: oldest message (s)",
                [q.metric_approximate_age_of_oldest_message(statistic="Maximum", label=n) for n, q in queues],
            ),
        )

    def watch_post_processing(
        self, *, recordings: lambda_.Function, analysis: lambda_.Function, dead_letters: sqs.IQueue
    ) -> None:
        """Post-processing (docs/lifecycle.md): its functions' crashes, and any message in its dead-letter
        queue (an invalid Analysis Completed, or a recording or result that failed every retry: a record
        left IDLE or PROCESSING). Stays in ALARM until the queue is handled, like the webhook queues'."""
        thresholds = self._config.alarms
        workers = (("recording_uploaded", recordings), ("analysis_completed", analysis))
        alarms: list[cloudwatch.IAlarm] = [
            self._alarm(
                f"{_pascal(name)}Errors",
                f"{name.replace('_', '-')}-errors",
                "post-processing-errors",
                function.metric_errors(period=ONE_MINUTE),
                thresholds.function_errors,
                f"{name}: invocations that crashed or timed out, per minute",
            )
            for name, function in workers
        ]
        alarms.append(
            self._alarm(
                "ProcessingDeadLetters",
                "post-processing-dead-letters",
                "post-processing-dead-letters",
                dead_letters.metric_approximate_number_of_messages_visible(statistic="Maximum", period=FIVE_MINUTES),
                1,
                "Post-processing events in the dead-letter queue: an invalid Analysis Completed, or an upload "
                "or result that failed every retry; their interviews' records did not move",
            )
        )
        self.dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(title="Post-processing alarms", alarms=alarms, width=8),
            self._per_function(
                "Post-processing: invocations and errors",
                [f.metric_invocations(label=n) for n, f in workers]
                + [f.metric_errors(label=f"{n} errors") for n, f in workers],
            ),
            self._per_function(
                "Post-processing: dead letters",
                [dead_letters.metric_approximate_number_of_messages_visible(statistic="Maximum", label="visible")],
            ),
        )

    def watch_waf(self, web_acl_name: str) -> None:
        """Requests the web ACL blocked (every rule: the token rule, the rate rule, the managed groups)."""

        def waf_metric(name: str) -> cloudwatch.Metric:
            return cloudwatch.Metric(
                namespace="AWS/WAFV2",
                metric_name=name,
                dimensions_map={"WebACL": web_acl_name, "Region": Stack.of(self).region, "Rule": "ALL"},
                statistic="Sum",
                period=FIVE_MINUTES,
            )

        metric = waf_metric("BlockedRequests")
        self._alarm(
            "WafBlockedRequests",
            "waf-blocked-requests",
            "waf-blocked-requests",
            metric,
            self._config.alarms.waf_blocked_requests,
            "Requests the WAF blocked over 5 minutes (no Bearer qlo_ token, over the per-IP rate, or a "
            "managed rule): a flood, a scan, or a client that lost its token",
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="WAF: allowed and blocked requests",
                left=[metric.with_(label="blocked"), waf_metric("AllowedRequests").with_(label="allowed")],
                width=24,
            )
        )

    def _account_concurrency(self) -> cloudwatch.Alarm:
        """The account's executions, all functions together, near its quota (`-c account_concurrency`):
        past it every function without a reservation (webhook workers, weight-0 routes) is throttled."""
        share = self._config.alarms.account_concurrency_share
        threshold = int(self._config.account_concurrency * share)
        return self._alarm(
            "AccountConcurrency",
            "account-concurrency",
            "account-concurrency",
            cloudwatch.Metric(
                namespace="AWS/Lambda", metric_name="ConcurrentExecutions", statistic="Maximum", period=ONE_MINUTE
            ),
            threshold,
            f"Concurrent executions of every function in the account and region, per minute: at "
            f"{share:.0%} of the quota of {self._config.account_concurrency:,}",
        )

    @staticmethod
    def business_metric(metric: Metric) -> cloudwatch.Metric:
        # Powertools writes EMF with the service as its one dimension (observability.py).
        return cloudwatch.Metric(
            namespace=NAMESPACE,
            metric_name=metric.value,
            dimensions_map={"service": SERVICE},
            statistic="Sum",
            period=FIVE_MINUTES,
        )

    def _stage_metric(self, name: str, statistic: str) -> cloudwatch.Metric:
        # Dimensions as literals, not the Stage's Ref: the CodeDeploy groups use the 5xx alarm and
        # each alias waits for its group, so a Ref would make a cycle alarm -> stage -> deployment
        # -> method -> alias -> group -> alarm (cfn-lint E3004).
        return cloudwatch.Metric(
            namespace="AWS/ApiGateway",
            metric_name=name,
            dimensions_map={"ApiName": self._api_name, "Stage": self._config.stage},
            statistic=statistic,
            period=FIVE_MINUTES,
        )

    def _alarm(
        self,
        construct_id: str,
        name: str,
        runbook: str,
        metric: cloudwatch.IMetric,
        threshold: float,
        description: str,
    ) -> cloudwatch.Alarm:
        """An alarm named quollo-<stage>-`name`, whose description points at its docs/runbook.md entry."""
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            alarm_name=f"{self._prefix}-{name}",
            alarm_description=f"{description}. Runbook: docs/runbook.md#{runbook}",
            metric=metric,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            # No traffic is not an outage: quiet periods must not page anyone.
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        for topic in self.targets:
            alarm.add_alarm_action(actions.SnsAction(topic))
            alarm.add_ok_action(actions.SnsAction(topic))
        self.alarms.append(alarm)
        return alarm

    def _function_alarms(self, name: str, function: lambda_.IFunction) -> FunctionAlarms:
        # Function-level metrics (FunctionName only) count every version, the canary's included.
        pascal, kebab, thresholds = _pascal(name), name.replace("_", "-"), self._config.alarms
        return FunctionAlarms(
            errors=self._alarm(
                f"{pascal}Errors",
                f"{kebab}-errors",
                "function-errors",
                self._route_errors(ROUTES_BY_NAME[name], function),
                thresholds.function_errors,
                f"{name}: invocations that crashed or timed out, and answers 5xx to "
                f"{ROUTES_BY_NAME[name].method} {ROUTES_BY_NAME[name].path}, per minute",
            ),
            throttles=self._alarm(
                f"{pascal}Throttles",
                f"{kebab}-throttles",
                "function-throttles",
                function.metric_throttles(period=ONE_MINUTE),
                thresholds.function_throttles,
                f"{name}: invocations refused at its reserved concurrency, per minute",
            ),
            duration=self._alarm(
                f"{pascal}P99Duration",
                f"{kebab}-p99-duration",
                "function-p99-duration",
                function.metric_duration(statistic="p99", period=FIVE_MINUTES),
                thresholds.function_p99_duration_ms,
                f"{name}: p99 duration (ms) over 5 minutes; the timeout is 10 s",
            ),
        )

    def _route_errors(self, route: Route, function: lambda_.IFunction) -> cloudwatch.MathExpression:
        """The function's Errors plus its route's method-level 5XXError, per minute, each FILL(m, 0).

        Lambda's Errors counts crashes and timeouts (every version, and invocations API Gateway did
        not make). The stage's detailed metrics (`metrics_enabled`, MethodSettings /*/*) report 5xx
        per method and resource: ours (the 500 of a handled exception, which Errors never sees) and
        the gateway's (timeouts, integration failures). A crash behind the API counts in both, which
        only makes the alarm fire sooner. Both count whatever version answered; during a canary only
        the new version can add failures the old one did not have. One alarm, not two: the stack
        stays under CloudFormation's 500 resources. Sparse series: no failure, no datapoint, hence FILL.
        """
        server_errors = cloudwatch.Metric(
            namespace="AWS/ApiGateway",
            metric_name="5XXError",
            # Literals, as in _stage_metric: a Ref to the stage would make a cycle through the groups.
            dimensions_map={
                "ApiName": self._api_name,
                "Stage": self._config.stage,
                "Method": route.method,
                "Resource": route.path,
            },
            statistic="Sum",
            period=ONE_MINUTE,
        )
        return cloudwatch.MathExpression(
            expression="FILL(crashes, 0) + FILL(answers5xx, 0)",
            using_metrics={"crashes": function.metric_errors(period=ONE_MINUTE), "answers5xx": server_errors},
            label=f"{route.name} errors and 5xx",
            period=ONE_MINUTE,
        )

    def _table_alarms(self, key: str, table: dynamodb.Table) -> tuple[cloudwatch.Alarm, cloudwatch.Alarm]:
        thresholds = self._config.alarms
        throttled = self._alarm(
            f"{key.capitalize()}TableThrottled",
            f"{key}-table-throttled",
            "table-throttled",
            self._sum_over_operations(table, "ThrottledRequests", f"{key} throttled requests"),
            thresholds.table_throttled_requests,
            f"DynamoDB {key} table: throttled requests over 5 minutes (a hot key or an account limit)",
        )
        errors = self._alarm(
            f"{key.capitalize()}TableSystemErrors",
            f"{key}-table-system-errors",
            "table-system-errors",
            self._sum_over_operations(table, "SystemErrors", f"{key} system errors"),
            thresholds.table_system_errors,
            f"DynamoDB {key} table: 5xx from DynamoDB itself over 5 minutes",
        )
        return throttled, errors

    @staticmethod
    def _sum_over_operations(table: dynamodb.Table, metric_name: str, label: str) -> cloudwatch.MathExpression:
        """The sum of a per-operation DynamoDB metric over TABLE_OPERATIONS, each term FILL(m, 0).

        Written here rather than with `metric_*_for_operations`, whose expression sums the series
        bare: these metrics are sparse (an operation without a throttled request reports no
        datapoint), and a sum with one term missing has no value for that period, so the alarm
        might never see the throttles of the one operation that has them.
        """
        metrics: dict[str, cloudwatch.IMetric] = {
            operation.value.lower(): table.metric(
                metric_name,
                dimensions_map={"TableName": table.table_name, "Operation": operation.value},
                statistic="Sum",
                period=FIVE_MINUTES,
            )
            for operation in TABLE_OPERATIONS
        }
        return cloudwatch.MathExpression(
            expression=" + ".join(f"FILL({metric_id}, 0)" for metric_id in metrics),
            using_metrics=metrics,
            label=label,
            period=FIVE_MINUTES,
        )

    def _dashboard(
        self, functions: Mapping[str, lambda_.IFunction], tables: Mapping[str, dynamodb.Table]
    ) -> cloudwatch.Dashboard:
        dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name=self._prefix)
        dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=list(self.alarms), width=24),
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="API requests and errors",
                left=[
                    self._stage_metric("Count", "Sum"),
                    self._stage_metric("4XXError", "Sum"),
                    self._stage_metric("5XXError", "Sum"),
                ],
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="API latency (ms)",
                left=[
                    self._stage_metric("Latency", "p50"),
                    self._stage_metric("Latency", "p99"),
                    self._stage_metric("IntegrationLatency", "p99"),
                ],
                width=12,
            ),
        )
        fns = list(functions.items())
        dashboard.add_widgets(
            self._per_function("Invocations", [fn.metric_invocations(label=n) for n, fn in fns]),
            self._per_function("Errors", [fn.metric_errors(label=n) for n, fn in fns]),
            self._per_function("Throttles", [fn.metric_throttles(label=n) for n, fn in fns]),
        )
        dashboard.add_widgets(
            self._per_function("Duration p99 (ms)", [fn.metric_duration(statistic="p99", label=n) for n, fn in fns]),
            self._per_function(
                "Concurrent executions",
                [fn.metric("ConcurrentExecutions", statistic="Maximum", label=n) for n, fn in fns]
                + [
                    cloudwatch.Metric(
                        namespace="AWS/Lambda",
                        metric_name="ConcurrentExecutions",
                        statistic="Maximum",
                        label="account (all functions)",
                    )
                ],
            ),
            cloudwatch.GraphWidget(
                title="Business metrics (Quollo)",
                left=[self.business_metric(metric).with_(label=metric.value) for metric in Metric],
                width=8,
            ),
        )
        items = list(tables.items())
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="DynamoDB consumed capacity",
                left=[t.metric_consumed_read_capacity_units(label=f"{k} read") for k, t in items],
                right=[t.metric_consumed_write_capacity_units(label=f"{k} write") for k, t in items],
                width=24,
            ),
        )
        # One widget per table alarm: each is a sum over operations whose inner metric ids
        # (getitem, query, ...) would collide if two of them shared a graph.
        dashboard.add_widgets(
            *(
                cloudwatch.AlarmWidget(title=f"{key} table: {kind}", alarm=alarm, width=6)
                for key, pair in self.tables.items()
                for kind, alarm in zip(("throttled requests", "system errors"), pair, strict=True)
            )
        )
        return dashboard

    @staticmethod
    def _per_function(title: str, metrics: Sequence[cloudwatch.IMetric]) -> cloudwatch.GraphWidget:
        return cloudwatch.GraphWidget(title=title, left=list(metrics), width=8)
