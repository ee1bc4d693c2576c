"""Users, tokens and credits: what `quollo admin` manages (the dashboard's job in production)."""

from __future__ import annotations

import uuid

from functions.data import token_listing, transactions, users
from functions.data import tokens as token_store
from functions.domain import clock, tokens
from functions.domain import credits as credit_rules
from functions.domain.contention import retry_on_conflict
from functions.models.entities.accounts import User
from functions.models.entities.token_listing import TokenListing
from functions.models.errors import UnknownUser, ValidationFailed
from functions.models.text import text_problem

MAX_RATE_LIMIT = 100_000


def create_user(name: str, credits: int = 0, user_id: str | None = None) -> User:
    if not name or len(name) > 200:
        raise ValidationFailed("user name must be 1..200 characters")
    if problem := text_problem(name):
        raise ValidationFailed(f"user name {problem}")
    if credits < 0:
        raise ValidationFailed("credits must not be negative")
    user = User(id=user_id or f"usr_{uuid.uuid4().hex}", name=name, balance=credits, created_at=clock.now())
    transactions.write(credit_rules.new_user(user))
    return user


def _check_rate_limit(rate_limit: int) -> None:
    if not 1 <= rate_limit <= MAX_RATE_LIMIT:
        raise ValidationFailed(f"the rate limit must be 1..{MAX_RATE_LIMIT} requests a minute")


def create_token(
    user_id: str, token: str | None = None, rate_limit: int = token_store.DEFAULT_RATE_LIMIT
) -> tuple[str, str]:
    """A new token for the user: (token id, secret). The secret is returned once and stored hashed."""
    _check_rate_limit(rate_limit)
    if users.get_user(user_id) is None:
        raise UnknownUser(f"user {user_id} does not exist")
    secret = token or tokens.generate()
    if not tokens.is_well_formed(secret):
        raise ValidationFailed("token must be qlo_live_ + 32 base62 characters + its CRC32 checksum")
    token_id = tokens.new_token_id()
    token_store.put_token(tokens.fingerprint(secret), token_id, user_id, clock.now(), rate_limit)
    return token_id, secret


def set_rate_limit(token_id: str, rate_limit: int) -> None:
    _check_rate_limit(rate_limit)
    token_store.set_rate_limit(token_id, rate_limit)


def list_tokens(user_id: str) -> list[TokenListing]:
    if users.get_user(user_id) is None:
        raise UnknownUser(f"user {user_id} does not exist")
    return token_listing.list_for_user(user_id)


def revoke_token(token_id: str) -> None:
    if token_id.startswith(tokens.PREFIX):
        # Never echoed: the secret would land in the terminal's scrollback and the shell's history file.
        raise ValidationFailed(
            "revoke-token takes a token id (tok_...), not the token itself; "
            "find the id with `quollo admin list-tokens USER_ID`"
        )
    token_store.revoke(token_id, clock.now())


def add_credits(user_id: str, amount: int) -> int:
    if amount < 1:
        raise ValidationFailed("the amount of credits to add must be a positive integer")
    granting = credit_rules.grant(user_id, amount)
    retry_on_conflict(lambda: transactions.write(granting))
    return users.get_balance(user_id)
