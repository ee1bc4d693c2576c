"""Bearer-token authentication: one UpdateItem on the token's hash, on every request, that also counts it."""

from __future__ import annotations

from collections.abc import Mapping

from functions.data import tokens as token_store
from functions.domain import ratelimits, tokens
from functions.http_headers import header_value
from functions.models.errors import InvalidToken, RateLimited, Unauthenticated
from functions.records import record


def bearer_token(headers: Mapping[str, str]) -> str:
    header = header_value(headers, "Authorization")
    if header is None:
        raise Unauthenticated("Missing Authorization header")
    scheme, _, credentials = header.strip().partition(" ")
    credentials = credentials.strip()
    if scheme.lower() != "bearer" or not credentials or " " in credentials:
        raise Unauthenticated('Malformed Authorization header: expected "Bearer <token>"')
    return credentials


@record
class Caller:
    user_id: str
    budget: ratelimits.Budget


def _address_refused(window: int, now: float) -> RateLimited:
    return RateLimited(
        "Too many failed authentications from this address; retry after the minute ends",
        {"Retry-After": str(ratelimits.retry_after(window, now))},
    )


def authenticate(headers: Mapping[str, str], source_ip: str | None, now: float) -> Caller:
    """Who the request acts for, counted against the token's budget in the same single call.

    An address past the failed-authentication limit is refused for what fails, never for a valid
    token: clients behind one NAT share it, and one's failures must not lock the others out. Its
    failures are answered 429 and cost at most the token's lookup (none for a token already refused
    there this window, or no well-formed token at all); they are no longer counted.
    """
    window = ratelimits.window_at(now)
    refused = bool(source_ip) and ratelimits.is_refused(str(source_ip), window)
    try:
        token = bearer_token(headers)
        problem = tokens.format_problem(token)
        if problem is not None:
            raise InvalidToken(problem)
    except (Unauthenticated, InvalidToken) as exc:
        if refused:
            raise _address_refused(window, now) from exc
        raise
    fingerprint = tokens.fingerprint(token)
    if refused and ratelimits.failed_here(fingerprint, window):
        raise _address_refused(window, now)
    used = token_store.use(fingerprint, window)
    if used is None:
        if refused:
            ratelimits.remember_failure(fingerprint, window)
            raise _address_refused(window, now)
        if source_ip:
            ratelimits.count_failure(source_ip, window)
        raise InvalidToken("Token does not exist or has been revoked")
    budget = ratelimits.Budget(limit=used.rate_limit, used=used.used, window=window)
    if budget.exceeded:
        raise RateLimited(
            f"This token's budget of {budget.limit} requests a minute is spent; retry after the minute ends",
            {**budget.headers(), "Retry-After": str(ratelimits.retry_after(window, now))},
        )
    return Caller(used.user_id, budget)
