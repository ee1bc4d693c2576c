"""The pieces every route function shares: the resolver, the error map and the Lambda entry.

Authentication runs before the resolver so that an unauthenticated caller learns nothing about
validation (Powertools validates requests before any middleware runs).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Collection, Mapping
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.domain.auth import authenticate
from functions.http_headers import header_value
from functions.models.errors import DomainError, InsufficientBalance, InvalidToken, Unauthenticated, ValidationFailed
from functions.runtime.observability import Metric, count, instrument, logger
from functions.runtime.openapi_docs import IDEMPOTENCY_HEADER, IDEMPOTENCY_KEY_PATTERN
from functions.runtime.validation_messages import describe

MAX_BODY_BYTES = 64 * 1024
JSON_HEADERS = {"Content-Type": content_types.APPLICATION_JSON}

LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def error_body(code: str, message: str) -> str:
    return json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False, separators=(",", ":"))


def _error(status: int, code: str, message: str) -> Response[str]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=error_body(code, message))


def build_app() -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(enable_validation=True)

    @app.exception_handler(DomainError)  # type: ignore[untyped-decorator]
    def _domain_error(exc: DomainError) -> Response[str]:
        if isinstance(exc, InsufficientBalance):
            count(Metric.INSUFFICIENT_BALANCE)
        return _error(exc.status, exc.code, exc.message)

    @app.exception_handler(RequestValidationError)  # type: ignore[untyped-decorator]
    def _invalid_request(exc: RequestValidationError) -> Response[str]:
        return _error(400, "validation_failed", describe(exc.errors()))

    @app.exception_handler(Exception)  # type: ignore[untyped-decorator]
    def _unexpected(exc: Exception) -> Response[str]:
        logger.exception("unexpected failure")
        return _error(500, "internal_error", "Unexpected server-side failure. Safe to retry with backoff.")

    @app.not_found
    def _not_found(exc: Exception) -> Response[str]:
        return _error(404, "not_found", "No route for this path")

    return app


def current_user(app: APIGatewayRestResolver) -> str:
    return str(app.context["user_id"])


# C0 controls and DEL. A tab is legal inside a header value (RFC 9110 field-value), nowhere else here.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HEADER_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_VALID_IDEMPOTENCY_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN)
# Headers whose meaning would depend on which copy a proxy kept: one copy or a 400.
_SINGLE_HEADERS = frozenset({"authorization", "idempotency-key", "content-type"})


def _all_values(event: Mapping[str, Any], single_key: str, multi_key: str) -> dict[str, list[str]]:
    """Every value of every name: the multi-value map where API Gateway sent one, else the single one."""
    single = event.get(single_key) or {}
    return {**{name: [value] for name, value in single.items()}, **(event.get(multi_key) or {})}


def _check_query(event: Mapping[str, Any], allowed: Collection[str]) -> None:
    """Known parameters, once each, no control characters: API Gateway would pass all of it through."""
    for name, values in _all_values(event, "queryStringParameters", "multiValueQueryStringParameters").items():
        if _CONTROL.search(name) or any(_CONTROL.search(value or "") for value in values):
            raise ValidationFailed("Query string contains control characters")
        if name not in allowed:
            # A typo such as `limt=5` must not be silently ignored.
            known = ", ".join(sorted(allowed)) or "none"
            raise ValidationFailed(f'Unknown query parameter "{name[:50]}"; this endpoint accepts: {known}')
        if len(values) > 1:
            raise ValidationFailed(f'Query parameter "{name}" is repeated; send it once')


def _check_headers(event: Mapping[str, Any]) -> None:
    seen: dict[str, int] = {}
    for name, values in _all_values(event, "headers", "multiValueHeaders").items():
        if any(_HEADER_CONTROL.search(value or "") for value in values):
            raise ValidationFailed(f'Header "{name}" contains control characters')
        seen[name.lower()] = seen.get(name.lower(), 0) + len(values)
    repeated = sorted(name for name in _SINGLE_HEADERS if seen.get(name, 0) > 1)
    if repeated:
        raise ValidationFailed(f'Header "{repeated[0]}" is repeated; send it once')
    key = header_value(event.get("headers") or {}, IDEMPOTENCY_HEADER)
    if key is not None and not _VALID_IDEMPOTENCY_KEY.match(key):
        # Checked here, for a clearer message than the spec pattern Powertools would quote.
        raise ValidationFailed(f'Header "{IDEMPOTENCY_HEADER}" must be 1 to 255 printable ASCII characters')


def _check_request(event: Mapping[str, Any], allowed_query: Collection[str]) -> None:
    """Reject malformed requests before any parsing or database read."""
    _check_headers(event)
    _check_query(event, allowed_query)
    _check_body(event)


def _check_body(event: Mapping[str, Any]) -> None:
    """Reject oversized, non-JSON and non-UTF-8 bodies."""
    body = event.get("body")
    if body is None:
        return
    content_type = header_value(event.get("headers") or {}, "Content-Type") or ""
    media_type = content_type.split(";")[0].strip().lower()
    if media_type and media_type != "application/json":
        # Powertools would parse a form body as a form; the API speaks JSON only.
        raise ValidationFailed(f"Content-Type must be application/json, not {media_type}")
    if event.get("isBase64Encoded"):
        if len(body) > (MAX_BODY_BYTES + 2) * 4 // 3 + 4:
            raise ValidationFailed(f"Request body exceeds {MAX_BODY_BYTES} bytes")
        try:
            raw = base64.b64decode(body, validate=True)
        except binascii.Error as exc:
            raise ValidationFailed("Request body is not valid base64") from exc
    else:
        try:
            raw = body.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValidationFailed("Request body is not valid UTF-8") from exc
    if len(raw) > MAX_BODY_BYTES:
        raise ValidationFailed(f"Request body exceeds {MAX_BODY_BYTES} bytes")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationFailed("Request body is not valid UTF-8") from exc


def _request_id(event: Mapping[str, Any]) -> str | None:
    context = event.get("requestContext") or {}
    request_id = context.get("requestId")
    return str(request_id) if request_id else None


def _proxy_error(exc: DomainError) -> dict[str, Any]:
    return {
        "statusCode": exc.status,
        "headers": dict(JSON_HEADERS),
        "body": error_body(exc.code, exc.message),
        "isBase64Encoded": False,
    }


def _with_request_id(response: dict[str, Any], request_id: str | None) -> dict[str, Any]:
    if request_id:
        if "multiValueHeaders" in response:
            response["multiValueHeaders"]["X-Request-Id"] = [request_id]
        else:
            response.setdefault("headers", {})["X-Request-Id"] = request_id
    return response


def lambda_entry(app: APIGatewayRestResolver, query: Collection[str] = ()) -> LambdaHandler:
    """Wrap a route's resolver as a Lambda handler: logging, request checks, authentication, errors.

    `query` names the query parameters the route declares (tests/integration/test_validation.py
    holds it to the spec); any other is a 400.
    """
    allowed_query = frozenset(query)

    # log_event stays off whatever POWERTOOLS_LOGGER_LOG_EVENT says: the event carries the bearer token.
    @logger.inject_lambda_context(
        correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True, log_event=False
    )
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        request_id = _request_id(event)
        try:
            _check_request(event, allowed_query)
            user_id = authenticate(event.get("headers") or {})
        except DomainError as exc:
            if isinstance(exc, Unauthenticated | InvalidToken):
                count(Metric.AUTH_FAILURES)
            logger.info("request rejected", status=exc.status, code=exc.code)
            return _with_request_id(_proxy_error(exc), request_id)
        except Exception:
            logger.exception("unexpected failure before routing")
            return _with_request_id(
                _proxy_error(DomainError("Unexpected server-side failure. Safe to retry with backoff.")),
                request_id,
            )
        logger.append_keys(user_id=user_id)
        app.append_context(user_id=user_id)  # type: ignore[no-untyped-call]
        return _with_request_id(app.resolve(event, context), request_id)

    return instrument(handler)
