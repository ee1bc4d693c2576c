"""What the OpenAPI spec says about each route's responses, declared beside the route."""

from __future__ import annotations

from collections.abc import Mapping

from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from pydantic import BaseModel

from functions.models.api import ErrorBody

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
    "or too many failed authentications from this address; retry after `Retry-After` seconds",
    500: "`internal_error`: unexpected server-side failure; safe to retry with backoff",
}


def responses(
    status: int, model: type[BaseModel], description: str, *errors: int, said: Mapping[int, str] | None = None
) -> dict[int, OpenAPIResponse]:
    """`said`: what an error status means on this route, where it differs from the interviews' wording."""
    documented: dict[int, OpenAPIResponse] = {
        status: {"description": description, "content": {"application/json": {"model": model}}}
    }
    # Every route can answer 400 (a header or query parameter checked before routing), 401, 405, 429 and 500.
    for code in (*errors, 400, 401, 405, 429, 500):
        text = (said or {}).get(code, _ERRORS[code])
        documented[code] = {"description": text, "content": {"application/json": {"model": ErrorBody}}}
    return documented
