"""CodeDeploy and Lambda calls of the BeforeAllowTraffic hook: which version is being deployed, its
answer to a synthetic request, and the hook's verdict. Only the hook imports this module."""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from botocore.config import Config

from functions.data.aws import session
from functions.data.settings import settings
from functions.records import record

if TYPE_CHECKING:
    from mypy_boto3_codedeploy import CodeDeployClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_secretsmanager import SecretsManagerClient

# The version's first invocation is a cold start (or a SnapStart restore): give it the function's
# whole timeout (10 s) and then some, and never retry an invocation the function may have run.
_INVOKE_CONFIG = Config(retries={"mode": "standard", "max_attempts": 1}, connect_timeout=2, read_timeout=20)
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5)


@cache
def codedeploy() -> CodeDeployClient:
    return session().client("codedeploy", config=_CONFIG)


@cache
def lambda_client() -> LambdaClient:
    return session().client("lambda", config=_INVOKE_CONFIG)


@cache
def secrets() -> SecretsManagerClient:
    return session().client("secretsmanager", config=_CONFIG)


def check_token() -> str | None:
    """The deploy-check token (the smoke-test user's), read at each check so a rotated token is
    used at once; None when the stage keeps none."""
    name = settings().deploy_check_token_secret
    if name is None:
        return None
    return secrets().get_secret_value(SecretId=name)["SecretString"].strip()


@record
class Target:
    """The version a Lambda deployment is shifting its alias to, and the group it deploys in."""

    deployment_group: str
    function_name: str
    alias: str
    version: str


@record
class Answer:
    function_error: str | None
    payload: bytes


def deployment_target(deployment_id: str) -> Target:
    deployment = codedeploy().get_deployment(deploymentId=deployment_id)["deploymentInfo"]
    # A Lambda deployment has one target: the alias being shifted.
    [target_id] = codedeploy().list_deployment_targets(deploymentId=deployment_id)["targetIds"]
    target = codedeploy().get_deployment_target(deploymentId=deployment_id, targetId=target_id)["deploymentTarget"]
    info = target["lambdaTarget"]["lambdaFunctionInfo"]
    return Target(
        deployment_group=deployment["deploymentGroupName"],
        function_name=info["functionName"],
        alias=info["functionAlias"],
        version=info["targetVersion"],
    )


def invoke_version(target: Target, event: dict[str, Any]) -> Answer:
    """Invoke exactly the version under deployment (never the alias, which still points at the old one)."""
    response = lambda_client().invoke(
        FunctionName=target.function_name, Qualifier=target.version, Payload=json.dumps(event).encode()
    )
    return Answer(function_error=response.get("FunctionError"), payload=response["Payload"].read())


def report(deployment_id: str, execution_id: str, status: Literal["Succeeded", "Failed"]) -> None:
    """The hook's verdict: CodeDeploy shifts traffic after Succeeded and rolls back after Failed."""
    codedeploy().put_lifecycle_event_hook_execution_status(
        deploymentId=deployment_id, lifecycleEventHookExecutionId=execution_id, status=status
    )
