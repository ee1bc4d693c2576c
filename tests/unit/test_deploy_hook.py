"""The BeforeAllowTraffic hook: what it asks CodeDeploy and Lambda, and the verdict it reports.

CodeDeploy and Lambda are botocore's Stubber: each test lists the calls the hook must make, with
their parameters, and fails on any other call or a missing one.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from functions.data import deployments
from functions.data.settings import DEPLOY_CHECK_TOKEN_SECRET_ENV, settings
from functions.domain.deploy_checks import CHECK_SOURCE_IP, unauthenticated_request
from functions.entries import before_allow_traffic
from functions.local.gateway import LocalContext
from functions.models.errors import error_body
from functions.routes import ROUTES, Route

DEPLOYMENT = "d-ABCDEF123"
EXECUTION = "execution-1"
FUNCTION = "QuolloProd-RoutesGetInterviewFunction-AbC123"
VERSION = "7"
GET_INTERVIEW = next(route for route in ROUTES if route.name == "get_interview")
LIST_PLANS = next(route for route in ROUTES if route.name == "list_plans")
SECRET = "quollo-prod-deploy-check-token"
TOKEN = "qlo_live_" + "s" * 38
OUR_404 = {
    "statusCode": 404,
    "multiValueHeaders": {"Content-Type": ["application/json"]},
    "body": error_body("not_found", "Interview not found"),
    "isBase64Encoded": False,
}

OUR_401 = {
    "statusCode": 401,
    "headers": {"Content-Type": "application/json", "X-Request-Id": "r-1"},
    "body": error_body("unauthenticated", "Missing Authorization header"),
    "isBase64Encoded": False,
}


@dataclass
class Stubs:
    codedeploy: Stubber
    lambda_: Stubber
    secrets: Stubber

    def target(self, group: str = "get_interview") -> None:
        self.codedeploy.add_response(
            "get_deployment",
            {"deploymentInfo": {"deploymentId": DEPLOYMENT, "deploymentGroupName": group}},
            {"deploymentId": DEPLOYMENT},
        )
        self.codedeploy.add_response(
            "list_deployment_targets", {"targetIds": [f"{FUNCTION}:live"]}, {"deploymentId": DEPLOYMENT}
        )
        info = {"functionName": FUNCTION, "functionAlias": "live", "currentVersion": "6", "targetVersion": VERSION}
        self.codedeploy.add_response(
            "get_deployment_target",
            {
                "deploymentTarget": {
                    "deploymentTargetType": "LambdaTarget",
                    "lambdaTarget": {"lambdaFunctionInfo": info},
                }
            },
            {"deploymentId": DEPLOYMENT, "targetId": f"{FUNCTION}:live"},
        )

    def invoke(self, answer: Any, function_error: str | None = None) -> None:
        payload = (answer if isinstance(answer, bytes) else json.dumps(answer).encode()) or b""
        response: dict[str, Any] = {"StatusCode": 200, "Payload": StreamingBody(io.BytesIO(payload), len(payload))}
        if function_error:
            response["FunctionError"] = function_error
        expected = {"FunctionName": FUNCTION, "Qualifier": VERSION, "Payload": _AnyEventFor(GET_INTERVIEW.path)}
        self.lambda_.add_response("invoke", response, expected)

    def verdict(self, status: str) -> None:
        self.codedeploy.add_response(
            "put_lifecycle_event_hook_execution_status",
            {"lifecycleEventHookExecutionId": EXECUTION},
            {"deploymentId": DEPLOYMENT, "lifecycleEventHookExecutionId": EXECUTION, "status": status},
        )

    def read(self, answer: Any, route: Route = GET_INTERVIEW) -> None:
        """The authenticated read: the same request with the deploy-check token."""
        payload = json.dumps(answer).encode()
        response: dict[str, Any] = {"StatusCode": 200, "Payload": StreamingBody(io.BytesIO(payload), len(payload))}
        expected = {"FunctionName": FUNCTION, "Qualifier": VERSION, "Payload": _AnyEventFor(route.path, TOKEN)}
        self.lambda_.add_response("invoke", response, expected)

    def token(self) -> None:
        self.secrets.add_response(
            "get_secret_value",
            {"Name": SECRET, "SecretString": TOKEN + "\n"},
            {"SecretId": SECRET},
        )


class _AnyEventFor:
    """Matches an invocation payload: the synthetic request for `resource`, with `token` or without any."""

    def __init__(self, resource: str, token: str | None = None) -> None:
        self.resource = resource
        self.token = token

    def __eq__(self, other: object) -> bool:
        event = json.loads(other) if isinstance(other, bytes | str) else None
        if not isinstance(event, dict):
            return False
        authorization = {value for name, value in event["headers"].items() if name.lower() == "authorization"}
        return (
            event["resource"] == self.resource
            and ("/deploy-check" in event["path"]) == ("{" in self.resource)
            and authorization == ({f"Bearer {self.token}"} if self.token else set())
            and event["requestContext"]["identity"]["sourceIp"] == CHECK_SOURCE_IP
        )

    def __hash__(self) -> int:
        return hash(self.resource)


@pytest.fixture
def stubs() -> Iterator[Stubs]:
    clients = (deployments.codedeploy, deployments.lambda_client, deployments.secrets)
    for client in clients:
        client.cache_clear()
    with (
        Stubber(deployments.codedeploy()) as codedeploy,
        Stubber(deployments.lambda_client()) as lambda_,
        Stubber(deployments.secrets()) as secrets,
    ):
        yield Stubs(codedeploy, lambda_, secrets)
        codedeploy.assert_no_pending_responses()
        lambda_.assert_no_pending_responses()
        secrets.assert_no_pending_responses()
    for client in clients:
        client.cache_clear()


@pytest.fixture
def with_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """The stage keeps a deploy-check token (`-c deploy_check_token_secret`): the stack sets this variable."""
    monkeypatch.setenv(DEPLOY_CHECK_TOKEN_SECRET_ENV, SECRET)
    settings.cache_clear()


def run_hook() -> dict[str, str]:
    event = {"DeploymentId": DEPLOYMENT, "LifecycleEventHookExecutionId": EXECUTION}
    return before_allow_traffic.handler(event, LocalContext(function_name="CodeDeployHook_quollo-prod"))  # type: ignore[arg-type]


def test_a_version_that_answers_our_401_passes(stubs: Stubs) -> None:
    stubs.target()
    stubs.invoke(OUR_401)
    stubs.verdict("Succeeded")
    assert run_hook()["status"] == "Succeeded"


@pytest.mark.parametrize(
    ("answer", "function_error", "why"),
    [
        # A handled exception: our 500 body.
        ({**OUR_401, "statusCode": 500, "body": error_body("internal_error", "Unexpected")}, None, "got 500"),
        # A crash at import or cold start (a lost variable, a missing module).
        (b'{"errorMessage": "No module named x", "errorType": "ImportModuleError"}', "Unhandled", "Unhandled"),
        # Authentication skipped: the route answered as if the caller were known.
        ({**OUR_401, "statusCode": 200, "body": "{}"}, None, "got 200"),
        # 401 in another error format.
        ({**OUR_401, "body": json.dumps({"message": "Unauthorized"})}, None, "not our unauthenticated error"),
        ({**OUR_401, "body": error_body("invalid_token", "x")}, None, "not our unauthenticated error"),
        ({**OUR_401, "headers": {"Content-Type": "text/plain"}}, None, "JSON Content-Type"),
        (b"null", None, "not an API Gateway proxy response"),
    ],
    ids=["500", "crash", "200", "gateway-401", "other-code", "text", "no-response"],
)
def test_a_version_that_answers_otherwise_fails_the_deployment(
    stubs: Stubs, answer: Any, function_error: str | None, why: str
) -> None:
    stubs.target()
    stubs.invoke(answer, function_error)
    stubs.verdict("Failed")
    result = run_hook()
    assert result["status"] == "Failed"
    assert why in result["reason"]


def test_a_deployment_group_that_is_no_route_fails_without_invoking_anything(stubs: Stubs) -> None:
    stubs.target(group="not_a_route")
    stubs.verdict("Failed")
    assert "no route" in run_hook()["reason"]


def test_a_check_that_cannot_run_still_reports_failed(stubs: Stubs) -> None:
    """Without a verdict CodeDeploy waits an hour before it fails the deployment."""
    stubs.codedeploy.add_client_error("get_deployment", "AccessDeniedException", http_status_code=403)
    stubs.verdict("Failed")
    assert run_hook()["status"] == "Failed"


def test_the_synthetic_request_fills_every_path_parameter() -> None:
    for route in ROUTES:
        event = unauthenticated_request(route)
        assert "{" not in event["path"], route.name
        assert event["httpMethod"] == route.method and event["resource"] == route.path
        assert "Authorization" not in event["headers"]


def test_without_a_token_secret_a_read_is_checked_unauthenticated_only(stubs: Stubs) -> None:
    stubs.target()
    stubs.invoke(OUR_401)
    stubs.verdict("Succeeded")  # no secret read, no second invocation: the Stubber fails on either
    assert run_hook()["status"] == "Succeeded"


def test_with_a_token_a_read_must_reach_its_data(stubs: Stubs, with_token: None) -> None:
    stubs.target()
    stubs.invoke(OUR_401)
    stubs.token()
    stubs.read(OUR_404)
    stubs.verdict("Succeeded")
    result = run_hook()
    assert result["status"] == "Succeeded", result
    assert TOKEN not in json.dumps(result)


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        # A lost grant or table name: the read fails behind a valid token.
        ({**OUR_404, "statusCode": 500, "body": error_body("internal_error", "Unexpected")}, "expected 404"),
        # The token no longer authenticates (revoked, or the tokens table is not the stage's).
        ({**OUR_401, "body": error_body("invalid_token", "x")}, "expected 404"),
        # A read by id that answers something for an id that does not exist.
        ({**OUR_404, "statusCode": 200, "body": "{}"}, "expected 404"),
        ({**OUR_404, "body": json.dumps({"message": "Not Found"})}, "not our not_found error"),
    ],
    ids=["500", "401", "200", "gateway-404"],
)
def test_with_a_token_a_read_that_answers_otherwise_fails(
    stubs: Stubs, with_token: None, answer: Any, why: str
) -> None:
    stubs.target()
    stubs.invoke(OUR_401)
    stubs.token()
    stubs.read(answer)
    stubs.verdict("Failed")
    result = run_hook()
    assert result["status"] == "Failed" and why in result["reason"], result


def test_a_write_is_never_sent_the_token(stubs: Stubs, with_token: None) -> None:
    stubs.target(group="create_interview")
    stubs.lambda_.add_response(
        "invoke",
        {
            "StatusCode": 200,
            "Payload": StreamingBody(io.BytesIO(json.dumps(OUR_401).encode()), len(json.dumps(OUR_401))),
        },
        {"FunctionName": FUNCTION, "Qualifier": VERSION, "Payload": _AnyEventFor("/v1/interviews")},
    )
    stubs.verdict("Succeeded")  # no secret read: the Stubber would fail on one
    assert run_hook()["status"] == "Succeeded"


def test_a_list_read_with_a_token_must_answer_200_with_a_json_object(stubs: Stubs, with_token: None) -> None:
    stubs.target(group="list_plans")
    stubs.lambda_.add_response(
        "invoke",
        {
            "StatusCode": 200,
            "Payload": StreamingBody(io.BytesIO(json.dumps(OUR_401).encode()), len(json.dumps(OUR_401))),
        },
        {"FunctionName": FUNCTION, "Qualifier": VERSION, "Payload": _AnyEventFor(LIST_PLANS.path)},
    )
    stubs.token()
    stubs.read({**OUR_404, "statusCode": 200, "body": json.dumps({"items": []})}, LIST_PLANS)
    stubs.verdict("Succeeded")
    assert run_hook()["status"] == "Succeeded"
