"""The pieces every route function shares: the resolver, the error map and the Lambda entry.

Authentication runs before the resolver so that an unauthenticated caller learns nothing about
validation (Powertools validates requests before any middleware runs).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.shared.json_encoder import Encoder
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.data.aws import build_clients
from functions.data.settings import check_deployed
from functions.domain import clock
from functions.domain.auth import authenticate
from functions.models.errors import (
    DomainError,
    InsufficientBalance,
    InvalidToken,
    RateLimited,
    Unauthenticated,
    error_body,
)
from functions.runtime.init_collector import resumes_after_first_invocation
from functions.runtime.observability import Metric, count, in_lambda, instrument, logger, snapstart_init
from functions.runtime.openapi_docs import documented_signature
from functions.runtime.request_checks import (
    check_header_shape,
    check_request,
    query_values,
    with_json_content_type,
)
from functions.runtime.route_input import RouteInput
from functions.runtime.validation_messages import describe

if TYPE_CHECKING:
    from functions.domain.rooms import Room

JSON_HEADERS = {"Content-Type": content_types.APPLICATION_JSON}

LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]
# How a route's requests authenticate (lambda_entry).
Access = Literal["token", "room", "pin"]


def _error(
    status: int,
    code: str,
    message: str,
    details: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[str]:
    body = error_body(code, message, details)
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body, headers=headers)


class RouteResolver(APIGatewayRestResolver):
    """Powertools' REST resolver, saying whether it validates (lambda_entry prepares the route accordingly)."""

    def __init__(self, *, validates: bool) -> None:
        # UTF-8 JSON as written (RFC 8259), not \u escapes: names in any script read back as sent.
        super().__init__(
            enable_validation=validates,
            serializer=partial(json.dumps, separators=(",", ":"), ensure_ascii=False, cls=Encoder),
        )
        self.validates = validates


def build_app(*, validation: bool = True) -> RouteResolver:
    """The route's resolver. `validation=False` for a route without a body: it then loads no pydantic at all
    (request_checks checks its path, query and header rules), about a third of its cold start over the floor
    (decisions 18). lambda_entry refuses a route that would need validation without it.
    """
    app = RouteResolver(validates=validation)

    @app.exception_handler(DomainError)  # type: ignore[untyped-decorator]
    def _domain_error(exc: DomainError) -> Response[str]:
        if isinstance(exc, InsufficientBalance):
            count(Metric.INSUFFICIENT_BALANCE)
        # A 429 says when to come back (a room's pin lock).
        headers = exc.headers if isinstance(exc, RateLimited) else None
        return _error(exc.status, exc.code, exc.message, exc.details, headers)

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


def current_room(app: APIGatewayRestResolver) -> Room:
    """The room a public room route's token opens (lambda_entry(..., access="room"))."""
    room: Room = app.context["room"]
    return room


def source_ip(app: APIGatewayRestResolver) -> str | None:
    return _source_ip(app.current_event.raw_event)


def _request_id(event: Mapping[str, Any]) -> str | None:
    context = event.get("requestContext") or {}
    request_id = context.get("requestId")
    return str(request_id) if request_id else None


def _proxy_error(exc: DomainError) -> dict[str, Any]:
    return {
        "statusCode": exc.status,
        "headers": {**JSON_HEADERS, **(exc.headers if isinstance(exc, RateLimited) else {})},
        "body": error_body(exc.code, exc.message, exc.details),
        "isBase64Encoded": False,
    }


def _with_headers(response: dict[str, Any], headers: Mapping[str, str]) -> dict[str, Any]:
    for name, value in headers.items():
        if "multiValueHeaders" in response:
            response["multiValueHeaders"][name] = [value]
        else:
            response.setdefault("headers", {})[name] = value
    return response


def _source_ip(event: Mapping[str, Any]) -> str | None:
    identity = (event.get("requestContext") or {}).get("identity") or {}
    source = identity.get("sourceIp")
    return str(source) if source else None


