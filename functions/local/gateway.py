"""A stand-in for API Gateway: turns an HTTP request into a REST proxy event and hands it to the
very handler code that runs in Lambda, picked from the shared route table.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from functions import routes
from functions.local.containers import Containers
from functions.models.errors import DomainError, MethodNotAllowed, NotFound, error_body

_JSON = {"Content-Type": "application/json"}
# A mapping, or name/value pairs when a header may repeat (as it can on the wire).
Headers = Mapping[str, str] | Sequence[tuple[str, str]]


@dataclass
class LocalContext:
    """The attributes of a Lambda context object that Powertools reads."""

    function_name: str
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"
    log_group_name: str = "/aws/lambda/local"
    log_stream_name: str = "local"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:000000000000:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def build_event(
    route: routes.Route,
    path: str,
    path_params: dict[str, str],
    headers: Headers,
    query: str,
    body: bytes | None,
    client_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
    multi_headers: dict[str, list[str]] = {}
    for name, value in pairs:
        multi_headers.setdefault(name, []).append(value)
    multi_query = parse_qs(query, keep_blank_values=True) if query else {}
    request_id = str(uuid.uuid4())
    text_body: str | None = None
    is_base64 = False
    if body:
        try:
            text_body = body.decode("utf-8")
        except UnicodeDecodeError:
            # API Gateway hands bodies it cannot read as text to the function base64-encoded.
            text_body, is_base64 = base64.b64encode(body).decode(), True
    return {
        "resource": route.path,
        "path": path,
        "httpMethod": route.method,
        # As in API Gateway: `headers` keeps the last value of each name, multiValueHeaders all of them.
        "headers": {name: values[-1] for name, values in multi_headers.items()},
        "multiValueHeaders": multi_headers,
        "queryStringParameters": {name: values[-1] for name, values in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": path_params or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": route.path,
            "httpMethod": route.method,
            "path": path,
            "stage": "local",
            "requestId": request_id,
            "requestTimeEpoch": int(time.time() * 1000),
            "protocol": "HTTP/1.1",
            "identity": {"sourceIp": client_ip},
            "accountId": "000000000000",
            "apiId": "local",
        },
        "body": text_body,
        "isBase64Encoded": is_base64,
    }


def _reply(response: dict[str, Any]) -> Reply:
    headers: dict[str, str] = {}
    for name, values in (response.get("multiValueHeaders") or {}).items():
        headers[name] = ", ".join(str(value) for value in values)
    headers.update({name: str(value) for name, value in (response.get("headers") or {}).items()})
    body = response.get("body") or ""
    raw = base64.b64decode(body) if response.get("isBase64Encoded") else str(body).encode()
    return Reply(int(response["statusCode"]), headers, raw)


_containers = Containers()


def _error(exc: DomainError, headers: Mapping[str, str] | None = None) -> Reply:
    return Reply(exc.status, {**_JSON, **(headers or {})}, error_body(exc.code, exc.message).encode())


def invoke(
    method: str, path: str, headers: Headers, query: str = "", body: bytes | None = None, client_ip: str = "127.0.0.1"
) -> Reply:
    """Route one request the way the deployed API does: 404 for unknown paths, 405 for wrong methods."""
    found = routes.match(method, path)
    if found.route is None:
        if found.allowed:
            refused = MethodNotAllowed(f"Method {method} is not allowed on {path}; allowed: {', '.join(found.allowed)}")
            return _error(refused, {"Allow": ", ".join(found.allowed)})
        meant = routes.suggest(path)
        return _error(NotFound(f"No route for {path}" + (f"; did you mean {meant}?" if meant else "")))
    event = build_event(found.route, path, found.path_params, headers, query, body, client_ip)
    context = LocalContext(function_name=f"quollo-{found.route.name}")
    response = _containers.invoke(found.route, event, context)
    return _reply(response)
