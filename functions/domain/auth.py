"""Bearer-token authentication: one GetItem on the token's hash, on every request."""

from __future__ import annotations

from collections.abc import Mapping

from functions.data import tokens as token_store
from functions.domain import tokens
from functions.http_headers import header_value
from functions.models.errors import InvalidToken, Unauthenticated


def bearer_token(headers: Mapping[str, str]) -> str:
    header = header_value(headers, "Authorization")
    if header is None:
        raise Unauthenticated("Missing Authorization header")
    scheme, _, credentials = header.strip().partition(" ")
    credentials = credentials.strip()
    if scheme.lower() != "bearer" or not credentials or " " in credentials:
        raise Unauthenticated('Malformed Authorization header: expected "Bearer <token>"')
    return credentials


def authenticate(headers: Mapping[str, str]) -> str:
    """The id of the user the request acts for."""
    token = bearer_token(headers)
    problem = tokens.format_problem(token)
    if problem is not None:
        raise InvalidToken(problem)
    found = token_store.get_by_hash(tokens.fingerprint(token))
    if found is None or found.revoked:
        raise InvalidToken("Token does not exist or has been revoked")
    return found.user_id