def _query_values_passer(accepts: RouteInput) -> Callable[[RouteResolver, NextMiddleware], Response[Any]]:
    def pass_query_values(app: RouteResolver, next_middleware: NextMiddleware) -> Response[Any]:
        """Hand the checked query values to the route function, as the validating resolver would.

        Powertools calls the route function with its context's `_route_args` (the path parameters);
        its own validation middleware passes query values the same way.
        """
        route_args = app.context.get("_route_args", {})
        values = query_values(app.current_event.raw_event, accepts)
        app.append_context(_route_args={**route_args, **values})  # type: ignore[no-untyped-call]
        return next_middleware(app)

    return pass_query_values


def _path_id(event: Mapping[str, Any]) -> str:
    return str((event.get("pathParameters") or {}).get("id") or "")


def lambda_entry(app: RouteResolver, route_function: Callable[..., Any], *, access: Access = "token") -> LambdaHandler:
    """Wrap a route's resolver as a Lambda handler: logging, request checks, authentication, errors.

    The query parameters and the body that `route_function` declares are all the route accepts
    (tests/integration/test_validation.py holds them to the spec; any other parameter is a 400).
    `access`: "token", an API token (every route but the room's); "room", a room token for the interview
    in the path; "pin", none (a room join: its body holds the pin). The last two are the route table's
    `public` routes.
    """
    accepts = RouteInput.of(route_function)
    if access == "room":
        # Imported by the room's functions only: the other routes' cold starts load none of it.
        from functions.domain import rooms
    if app.validates:
        # Powertools then validates (and documents) the path parameters as Path(...) with their limits.
        documented_signature(route_function)
    elif accepts.needs_validation:
        raise TypeError(
            f"{route_function.__name__} declares a body or Powertools parameters: it needs validation (build_app())"
        )
    elif accepts.query_rules:
        app.use(middlewares=[_query_values_passer(accepts)])
    if in_lambda():
        # A deployment that lost a variable fails its cold start, naming the variable.
        check_deployed()
    if snapstart_init():
        # Restored environments then start with their clients built: client creation is most of
        # a first request's cost over the floor (bench/report.md).
        build_clients()

    # log_event stays off whatever POWERTOOLS_LOGGER_LOG_EVENT says: the event carries the bearer token.
    @logger.inject_lambda_context(
        correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True, log_event=False
    )
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        request_id = _request_id(event)
        headers = {"X-Request-Id": request_id} if request_id else {}
        try:
            # Only what guards the token lookup runs before it: without a valid token, a caller
            # learns nothing of the route's parameters, body rules or limits.
            check_header_shape(event)
            if access == "token":
                caller = authenticate(event.get("headers") or {}, _source_ip(event), clock.seconds())
                # From here on, every answer says where the token's budget stands.
                headers |= caller.budget.headers()
            elif access == "room":
                room = rooms.authenticate(event.get("headers") or {}, _path_id(event), clock.seconds())
            check_request(event, accepts)
        except DomainError as exc:
            if isinstance(exc, Unauthenticated | InvalidToken):
                count(Metric.AUTH_FAILURES)
            logger.info("request rejected", status=exc.status, code=exc.code)
            return _with_headers(_proxy_error(exc), headers)
        except Exception:
            logger.exception("unexpected failure before routing")
            return _with_headers(
                _proxy_error(DomainError("Unexpected server-side failure. Safe to retry with backoff.")), headers
            )
        if access == "token":
            logger.append_keys(user_id=caller.user_id)
            app.append_context(user_id=caller.user_id)  # type: ignore[no-untyped-call]
        elif access == "room":
            logger.append_keys(user_id=room.owner_id, interview_id=room.interview_id)
            app.append_context(room=room)  # type: ignore[no-untyped-call]
        return _with_headers(app.resolve(with_json_content_type(event), context), headers)

    return resumes_after_first_invocation(instrument(handler))
