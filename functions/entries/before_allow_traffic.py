"""CodeDeploy's BeforeAllowTraffic hook for every route function's `live` alias (not an HTTP route).

CodeDeploy calls it once per deployment, before any traffic reaches the new version: it invokes that
version with an unauthenticated request, and a read route with the stage's deploy-check token where it
keeps one (functions/domain/deploy_checks.py), and reports Succeeded or
Failed. Failed rolls the deployment back, and CloudFormation with it. Whatever goes wrong here is
reported as Failed: a hook that never reports holds the deployment for an hour before it fails.
"""

from __future__ import annotations

from typing import Any, Literal

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.data import deployments
from functions.domain.deploy_checks import (
    CheckResult,
    authenticated_read,
    check_authenticated_answer,
    check_unauthenticated_answer,
    reads_with_token,
    unauthenticated_request,
)
from functions.routes import ROUTES
from functions.runtime.init_collector import resumes_after_first_invocation
from functions.runtime.observability import logger

# Each route's CodeDeploy deployment group is named after it (infra/constructs/rollouts.py).
ROUTES_BY_GROUP = {route.name: route for route in ROUTES}


def check(deployment_id: str) -> tuple[bool, str]:
    """Whether the version this deployment shifts to answers as it must, and why not."""
    target = deployments.deployment_target(deployment_id)
    route = ROUTES_BY_GROUP.get(target.deployment_group)
    if route is None:
        return False, f"deployment group {target.deployment_group!r} is no route of the route table"
    answer = deployments.invoke_version(target, unauthenticated_request(route))
    result = check_unauthenticated_answer(route, answer.function_error, answer.payload)
    if result.passed and reads_with_token(route) and (token := deployments.check_token()) is not None:
        answer = deployments.invoke_version(target, authenticated_read(route, token))
        read = check_authenticated_answer(route, answer.function_error, answer.payload)
        result = CheckResult(read.passed, f"{result.reason}; {read.reason}")
    where = f"{route.name} version {target.version} ({target.function_name})"
    return result.passed, f"{where}: {result.reason}"


@resumes_after_first_invocation
@logger.inject_lambda_context(clear_state=True, log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    deployment_id = str(event["DeploymentId"])
    execution_id = str(event["LifecycleEventHookExecutionId"])
    logger.append_keys(deployment_id=deployment_id)
    try:
        passed, reason = check(deployment_id)
    except Exception:
        logger.exception("deploy check could not run; failing the deployment")
        passed, reason = False, "the check could not run"
    status: Literal["Succeeded", "Failed"] = "Succeeded" if passed else "Failed"
    (logger.info if passed else logger.error)("deploy check", status=status, reason=reason)
    deployments.report(deployment_id, execution_id, status)
    return {"status": status, "reason": reason}
