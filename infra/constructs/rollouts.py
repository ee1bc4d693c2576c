"""Gradual deploys: CodeDeploy shifts each function's `live` alias 10% first, then all of it.

A deploy publishes a new version per changed function. Before any traffic reaches it, a
BeforeAllowTraffic hook invokes it with an unauthenticated request and fails the deployment unless it
answers our 401 (functions/entries/before_allow_traffic.py). CodeDeploy then sends 10% of that
alias's traffic to it for 5 minutes and rolls back by itself if one of its route's alarms fires
meanwhile (docs/deploy.md, "Rolling back").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import (
    Acknowledgment,
    ArnFormat,
    CfnCodeDeployLambdaAliasUpdate,
    CfnResource,
    CfnUpdatePolicy,
    Duration,
    Stack,
    Validations,
)
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from functions.data.settings import DEPLOY_CHECK_TOKEN_SECRET_ENV
from infra.config import StageConfig
from infra.constructs.monitoring import Monitoring
from infra.constructs.route_functions import base_environment, quollo_function

DEPLOYMENT_CONFIG = codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_5_MINUTES
LAMBDA_DEPLOY_POLICY = "service-role/AWSCodeDeployRoleForLambdaLimited"
HOOK_HANDLER = "functions.entries.before_allow_traffic.handler"
# CodeDeploy's role for Lambda (AWSCodeDeployRoleForLambdaLimited) may invoke functions so named, and
# only those: no grant per deployment group is needed.
HOOK_NAME_PREFIX = "CodeDeployHook_"
# The hook's one read of the deploy-check token's secret (an IAM action, no secret).
SECRET_READ = "secretsmanager:GetSecretValue"  # noqa: S105
# What the hook calls on CodeDeploy: the deployment's group and target version, and its verdict.
HOOK_CODEDEPLOY_ACTIONS = (
    "codedeploy:GetDeployment",
    "codedeploy:ListDeploymentTargets",
    "codedeploy:GetDeploymentTarget",
    "codedeploy:PutLifecycleEventHookExecutionStatus",
)


class Rollouts(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        aliases: Mapping[str, lambda_.Alias],
        monitoring: Monitoring,
        code: lambda_.Code,
        layer: lambda_.ILayerVersion,
        config: StageConfig,
    ) -> None:
        super().__init__(scope, construct_id)
        self.application = codedeploy.LambdaApplication(self, "Application")
        self.role = self._service_role()
        self._alarms: dict[str, cloudwatch.IAlarm] = {}
        self.hook = self._hook(aliases, code, layer, config)
        self.groups: dict[str, codedeploy.LambdaDeploymentGroup] = {}
        for name, alias in aliases.items():
            alarms = monitoring.functions[name]
            self.groups[name] = self._group(name, alias, [alarms.errors, alarms.throttles])

    def _hook(
        self,
        aliases: Mapping[str, lambda_.Alias],
        code: lambda_.Code,
        layer: lambda_.ILayerVersion,
        config: StageConfig,
    ) -> lambda_.Function:
        """One BeforeAllowTraffic hook for every group: it asks CodeDeploy which route and version it checks."""
        scope = Construct(self, "BeforeAllowTraffic")
        stack = Stack.of(self)
        functions = [alias.version.lambda_ for alias in aliases.values()]
        groups = stack.format_arn(
            service="codedeploy",
            resource="deploymentgroup",
            resource_name=f"{self.application.application_name}/*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        application = self.application.node.default_child
        assert isinstance(application, CfnResource)

        token_arn = self._token_arn(config)

        def statements(log_group: logs.ILogGroup) -> list[iam.PolicyStatement]:
            return [
                iam.PolicyStatement(
                    sid="OwnLogGroup",
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[log_group.log_group_arn],
                ),
                # Qualified ARNs only: never $LATEST. Not only this deploy's versions: a CloudFormation
                # rollback deploys the previous version through the hook too, while the hook's role
                # still holds the new stack's policy (the alias rolls back before the role does).
                # The hook invokes only the version CodeDeploy names as the deployment's target.
                iam.PolicyStatement(
                    sid="InvokeVersionsBeingDeployed",
                    actions=["lambda:InvokeFunction"],
                    resources=[f"{function.function_arn}:*" for function in functions],
                ),
                iam.PolicyStatement(
                    sid="ThisApplicationsDeployments", actions=list(HOOK_CODEDEPLOY_ACTIONS), resources=[groups]
                ),
                *(
                    [iam.PolicyStatement(sid="ReadDeployCheckToken", actions=[SECRET_READ], resources=[token_arn])]
                    if token_arn
                    else []
                ),
            ]

        environment = base_environment(config)
        if config.deploy_check_token_secret:
            environment[DEPLOY_CHECK_TOKEN_SECRET_ENV] = config.deploy_check_token_secret

        function, role = quollo_function(
            scope,
            config,
            description="Quollo deploy check: a new version must answer an unauthenticated request with our 401",
            role_description="Quollo deploy check: invoke the versions being deployed, report to CodeDeploy",
            policy=("hook", statements),
            handler=HOOK_HANDLER,
            code=code,
            layer=layer,
            # Invokes one version (its cold start, at most its 10 s timeout) and makes four CodeDeploy calls.
            # Two invocations of it when it reads with the deploy-check token.
            timeout=Duration.seconds(60),
            environment=environment,
            function_name=f"{HOOK_NAME_PREFIX}quollo-{config.stage}-before-allow-traffic",
        )
        Validations.of(role).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason="Active tracing adds xray:PutTraceSegments/PutTelemetryRecords, which "
                "support no resource-level permissions.",
            ),
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:codedeploy:<AWS::Region>:<AWS::AccountId>:"
                f"deploymentgroup:<{stack.get_logical_id(application)}>/*]",
                reason="The hook serves every deployment group of this stack's CodeDeploy application "
                "(one per route): the wildcard is held to that application.",
            ),
            *(
                Acknowledgment(
                    id=f"AwsSolutions-IAM5[Resource::<{stack.resolve(function.function_arn)['Fn::GetAtt'][0]}.Arn>:*]",
                    reason="Any published version of this route function: CodeDeploy names the one to check "
                    "at run time, and a rollback checks the previous one (never $LATEST).",
                )
                for function in functions
            ),
        )
        Validations.of(scope).acknowledge(
            Acknowledgment(
                id="AwsSolutions-L1", reason="Python 3.12 like the route functions: same layer and bytecode."
            )
        )
        return function

    def _token_arn(self, config: StageConfig) -> str | None:
        """The deploy-check token's secret as an IAM resource: a name matches its ARN with the six
        random characters Secrets Manager appends (never another secret's name with a suffix)."""
        secret = config.deploy_check_token_secret
        if secret is None or secret.startswith("arn:"):
            return secret
        return Stack.of(self).format_arn(
            service="secretsmanager",
            resource="secret",
            resource_name=f"{secret}-??????",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )

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
            # The route's name: the hook finds the route (its method, path, whether it is public) by it.
            deployment_group_name=name,
            deployment_config=DEPLOYMENT_CONFIG,
            # The function's crashes and its route's 5xx answers (our handlers turn exceptions into
            # 500 answers, which Lambda's Errors metric never sees), and its throttles, per minute.
            alarms=[self._by_name(alarm) for alarm in alarms],
            auto_rollback=codedeploy.AutoRollbackConfig(
                failed_deployment=True, stopped_deployment=True, deployment_in_alarm=True
            ),
        )
        self._before_allow_traffic(alias, group)
        return group

    def _before_allow_traffic(self, alias: lambda_.Alias, group: codedeploy.LambdaDeploymentGroup) -> None:
        """The alias's update policy names the hook, as `pre_hook` would, without `pre_hook`'s grants:
        an invoke statement per group on their role (the managed policy already allows
        CodeDeployHook_*) and a status grant per group on the hook's role (one statement covers them)."""
        cfn_alias = alias.node.default_child
        assert isinstance(cfn_alias, CfnResource)
        cfn_alias.cfn_options.update_policy = CfnUpdatePolicy(
            code_deploy_lambda_alias_update=CfnCodeDeployLambdaAliasUpdate(
                application_name=self.application.application_name,
                deployment_group_name=group.deployment_group_name,
                before_allow_traffic_hook=self.hook.function_name,
            )
        )
        # The hook must exist (and hold its permission) before the alias update starts a deployment.
        cfn_alias.node.add_dependency(self.hook)
