"""The Quollo stack: composes data, route functions, the API, monitoring, rollouts and WAF; names outputs."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import CfnOutput, Stack, Tags
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from functions.routes import ROUTES
from functions.workers import WORKERS
from infra.config import StageConfig
from infra.constructs.api import ApiConstruct
from infra.constructs.data import DataConstruct
from infra.constructs.monitoring import Monitoring
from infra.constructs.rollouts import Rollouts
from infra.constructs.route_functions import RouteFunctions
from infra.constructs.waf import Waf
from infra.constructs.webhook_workers import WebhookWorkers


class QuolloStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        code_dir: Path,
        layer_dir: Path,
        layer_description: str,
        description: str,
    ) -> None:
        # No env: the template is environment-agnostic (region and account are deploy-time tokens),
        # so `cdk synth` needs no AWS account.
        super().__init__(scope, construct_id, description=description)
        Tags.of(self).add("project", "quollo")
        Tags.of(self).add("stage", config.stage)

        self.data = DataConstruct(self, "Data", config=config)
        self.route_functions = RouteFunctions(
            self,
            "Routes",
            routes=ROUTES,
            data=self.data,
            code=lambda_.Code.from_asset(str(code_dir)),
            dependencies=lambda_.Code.from_asset(str(layer_dir)),
            dependencies_description=layer_description,
            config=config,
        )
        # Webhooks (issue 15): the stream fan-out and the queue's delivery function, on the same code and layer.
        self.webhook_workers = WebhookWorkers(
            self,
            "Webhooks",
            workers=WORKERS,
            data=self.data,
            code=lambda_.Code.from_asset(str(code_dir)),
            layer=self.route_functions.dependencies,
            config=config,
        )
        # API Gateway invokes the `live` aliases, never $LATEST (docs/decisions.md, 13).
        self.api = ApiConstruct(self, "Api", routes=ROUTES, functions=self.route_functions.aliases, config=config)
        self.monitoring = Monitoring(
            self,
            "Monitoring",
            config=config,
            api=self.api.api,
            functions=self.route_functions.functions,
            tables=self.data.tables,
        )
        self.monitoring.watch_webhook_workers(
            self.webhook_workers.functions["webhook_fanout"], self.webhook_workers.functions["webhook_delivery"]
        )
        self.monitoring.watch_webhook_queues(
            stream_failures=self.data.webhook_stream_failures,
            delivery_queue=self.data.webhook_queue,
            dead_letters=self.data.webhook_dlq,
        )
        self.rollouts = (
            Rollouts(
                self,
                "Rollouts",
                aliases=self.route_functions.aliases,
                monitoring=self.monitoring,
                code=lambda_.Code.from_asset(str(code_dir)),
                layer=self.route_functions.dependencies,
                config=config,
            )
            if config.canary_deploys
            else None
        )
        self.waf = (
            Waf(
                self,
                "Waf",
                stage=self.api.api.deployment_stage,
                rate_limit=config.waf_rate_limit,
                name=f"quollo-{config.stage}",
                routes=ROUTES,
                config=config,
            )
            if config.waf
            else None
        )
        if self.waf is not None:
            self.monitoring.watch_waf(self.waf.name)
        self._outputs()

    def _outputs(self) -> None:
        # RestApi adds its own `Endpoint` output with a generated id; ApiUrl below replaces it.
        self.api.api.node.try_remove_child("Endpoint")
        values = {
            "ApiUrl": (self.api.api.url, "Base URL of the API stage (append v1/...)"),
            "RecordsBucketName": (self.data.records_bucket.bucket_name, "QUOLLO_RECORDS_BUCKET"),
            "CursorSecretArn": (self.data.cursor_secret.secret_arn, "QUOLLO_CURSOR_SECRET"),
            "WebhookDeadLetterQueueUrl": (self.data.webhook_dlq.queue_url, "QUOLLO_WEBHOOK_DLQ_URL"),
        }
        for key, table in self.data.tables.items():
            values[f"{key.capitalize()}TableName"] = (table.table_name, self.data.specs[key].env_var)
        for logical_id, (value, description) in values.items():
            # Stable logical ids: scripts and docs read these names from `describe-stacks`.
            CfnOutput(self, logical_id, value=value, description=description).override_logical_id(logical_id)
