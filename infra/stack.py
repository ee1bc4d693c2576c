"""The Quollo stacks of one stage, split by lifetime and concern (docs/decisions.md, 27):

- `Quollo-<stage>-Data`: tables, buckets, the cursor secret and the webhook queues. Stateful: no
  API, function or alarm change touches it; the others import what they need of it.
- `Quollo-<stage>-Webhooks`: the webhook workers and their event sources (stream, delivery queue).
- `Quollo-<stage>-Processing`: the post-processing functions and their queues' event sources
  (docs/lifecycle.md; docs/decisions.md, 30).
- `Quollo-<stage>-Monitoring`: the alarm topic, every alarm and the dashboard.
- `Quollo-<stage>-Api`: the route functions, their `live` aliases and canaries.
- `Quollo-<stage>-Gateway`: API Gateway (resources, methods, invoke permissions, stage), the WAF.

Deploy order: Data, Webhooks, Processing, Monitoring, Api, Gateway. Monitoring names the route
functions and the API by their physical names (`quollo-<stage>-<route>`, `quollo-<stage>`) rather than
importing them, so it can deploy before the API, whose canaries watch its alarms (also by name): a
route's alarms exist before its first canary, and removing a route removes its alarms first without an
export in the way.
The Gateway stack names each route's `live` alias the same way (`quollo-<stage>-<route>:live`), so a
route's function, alias and canary and its method never meet in one template (docs/decisions.md, 27).
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Aws, CfnOutput, Stack, Tags
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from functions.routes import ROUTES
from functions.workers import PROCESSORS, WORKERS
from infra.config import StageConfig
from infra.constructs.api import ApiConstruct
from infra.constructs.data import DataConstruct
from infra.constructs.monitoring import Monitoring
from infra.constructs.processing import ProcessingWorkers
from infra.constructs.rollouts import Rollouts
from infra.constructs.route_functions import RouteFunctions, dependency_layer, function_name
from infra.constructs.waf import Waf
from infra.constructs.webhook_workers import WebhookWorkers


def web_acl_name(config: StageConfig) -> str:
    """The WAF web ACL's name, also its metrics' WebACL dimension (the monitoring stack's alarm uses it)."""
    return f"quollo-{config.stage}"


class _QuolloStack(Stack):
    def __init__(self, scope: Construct, config: StageConfig, concern: str, description: str) -> None:
        # No env: the templates are environment-agnostic (region and account are deploy-time tokens),
        # so `cdk synth` needs no AWS account.
        super().__init__(
            scope,
            f"Quollo-{config.stage}-{concern}",
            description=f"Quollo interviews API ({config.stage}): {description}",
        )
        Tags.of(self).add("project", "quollo")
        Tags.of(self).add("stage", config.stage)

    def output(self, logical_id: str, value: str, description: str) -> None:
        # Stable logical ids: scripts and docs read these names from `describe-stacks`.
        CfnOutput(self, logical_id, value=value, description=description).override_logical_id(logical_id)


class DataStack(_QuolloStack):
    def __init__(self, scope: Construct, *, config: StageConfig) -> None:
        super().__init__(scope, config, "Data", "tables, buckets, secret and queues")
        self.data = DataConstruct(self, "Data", config=config)
        data = self.data
        self.output("RecordsBucketName", data.records_bucket.bucket_name, "QUOLLO_RECORDS_BUCKET")
        self.output("CursorSecretArn", data.cursor_secret.secret_arn, "QUOLLO_CURSOR_SECRET")
        self.output("WebhookDeadLetterQueueUrl", data.webhook_dlq.queue_url, "QUOLLO_WEBHOOK_DLQ_URL")
        self.output("EventBusName", data.event_bus.event_bus_name, "QUOLLO_EVENT_BUS")
        self.output("EventBusArn", data.event_bus.event_bus_arn, "where the analysis service puts Analysis Completed")
        self.output("ProcessingDeadLetterQueueUrl", data.processing_dlq.queue_url, "QUOLLO_PROCESSING_DLQ_URL")
        for key, table in data.tables.items():
            self.output(f"{key.capitalize()}TableName", table.table_name, data.specs[key].env_var)


class WebhooksStack(_QuolloStack):
    def __init__(
        self,
        scope: Construct,
        *,
        config: StageConfig,
        data: DataConstruct,
        code_dir: Path,
        layer_dir: Path,
        layer_description: str,
    ) -> None:
        super().__init__(scope, config, "Webhooks", "webhook fan-out and delivery")
        # The stream fan-out and the queue's delivery function, on the same code and layer as the routes.
        self.workers = WebhookWorkers(
            self,
            "Webhooks",
            workers=WORKERS,
            data=data,
            code=lambda_.Code.from_asset(str(code_dir)),
            layer=dependency_layer(self, lambda_.Code.from_asset(str(layer_dir)), layer_description),
            config=config,
        )


class ProcessingStack(_QuolloStack):
    def __init__(
        self,
        scope: Construct,
        *,
        config: StageConfig,
        data: DataConstruct,
        code_dir: Path,
        layer_dir: Path,
        layer_description: str,
    ) -> None:
        super().__init__(scope, config, "Processing", "post-processing of recordings and analysis results")
        self.workers = ProcessingWorkers(
            self,
            "Processing",
            processors=PROCESSORS,
            data=data,
            code=lambda_.Code.from_asset(str(code_dir)),
            layer=dependency_layer(self, lambda_.Code.from_asset(str(layer_dir)), layer_description),
            config=config,
        )


class MonitoringStack(_QuolloStack):
    def __init__(
        self,
        scope: Construct,
        *,
        config: StageConfig,
        data: DataConstruct,
        workers: WebhookWorkers,
        processing: ProcessingWorkers,
    ) -> None:
        super().__init__(scope, config, "Monitoring", "alarms, their topic and the dashboard")
        functions = {
            route.name: lambda_.Function.from_function_name(
                self, f"{route.name}Function", function_name(config, route.name)
            )
            for route in ROUTES
        }
        self.monitoring = Monitoring(
            self,
            "Monitoring",
            config=config,
            api_name=ApiConstruct.rest_api_name(config),
            functions=functions,
            tables=data.tables,
        )
        self.monitoring.watch_webhook_workers(
            workers.functions["webhook_fanout"], workers.functions["webhook_delivery"]
        )
        self.monitoring.watch_webhook_queues(
            stream_failures=data.webhook_stream_failures,
            delivery_queue=data.webhook_queue,
            dead_letters=data.webhook_dlq,
        )
        self.monitoring.watch_post_processing(
            recordings=processing.functions["recording_uploaded"],
            analysis=processing.functions["analysis_completed"],
            dead_letters=data.processing_dlq,
        )
        if config.waf:  # by name, as the API's metrics: the web ACL is the API stack's
            self.monitoring.watch_waf(web_acl_name(config))


class ApiStack(_QuolloStack):
    def __init__(
        self,
        scope: Construct,
        *,
        config: StageConfig,
        data: DataConstruct,
        monitoring: Monitoring,
        code_dir: Path,
        layer_dir: Path,
        layer_description: str,
    ) -> None:
        super().__init__(scope, config, "Api", "route functions, their aliases and canaries")
        self.route_functions = RouteFunctions(
            self,
            "Routes",
            routes=ROUTES,
            data=data,
            code=lambda_.Code.from_asset(str(code_dir)),
            dependencies=lambda_.Code.from_asset(str(layer_dir)),
            dependencies_description=layer_description,
            config=config,
        )
        self.rollouts = (
            Rollouts(
                self,
                "Rollouts",
                aliases=self.route_functions.aliases,
                monitoring=monitoring,
                code=lambda_.Code.from_asset(str(code_dir)),
                layer=self.route_functions.dependencies,
                config=config,
            )
            if config.canary_deploys
            else None
        )


def live_alias_arn(config: StageConfig, route_name: str) -> str:
    """A route's `live` alias by its physical name: what the Gateway stack's methods invoke."""
    name = function_name(config, route_name)
    alias = RouteFunctions.ALIAS
    return f"arn:{Aws.PARTITION}:lambda:{Aws.REGION}:{Aws.ACCOUNT_ID}:function:{name}:{alias}"


class GatewayStack(_QuolloStack):
    def __init__(self, scope: Construct, *, config: StageConfig) -> None:
        super().__init__(scope, config, "Gateway", "API Gateway and the WAF")
        # API Gateway invokes the `live` aliases, never $LATEST (docs/decisions.md, 13), named rather than
        # imported (decisions 27): same account and region, so each method's invoke permission is made here.
        aliases = {
            route.name: lambda_.Function.from_function_attributes(
                self, f"{route.name}Live", function_arn=live_alias_arn(config, route.name), same_environment=True
            )
            for route in ROUTES
        }
        self.api = ApiConstruct(self, "Api", routes=ROUTES, functions=aliases, config=config)
        self.waf = (
            Waf(
                self,
                "Waf",
                stage=self.api.api.deployment_stage,
                rate_limit=config.waf_rate_limit,
                name=web_acl_name(config),
                routes=ROUTES,
                config=config,
            )
            if config.waf
            else None
        )
        # RestApi adds its own `Endpoint` output with a generated id; ApiUrl replaces it.
        self.api.api.node.try_remove_child("Endpoint")
        self.output("ApiUrl", self.api.api.url, "Base URL of the API stage (append v1/...)")


class QuolloStacks:
    """A stage's five stacks, and the constructs the tests and tools look into."""

    def __init__(
        self, scope: Construct, *, config: StageConfig, code_dir: Path, layer_dir: Path, layer_description: str
    ) -> None:
        # The code and layer directories are one asset each, whichever stacks use them: an asset is
        # uploaded once, by content hash (an asset object, though, binds to one stack only).
        self.data_stack = DataStack(scope, config=config)
        self.webhooks_stack = WebhooksStack(
            scope,
            config=config,
            data=self.data_stack.data,
            code_dir=code_dir,
            layer_dir=layer_dir,
            layer_description=layer_description,
        )
        self.processing_stack = ProcessingStack(
            scope,
            config=config,
            data=self.data_stack.data,
            code_dir=code_dir,
            layer_dir=layer_dir,
            layer_description=layer_description,
        )
        self.monitoring_stack = MonitoringStack(
            scope,
            config=config,
            data=self.data_stack.data,
            workers=self.webhooks_stack.workers,
            processing=self.processing_stack.workers,
        )
        self.api_stack = ApiStack(
            scope,
            config=config,
            data=self.data_stack.data,
            monitoring=self.monitoring_stack.monitoring,
            code_dir=code_dir,
            layer_dir=layer_dir,
            layer_description=layer_description,
        )
        self.gateway_stack = GatewayStack(scope, config=config)
        # No reference carries this order (Monitoring names the functions, the canaries name the alarms,
        # the methods name the aliases).
        self.api_stack.add_stack_dependency(self.monitoring_stack, "the canaries watch the monitoring stack's alarms")
        self.gateway_stack.add_stack_dependency(self.api_stack, "the methods invoke the route functions' aliases")
        self.data = self.data_stack.data
        self.webhook_workers = self.webhooks_stack.workers
        self.processing_workers = self.processing_stack.workers
        self.monitoring = self.monitoring_stack.monitoring
        self.route_functions = self.api_stack.route_functions
        self.rollouts = self.api_stack.rollouts
        self.api = self.gateway_stack.api
        self.waf = self.gateway_stack.waf

    @property
    def stacks(self) -> tuple[Stack, ...]:
        """In deploy order."""
        return (
            self.data_stack,
            self.webhooks_stack,
            self.processing_stack,
            self.monitoring_stack,
            self.api_stack,
            self.gateway_stack,
        )
