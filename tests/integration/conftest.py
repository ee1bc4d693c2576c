"""Handlers on moto, in-process: each test gets fresh, empty tables and a world to fill."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from moto import mock_aws

from functions.data import aws
from functions.domain import accounts, plans
from functions.local import gateway
from functions.local.caches import forget_aws_state
from functions.local.provision import provision


@pytest.fixture
def moto_aws() -> Iterator[None]:
    with mock_aws():
        forget_aws_state()
        provision()
        yield
    forget_aws_state()


@dataclass(frozen=True)
class Account:
    user_id: str
    token: str
    token_id: str
    plan_id: str


@pytest.fixture
def account(moto_aws: None):  # type: ignore[no-untyped-def]
    """Factory: a user with credits, a token and one plan."""

    def make(credits: int = 5, name: str = "Ada") -> Account:
        user = accounts.create_user(name, credits)
        token_id, token = accounts.create_token(user.id)
        plan = plans.create(user.id, "Backend engineer", ["backend"], "SENIOR", "EN")
        return Account(user.id, token, token_id, plan.id)

    return make


class Api:
    """Calls the handlers through the same route table and event shape as the deployed API."""

    def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        body: Any = None,
        raw: bytes | None = None,
        query: str = "",
        headers: dict[str, str] | list[tuple[str, str]] | None = None,
    ) -> gateway.Reply:
        all_headers = {"Host": "localhost", "Accept": "application/json"}
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        payload = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        if payload is not None:
            all_headers["Content-Type"] = "application/json"
        if isinstance(headers, list):  # name/value pairs: a header may repeat
            return gateway.invoke(method, path, [*all_headers.items(), *headers], query, payload)
        all_headers.update(headers or {})
        return gateway.invoke(method, path, all_headers, query, payload)

    def create(self, account: Account, **overrides: Any) -> gateway.Reply:
        body = {"title": "Backend engineer — final round", "planId": account.plan_id, "intervieweeName": "Jane Doe"}
        body.update(overrides)
        return self.call("POST", "/v1/interviews", token=account.token, body=body)


@pytest.fixture
def api(moto_aws: None) -> Api:
    return Api()


class CallCounter:
    """Counts AWS API calls per operation, through botocore's event hooks (nothing of ours is patched)."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, model: Any, **_: Any) -> None:
        self.calls.append(model.name)

    def reset(self) -> None:
        self.calls.clear()


@pytest.fixture
def aws_calls(moto_aws: None) -> Iterator[CallCounter]:
    counter = CallCounter()
    clients = [aws.dynamodb(), aws.s3()]
    for client in clients:
        client.meta.events.register("before-call.*.*", counter)
    yield counter
    for client in clients:
        client.meta.events.unregister("before-call.*.*", counter)
