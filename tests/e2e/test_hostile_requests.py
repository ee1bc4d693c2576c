"""Hostile or careless requests over HTTP against `quollo serve`: a client error is a 4xx naming it, never a 5xx."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from e2e_support import RawClient, RawResponse, Server, http_request

from testkit.accounts import Account, create_body
from testkit.api_errors import assert_error

# A receiver nothing listens on (the discard port): deliveries fail at once.
LOCAL_RECEIVER = "http://127.0.0.1:9/hook"


@pytest.fixture(scope="module")
def hostile(server: Server) -> Account:
    return server.new_account(credits=100, name="Hostile client")


def _created(server: Server, account: Account, path: str, body: dict[str, Any]) -> str:
    answer = server.request("POST", path, account.token, json=body)
    assert answer.status_code == 201, answer.text
    created: str = answer.json()["id"]
    return created


# Every route with a body: (method, path for an account, a valid body for it).
BodyRoute = Callable[[Server, Account], tuple[str, str, dict[str, Any]]]
BODY_ROUTES: dict[str, BodyRoute] = {
    "create-interview": lambda server, acc: (
        "POST",
        "/v1/interviews",
        create_body(acc.plan_id, "Final round"),
    ),
    "update-interview": lambda server, acc: (
        "PATCH",
        "/v1/interviews/" + server.create_interview(acc).json()["id"],
        {"title": "Round 2"},
    ),
    "create-webhook": lambda server, acc: ("POST", "/v1/webhooks", {"url": LOCAL_RECEIVER}),
    "create-candidate": lambda server, acc: ("POST", "/v1/candidates", {"name": "Ada Lovelace"}),
    "update-candidate": lambda server, acc: (
        "PATCH",
        "/v1/candidates/" + _created(server, acc, "/v1/candidates", {"name": "Ada"}),
        {"name": "Ada Lovelace"},
    ),
    "create-job": lambda server, acc: ("POST", "/v1/jobs", {"title": "Backend engineer"}),
    "update-job": lambda server, acc: (
        "PATCH",
        "/v1/jobs/" + _created(server, acc, "/v1/jobs", {"title": "Backend"}),
        {"title": "Backend engineer"},
    ),
}


def _send(server: Server, acc: Account, method: str, path: str, body: dict[str, Any], content_type: str) -> RawResponse:
    raw = json.dumps(body).encode()
    headers = [
        ("Authorization", f"Bearer {acc.token}"),
        ("Content-Type", content_type),
        ("Content-Length", str(len(raw))),
    ]
    with RawClient(server.base_url) as client:
        return client.exchange(http_request(method, path, headers, raw))


def _forget_webhooks(server: Server, acc: Account) -> None:
    """Webhooks are capped per user: the create-webhook cases must not pile them up."""
    for hook in server.request("GET", "/v1/webhooks?limit=100", acc.token).json()["items"]:
        server.request("DELETE", f"/v1/webhooks/{hook['id']}", acc.token)


@pytest.mark.parametrize(
    "content_type",
    [
        "application/JSON",
        "Application/json",
        "APPLICATION/JSON",
        "application/json;",
        "application/json; charset=utf-8",
        "Application/Json; Charset=UTF-8",
        'application/json;charset="utf-8"',
    ],
)
@pytest.mark.parametrize("route", BODY_ROUTES)
def test_a_case_variant_of_application_json_is_json(
    server: Server, hostile: Account, route: str, content_type: str
) -> None:
    method, path, body = BODY_ROUTES[route](server, hostile)
    answer = _send(server, hostile, method, path, body, content_type)
    assert answer.status in (200, 201), (answer.status, answer.body)
    if route == "create-webhook":
        _forget_webhooks(server, hostile)


@pytest.mark.parametrize(
    "content_type",
    [
        "",
        ";",
        "application",
        "application/",
        "/json",
        "application/json x",
        "application json",
        "application/json; charset",
    ],
)
@pytest.mark.parametrize("route", BODY_ROUTES)
def test_a_malformed_or_empty_media_type_is_a_400(
    server: Server, hostile: Account, route: str, content_type: str
) -> None:
    method, path, body = BODY_ROUTES[route](server, hostile)
    answer = _send(server, hostile, method, path, body, content_type)
    assert "Content-Type" in assert_error(answer, 400, "validation_failed")
