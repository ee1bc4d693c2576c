"""The handlers in-process: calls through the route table as API Gateway makes them, and the AWS calls they make."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import Any

from functions.data import schema
from functions.data.settings import settings
from functions.local import gateway
from functions.routes import ROUTES
from testkit.accounts import Account, create_body
from testkit.api_errors import assert_error
from testkit.aws_calls import CallCounter


def an_address() -> str:
    """A source address of a test's own, in 198.18.0.0/15 (set aside for tests): failed authentications
    are counted per address per minute on a moto the tests of a worker share, so a fixed address lets
    one test's failures refuse another's requests."""
    return f"198.{18 + secrets.randbelow(2)}.{secrets.randbelow(256)}.{1 + secrets.randbelow(254)}"


class Api:
    """Calls the handlers through the same route table and event shape as the deployed API.

    From a source address of its own (`an_address`).
    """

    def __init__(self) -> None:
        self.client_ip = an_address()

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
            return gateway.invoke(method, path, [*all_headers.items(), *headers], query, payload, self.client_ip)
        all_headers.update(headers or {})
        return gateway.invoke(method, path, all_headers, query, payload, self.client_ip)

    def create(self, account: Account, **overrides: Any) -> gateway.Reply:
        return self.call("POST", "/v1/interviews", token=account.token, body=create_body(account.plan_id, **overrides))


def validation_message(reply: gateway.Reply) -> str:
    """The message of a 400 validation_failed answer (and a failed assertion for any other answer)."""
    return assert_error(reply, 400, "validation_failed")


def request_calls(api: Api, counter: CallCounter, token: str, *, warm: str) -> Callable[..., list[str]]:
    """`calls(method, path, **kwargs)`: the AWS operations (sorted) of one successful request made with `token`.

    A GET of `warm` first caches the cursor key, as a warm Lambda has it.
    """
    api.call("GET", warm, token=token)

    def calls(method: str, path: str, **kwargs: Any) -> list[str]:
        counter.reset()
        reply = api.call(method, path, token=token, **kwargs)
        assert reply.status < 300, reply.body
        return sorted(counter.calls)

    return calls


_ITEM_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


class ActionLog:
    """(table key, dynamodb:Action) for every DynamoDB request, each transaction item as the action IAM checks."""

    def __init__(self) -> None:
        self.actions: set[tuple[str, str]] = set()
        self._tables = {settings().table(spec): spec.key for spec in schema.TABLES}

    def __call__(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        if model.name == "TransactWriteItems":
            for item in params["TransactItems"]:
                ((kind, body),) = item.items()
                self.actions.add((self._tables[body["TableName"]], f"dynamodb:{_ITEM_ACTIONS[kind]}"))
        elif model.name == "BatchGetItem":
            self.actions |= {(self._tables[name], "dynamodb:BatchGetItem") for name in params["RequestItems"]}
        else:
            self.actions.add((self._tables[params["TableName"]], f"dynamodb:{model.name}"))


def granted(route_name: str, table: str) -> set[str]:
    """The DynamoDB actions the route table grants `route_name` on `table` (a TableSpec key)."""
    route = next(route for route in ROUTES if route.name == route_name)
    return {action for access in route.tables if access.table == table for action in access.actions}


def walk_pages(api: Api, token: str, path: str, query: str) -> list[list[str]]:
    """The ids of every page of the listing at `path`, following nextCursor to the end."""
    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        suffix = f"&cursor={cursor}" if cursor else ""
        reply = api.call("GET", path, token=token, query=query + suffix)
        assert reply.status == 200, reply.body
        body = reply.json()
        pages.append([item["id"] for item in body["items"]])
        cursor = body["nextCursor"]
        if cursor is None:
            return pages
