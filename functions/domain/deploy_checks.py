"""What a new version of a route function must answer before CodeDeploy sends it any traffic.

The BeforeAllowTraffic hook (functions/entries/before_allow_traffic.py) invokes the version it is
about to shift traffic to with a synthetic API Gateway request and holds the answer to these rules.
An unauthenticated request is the one check that needs no credentials and no data, and it goes
through what every request goes through first: the cold start (imports, `check_deployed`, SnapStart
restore), the header checks, authentication and the error rendering. A version that cannot start,
lost a variable, or renders errors wrongly fails it.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

from functions.routes import Route

# RFC 5737 TEST-NET-2: no real client sends from it, so the check never shares a failure count
# (per source address) with anyone, and what it counts is told apart in the tables.
CHECK_SOURCE_IP = "198.51.100.7"
CHECK_USER_AGENT = "quollo-deploy-check"
# Stands for every path parameter: authentication runs before the path is checked.
PATH_VALUE = "deploy-check"


@dataclass(frozen=True)
class CheckResult:
    passed: bool
    reason: str


def unauthenticated_request(route: Route) -> dict[str, Any]:
    """A REST proxy event for `route` as API Gateway sends it, without an Authorization header."""
    names = re.findall(r"\{(\w+)\}", route.path)
    path = re.sub(r"\{\w+\}", PATH_VALUE, route.path)
    headers = {"Accept": "application/json", "User-Agent": CHECK_USER_AGENT}
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
    if function_error is not None:
        return CheckResult(False, f"the function failed ({function_error}): {payload[:300]!r}")
    try:
        response = json.loads(payload)
        status = int(response["statusCode"])
    except (ValueError, TypeError, KeyError):
        return CheckResult(False, f"not an API Gateway proxy response: {payload[:300]!r}")
    if route.public:
        if status >= 500:
            return CheckResult(False, f"public route answered {status}")
        return CheckResult(True, f"public route answered {status}")
    if status != 401:
        return CheckResult(False, f"expected 401 without a token, got {status}: {str(response.get('body'))[:300]}")
    headers = {str(name).lower(): str(value) for name, value in (response.get("headers") or {}).items()}
    if not headers.get("content-type", "").startswith("application/json"):
        return CheckResult(False, f"401 without a JSON Content-Type: {headers.get('content-type')!r}")
    try:
        body = json.loads(response.get("body") or "")
    except ValueError:
        return CheckResult(False, f"401 body is not JSON: {str(response.get('body'))[:300]}")
    error = body.get("error") if isinstance(body, dict) else None
    if (
        not isinstance(error, dict)
        or set(body) != {"error"}
        or set(error) != {"code", "message"}
        or error["code"] != "unauthenticated"
        or not isinstance(error["message"], str)
        or not error["message"]
    ):
        return CheckResult(False, f"401 body is not our unauthenticated error: {json.dumps(body)[:300]}")
    return CheckResult(True, "401 unauthenticated, our JSON error body")
