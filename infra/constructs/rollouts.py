"""Gradual deploys: CodeDeploy shifts each function's `live` alias 10% first, then all of it.

A deploy publishes a new version per changed function; CodeDeploy sends 10% of that alias's
traffic to it for 5 minutes and rolls back by itself if one of the alarms fires meanwhile
(docs/deploy.md, "Rolling back").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Acknowledgment, Validations
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.constructs.monitoring import Monitoring

DEPLOYMENT_CONFIG = codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_5_MINUTES


class Rollouts(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        aliases: Mapping[str, lambda_.Alias],
        monitoring: Monitoring,
    ) -> None:
        super().__init__(scope, construct_id)
        self.application = codedeploy.LambdaApplication(self, "Application")
        self.groups: dict[str, codedeploy.LambdaDeploymentGroup] = {}
        for name, alias in aliases.items():
            alarms = monitoring.functions[name]
            self.groups[name] = self._group(name, alias, [alarms.errors, alarms.throttles, monitoring.api_5xx])

    def _group(
        self, name: str, alias: lambda_.Alias, alarms: Sequence[cloudwatch.IAlarm]
    ) -> codedeploy.LambdaDeploymentGroup:
        group = codedeploy.LambdaDeploymentGroup(
            self,
            "".join(part.capitalize() for part in name.split("_")),
            application=self.application,
            alias=alias,
            deployment_config=DEPLOYMENT_CONFIG,
            # The function's crashes and throttles, and the API's 5xx share: our handlers turn
            # exceptions into 500 answers, which Lambda's Errors metric never sees.
            alarms=list(alarms),
            auto_rollback=codedeploy.AutoRollbackConfig(
                failed_deployment=True, stopped_deployment=True, deployment_in_alarm=True
            ),
        )
        role = group.role
        assert role is not None
        Validations.of(role).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AWSCodeDeployRoleForLambdaLimited]",
                reason="CodeDeploy's documented service role for Lambda: it may only read the "
                "alarms, update aliases and invoke hooks named CodeDeployHook_*.",
            )
        )
        return group
