"""What a new version of a route function must answer before CodeDeploy sends it any traffic.

The BeforeAllowTraffic hook (functions/entries/before_allow_traffic.py) invokes the version it is
about to shift traffic to with a synthetic API Gateway request and holds the answer to these rules.
An unauthenticated request is the one check that needs no credentials and no data, and it goes
through what every request goes through first: the cold start (imports, `check_deployed`, SnapStart
restore), the header checks, authentication and the error rendering. A version that cannot start,
lost a variable, or renders errors wrongly fails it.

Where the stage keeps a deploy-check token (the smoke-test user's, in Secrets Manager), a new version
of a read route is also asked an authenticated request: it must reach its tables with its own role
and render a real answer, which a 401 alone never shows (a table name or a grant lost in a release).
Writes are never checked this way: the hook must not create or delete anything.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from functions.records import record
from functions.routes import Route

# RFC 5737 TEST-NET-2: no real client sends from it, so the check never shares a failure count
# (per source address) with anyone, and what it counts is told apart in the tables.
CHECK_SOURCE_IP = "198.51.100.7"
CHECK_USER_AGENT = "quollo-deploy-check"
# Stands for every path parameter: authentication runs before the path is checked.
PATH_VALUE = "deploy-check"


@record
class CheckResult:
    passed: bool
    reason: str


def unauthenticated_request(route: Route) -> dict[str, Any]:
    """A REST proxy event for `route` as API Gateway sends it, without an Authorization header."""
    return _request(route, {})


def reads_with_token(route: Route) -> bool:
    """Whether the hook also asks `route` an authenticated request: the protected reads only."""
    return route.method == "GET" and not route.public


def authenticated_read(route: Route, token: str) -> dict[str, Any]:
    """The same request with the deploy-check token: a list reads the token user's first page, a
    read by id asks for an id that does not exist (PATH_VALUE)."""
    if not reads_with_token(route):
        raise ValueError(f"{route.name} is not a protected read: the hook never sends it a token")
    return _request(route, {"Authorization": f"Bearer {token}"})


def _request(route: Route, extra_headers: dict[str, str]) -> dict[str, Any]:
    names = re.findall(r"\{(\w+)\}", route.path)
    path = re.sub(r"\{\w+\}", PATH_VALUE, route.path)
    headers = {"Accept": "application/json", "User-Agent": CHECK_USER_AGENT, **extra_headers}
    return {
        "resource": route.path,
        "path": path,
        "httpMethod": route.method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": dict.fromkeys(names, PATH_VALUE) or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": route.path,
            "httpMethod": route.method,
            "path": path,
            "stage": PATH_VALUE,
            "requestId": f"deploy-check-{uuid.uuid4()}",
            "protocol": "HTTP/1.1",
            "identity": {"sourceIp": CHECK_SOURCE_IP, "userAgent": CHECK_USER_AGENT},
        },
        "body": None,
        "isBase64Encoded": False,
    }


def check_unauthenticated_answer(route: Route, function_error: str | None, payload: bytes) -> CheckResult:
    """The rules for the answer to `unauthenticated_request` (docs/api.md, Errors).

    A protected route answers 401 with our JSON error body, `unauthenticated`. A public route (the
    route table says so) has no such answer to hold it to: any answer but a crash or a 5xx passes.
    """
    response = _proxy_response(function_error, payload)
    if isinstance(response, CheckResult):
        return response
    status = int(response["statusCode"])
    if route.public:
        if status >= 500:
            return CheckResult(False, f"public route answered {status}")
        return CheckResult(True, f"public route answered {status}")
    if status != 401:
        return CheckResult(False, f"expected 401 without a token, got {status}: {str(response.get('body'))[:300]}")
    body = _json_body(response)
    if isinstance(body, CheckResult):
        return body
    if not _our_error(body, "unauthenticated"):
        return CheckResult(False, f"401 body is not our unauthenticated error: {json.dumps(body)[:300]}")
    return CheckResult(True, "401 unauthenticated, our JSON error body")


def check_authenticated_answer(route: Route, function_error: str | None, payload: bytes) -> CheckResult:
    """The rules for the answer to `authenticated_read`: the token is valid, so a list answers 200 with
    a JSON object, and a read by id answers our 404 `not_found` for the id that does not exist."""
    response = _proxy_response(function_error, payload)
    if isinstance(response, CheckResult):
        return response
    status = int(response["statusCode"])
    by_id = "{" in route.path
    expected = 404 if by_id else 200
    if status != expected:
        return CheckResult(
            False, f"expected {expected} with the deploy-check token, got {status}: {str(response.get('body'))[:300]}"
        )
    body = _json_body(response)
    if isinstance(body, CheckResult):
        return body
    if by_id and not _our_error(body, "not_found"):
        return CheckResult(False, f"404 body is not our not_found error: {json.dumps(body)[:300]}")
    if not isinstance(body, dict) or (not by_id and "error" in body):
        return CheckResult(False, f"200 body is not an answer of ours: {json.dumps(body)[:300]}")
    return CheckResult(True, f"{status} with the deploy-check token")


def _proxy_response(function_error: str | None, payload: bytes) -> dict[str, Any] | CheckResult:
    if function_error is not None:
        return CheckResult(False, f"the function failed ({function_error}): {payload[:300]!r}")
    try:
        response = json.loads(payload)
        int(response["statusCode"])
    except (ValueError, TypeError, KeyError):
        return CheckResult(False, f"not an API Gateway proxy response: {payload[:300]!r}")
    if not isinstance(response, dict):
        return CheckResult(False, f"not an API Gateway proxy response: {payload[:300]!r}")
    return response


def _json_body(response: dict[str, Any]) -> Any:
    """The answer's JSON body, or the failed CheckResult saying why there is none."""
    status = response["statusCode"]
    # Powertools answers in multiValueHeaders, our early refusals in headers: API Gateway merges both.
    headers = {str(name).lower(): str(values[0]) for name, values in (response.get("multiValueHeaders") or {}).items()}
    headers |= {str(name).lower(): str(value) for name, value in (response.get("headers") or {}).items()}
    if not headers.get("content-type", "").startswith("application/json"):
        return CheckResult(False, f"{status} without a JSON Content-Type: {headers.get('content-type')!r}")
    try:
        return json.loads(response.get("body") or "")
    except ValueError:
        return CheckResult(False, f"{status} body is not JSON: {str(response.get('body'))[:300]}")


def _our_error(body: Any, code: str) -> bool:
    """Whether `body` is our error body (docs/api.md, Errors) with this code."""
    error = body.get("error") if isinstance(body, dict) else None
    return (
        isinstance(error, dict)
        and set(body) == {"error"}
        and set(error) == {"code", "message"}
        and error["code"] == code
        and isinstance(error["message"], str)
        and bool(error["message"])
    )
