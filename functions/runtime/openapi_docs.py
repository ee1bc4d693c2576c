"""What the OpenAPI spec says about each route's responses and parameters, declared beside the route.

Loads no pydantic by itself: a route that runs without validation names its response models
(`responses(200, "InterviewDetail", ...)`) and the docs build resolves the names
(`prepare_for_docs`); the models stay out of that route's cold start (decisions 18).
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from functions.runtime.header_params import HeaderRule
from functions.runtime.path_params import PathRule
from functions.runtime.query_params import QueryRule
from functions.runtime.route_input import declared_parameters

if TYPE_CHECKING:
    from pydantic import BaseModel

# Where a named response model is found, in this order.
_MODEL_MODULES = (
    "functions.models.api",
    "functions.models.read_api",
    "functions.models.rooms_api",
    "functions.models.error_body",
    "functions.models.webhooks_api",
    "functions.models.webhook_payloads",
    "functions.models.talent",
)
# Every response map that names a model instead of holding it; Powertools keeps these very dicts
# (Route.responses), so resolving them in place is what the docs build needs.
_NAMED: list[dict[int, OpenAPIResponse]] = []

_ERRORS = {
    400: "`validation_failed`: malformed JSON, a missing, unknown or invalid field or query parameter",
    401: "`unauthenticated` (missing or malformed Authorization header) or `invalid_token`",
    402: "`insufficient_balance`: not enough interview credits",
    404: "`not_found`: the interview (or webhook) does not exist or belongs to another user",
    409: "`idempotency_in_progress`: a request with this Idempotency-Key is still running, or `concurrent_update`: "
    "too many concurrent changes to your credit balance; nothing was changed, retry later; or `conflict`: "
    "the webhook is disabled (ping) or its secret was rotated concurrently",
    422: "`idempotency_key_reused`: this Idempotency-Key was used with a different request",
    405: "`method_not_allowed`: HTTP method not supported for this path",
    429: "`rate_limited`: this token's requests this minute are spent (`X-RateLimit-*` say where it stands), "
    "or a failed authentication from an address with too many this minute; retry after `Retry-After` seconds",
    500: "`internal_error`: unexpected server-side failure; safe to retry with backoff",
}

# Create and delete of a webhook change the owner's webhook counter in one transaction.
WEBHOOK_CONTENTION = {
    409: "`concurrent_update`: other requests kept changing your webhooks for 3 s of retries; nothing was "
    "changed, retry"
}
WEBHOOK_CREATION = {
    409: "`conflict`: another webhook of yours has this URL (the details name it), or " + WEBHOOK_CONTENTION[409]
}


# The room's routes: a pin, then a room token, instead of an API token (functions/domain/rooms.py).
ROOM_TOKEN = {
    401: "`unauthenticated` (missing or malformed Authorization header) or `invalid_token`: not a room token "
    "(`Bearer qlr_...`; an API token is refused here), expired, for another interview, or its interview was "
    "deleted",
    429: "`rate_limited`: the stage's throttling (API Gateway) answers it; retry after `Retry-After` seconds",
}
ROOM_JOIN = {
    401: "`invalid_pin`: the pin is wrong or no interview has this id (one answer for both)",
    409: "`room_closed`: the interview is FINISHED",
    429: "`room_locked`: 5 wrong pins for this interview within 15 minutes; every join of it, the right pin "
    "included, is refused until `Retry-After` seconds have passed; or `rate_limited`: too many failed "
    "authentications from this address this minute",
}


_KEY_IN_PROGRESS = "`idempotency_in_progress`: a request with this Idempotency-Key is still running"


def keyed(said: Mapping[int, str] | None = None) -> dict[int, str]:
    """`said` for a route that honours Idempotency-Key: its 409 also means the key's first request still runs
    (list 409 and 422 among its errors)."""
    meanings = dict(said or {})
    meanings[409] = f"{meanings[409]}; or {_KEY_IN_PROGRESS}" if 409 in meanings else _KEY_IN_PROGRESS
    return meanings


def responses(
    status: int,
    model: type[BaseModel] | str,
    description: str,
    *errors: int,
    said: Mapping[int, str] | None = None,
) -> dict[int, OpenAPIResponse]:
    """`model`: the class, or its name on a route that runs without pydantic.

    `said`: what an error status means on this route, where it differs from the interviews' wording.
    """
    # The error model by name on every route: looking it up here would import functions.models.error_body (and
    # define its models) on routes that use none of them (decisions 31); the docs build resolves it.
    error_model = "ErrorBody"
    documented: dict[int, OpenAPIResponse] = {
        status: {"description": description, "content": {"application/json": {"model": model}}}
    }
    # Every route can answer 400 (a header or query parameter checked before routing), 401, 405, 429 and 500.
    for code in (*errors, 400, 401, 405, 429, 500):
        text = (said or {}).get(code, _ERRORS[code])
        documented[code] = {"description": text, "content": {"application/json": {"model": error_model}}}
    _NAMED.append(documented)
    return documented


def _model_named(name: str) -> type[BaseModel]:
    for module in _MODEL_MODULES:
        found = getattr(importlib.import_module(module), name, None)
        if found is not None:
            return found  # type: ignore[no-any-return]
    raise LookupError(f"no response model named {name} in {', '.join(_MODEL_MODULES)}")


def documented_signature(route_function: Callable[..., Any]) -> None:
    """Give Powertools the path, query and header parameters as `Path`, `Query` and `Header`, with their limits.

    Powertools reads a route's parameters with `inspect.signature`, which honours `__signature__`;
    the declarations themselves (PathRule, QueryRule, HeaderRule) stay free of pydantic for the routes that run
    without it.
    """
    from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query

    parameters = []
    for declared in declared_parameters(route_function):
        annotation, base = declared.annotation, declared.base
        rule = declared.rule(PathRule)
        if rule is not None:
            path = Path(min_length=rule.min_length, max_length=rule.max_length, description=rule.description)
            annotation = Annotated[base, path]
        query = declared.rule(QueryRule)
        if query is not None:
            limits = {
                name: getattr(query, name)
                for name in ("description", "ge", "le", "min_length", "max_length", "pattern")
                if getattr(query, name) is not None
            }
            annotation = Annotated[base, Query(**limits)]
        header = declared.rule(HeaderRule)
        if header is not None:
            documented = Header(alias=header.alias, description=header.description, pattern=header.pattern)
            annotation = Annotated[base, documented]
        parameters.append(declared.parameter.replace(annotation=annotation))
    signature = inspect.signature(route_function, eval_str=True)
    route_function.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]


def prepare_for_docs(route_functions: list[Callable[..., Any]]) -> None:
    """What the spec needs of routes that run without pydantic: their models and their path parameters."""
    for documented in _NAMED:
        for response in documented.values():
            for payload in response.get("content", {}).values():
                if isinstance(payload.get("model"), str):
                    payload["model"] = _model_named(payload["model"])  # type: ignore[typeddict-item]
    for route_function in route_functions:
        documented_signature(route_function)
