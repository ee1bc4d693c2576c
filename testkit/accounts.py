"""Accounts (a user, one token, one plan) and the sample create body, as every suite and the benchmarks use them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

SAMPLE_TITLE = "Backend engineer — final round"
SAMPLE_INTERVIEWEE = "Jane Doe"


@dataclass(frozen=True)
class Account:
    """A user with one token and one plan, however it was made (in-process, `quollo admin`, a seed)."""

    user_id: str
    token: str
    token_id: str
    plan_id: str


class AccountFactory(Protocol):
    """The `account` fixture: makes an account with `credits`."""

    def __call__(self, credits: int = ..., name: str = ...) -> Account: ...


def create_account(credits: int, name: str, tags: Sequence[str] = ("backend",)) -> Account:
    """A user with `credits`, a token and a plan "Backend engineer", through the domain code (AWS set up first)."""
    from functions.domain import accounts, plans

    user = accounts.create_user(name, credits)
    # Tests call like a busy integration: a budget no suite reaches (test_rate_limits makes its own tokens).
    token_id, token = accounts.create_token(user.id, rate_limit=10_000)
    plan = plans.create(user.id, "Backend engineer", list(tags), "SENIOR", "EN")
    return Account(user_id=user.id, token=token, token_id=token_id, plan_id=plan.id)


def account_factory() -> AccountFactory:
    """The `account` fixture's factory (fake AWS up first): a user with credits, a token and one plan."""

    def make(credits: int = 5, name: str = "Ada") -> Account:
        return create_account(credits, name)

    return make


def create_body(plan_id: str, title: str = SAMPLE_TITLE, /, **overrides: Any) -> dict[str, Any]:
    """The body of POST /v1/interviews: the sample interview on `plan_id`, with `overrides` on top.

    Positional-only parameters: any field name (even `plan_id`, as a careless client sends it) can be an override.
    """
    return {"title": title, "planId": plan_id, "intervieweeName": SAMPLE_INTERVIEWEE} | overrides
