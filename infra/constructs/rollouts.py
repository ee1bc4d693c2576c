"""Gradual deploys: CodeDeploy shifts each function's `live` alias 10% first, then all of it.

A deploy publishes a new version per changed function; CodeDeploy sends 10% of that alias's
traffic to it for 5 minutes and rolls back by itself if one of the alarms fires meanwhile
(docs/deploy.md, "Rolling back").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Acknowledgment, Stack, Validations
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.constructs.monitoring import Monitoring

DEPLOYMENT_CONFIG = codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_5_MINUTES
LAMBDA_DEPLOY_POLICY = "service-role/AWSCodeDeployRoleForLambdaLimited"


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
        self.role = self._service_role()
        self._alarms: dict[str, cloudwatch.IAlarm] = {}
        self.groups: dict[str, codedeploy.LambdaDeploymentGroup] = {}
        for name, alias in aliases.items():
            alarms = monitoring.functions[name]
            self.groups[name] = self._group(name, alias, [alarms.errors, alarms.throttles, monitoring.api_5xx])

    def _service_role(self) -> iam.Role:
        """One role for every deployment group (each would make its own: a role per route for the same
        managed policy)."""
        role = iam.Role(
            self,
            "ServiceRole",
            assumed_by=iam.ServicePrincipal("codedeploy.amazonaws.com"),
            description="CodeDeploy: shifts the live aliases of this stack's functions, reads their alarms",
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(LAMBDA_DEPLOY_POLICY)],
        )
        Validations.of(role).acknowledge(
            Acknowledgment(
                id=f"AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{LAMBDA_DEPLOY_POLICY}]",
                reason="CodeDeploy's documented service role for Lambda: it may only read the "
                "alarms, update aliases and invoke hooks named CodeDeployHook_*.",
            )
        )
        return role

    def _by_name(self, alarm: cloudwatch.IAlarm) -> cloudwatch.IAlarm:
        """An alarm of the monitoring stack, by its literal name: a reference would be an export that
        blocks removing a route's alarms while its group still imports them. The monitoring stack
        deploys first (infra/stack.py), so the alarms exist before a canary polls them."""
        if Stack.of(alarm) is Stack.of(self):
            return alarm
        cfn = alarm.node.default_child
        assert isinstance(cfn, cloudwatch.CfnAlarm) and isinstance(cfn.alarm_name, str)
        if cfn.alarm_name not in self._alarms:  # one import for an alarm several groups watch
            self._alarms[cfn.alarm_name] = cloudwatch.Alarm.from_alarm_name(
                self, f"{alarm.node.id}Alarm", cfn.alarm_name
            )
        return self._alarms[cfn.alarm_name]

    def _group(
        self, name: str, alias: lambda_.Alias, alarms: Sequence[cloudwatch.IAlarm]
    ) -> codedeploy.LambdaDeploymentGroup:
        group = codedeploy.LambdaDeploymentGroup(
            self,
            "".join(part.capitalize() for part in name.split("_")),
            application=self.application,
            alias=alias,
            role=self.role,
            deployment_config=DEPLOYMENT_CONFIG,
            # The function's crashes and throttles, and the API's 5xx share: our handlers turn
            # exceptions into 500 answers, which Lambda's Errors metric never sees.
            alarms=[self._by_name(alarm) for alarm in alarms],
            auto_rollback=codedeploy.AutoRollbackConfig(
                failed_deployment=True, stopped_deployment=True, deployment_in_alarm=True
            ),
        )
        return group
