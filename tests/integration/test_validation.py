"""Request validation: strict types, closed bodies, clear messages that name the field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from functions import routes
from functions.routes import Route
from testkit.accounts import AccountFactory, create_body
from testkit.aws_calls import CallCounter
from testkit.handlers import Api, validation_message


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"extra": "x"}, "extra"),
        ({"title": 5}, "title"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"intervieweeName": None}, "intervieweeName"),
        ({"planId": ["p"]}, "planId"),
    ],
)
def test_create_rejects_bad_fields_naming_them(
    api: Api, account: AccountFactory, override: dict[str, Any], field: str
) -> None:
    acc = account()
    message = validation_message(api.create(acc, **override))
    assert f'"{field}"' in message


def test_create_requires_every_field(api: Api, account: AccountFactory) -> None:
    acc = account()
    reply = api.call("POST", "/v1/interviews", token=acc.token, body={"title": "t", "planId": acc.plan_id})
    assert '"intervieweeName"' in validation_message(reply)


def test_two_hundred_characters_are_accepted(api: Api, account: AccountFactory) -> None:
    acc = account()
    assert api.create(acc, title="x" * 200, intervieweeName="y" * 200).status == 201


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "JSON object"),
        (b'"text"', "JSON object"),
        (b"\xff\xfe\x00garbage", "UTF-8"),
    ],
)
def test_create_rejects_malformed_bodies(api: Api, account: AccountFactory, raw: bytes, expected: str) -> None:
    acc = account()
    assert expected in validation_message(api.call("POST", "/v1/interviews", token=acc.token, raw=raw))


def test_a_body_of_several_megabytes_is_rejected_without_debit(api: Api, account: AccountFactory) -> None:
    acc = account(credits=1)
    reply = api.create(acc, title="x" * (3 * 1024 * 1024))
    assert "exceeds" in validation_message(reply)
    assert api.create(acc).json()["balanceAfter"] == 0


def test_non_json_content_type_is_rejected(api: Api, account: AccountFactory) -> None:
    acc = account()
    reply = api.call(
        "POST",
        "/v1/interviews",
        token=acc.token,
        raw=b"title=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert "Content-Type" in validation_message(reply)


@pytest.mark.parametrize("body", [{}, {"title": None}, {"pin": "1234"}, {"status": "FINISHED"}])
def test_patch_needs_at_least_one_writable_non_null_field(
    api: Api, account: AccountFactory, body: dict[str, Any]
) -> None:
    acc = account()
    interview_id = api.create(acc).json()["id"]
    validation_message(api.call("PATCH", f"/v1/interviews/{interview_id}", token=acc.token, body=body))


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=abc", "limit"),
        ("limit=-5", "limit"),
        ("status=DONE", "status"),
        ("cursor=not-a-cursor", "cursor"),
    ],
)
def test_list_rejects_bad_query_parameters(api: Api, account: AccountFactory, query: str, name: str) -> None:
    acc = account()
    assert f'"{name}"' in validation_message(api.call("GET", "/v1/interviews", token=acc.token, query=query))


def test_limits_at_the_edges_are_accepted(api: Api, account: AccountFactory) -> None:
    acc = account()
    for query in ("limit=1", "limit=100", "status=PENDING", "status=IN_PROGRESS", "status=FINISHED"):
        assert api.call("GET", "/v1/interviews", token=acc.token, query=query).status == 200


def test_unknown_path_and_wrong_method(api: Api, account: AccountFactory) -> None:
    acc = account()
    reply = api.call("GET", "/v1/nothing", token=acc.token)
    assert (reply.status, reply.json()["error"]["code"]) == (404, "not_found")
    reply = api.call("PUT", "/v1/interviews", token=acc.token)
    assert (reply.status, reply.json()["error"]["code"]) == (405, "method_not_allowed")
    assert "POST" in reply.headers["Allow"] and "GET" in reply.headers["Allow"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("limit=5&limit=50", '"limit" is repeated'),
        ("status=PENDING&status=FINISHED", '"status" is repeated'),
        ("cursor=a%00b", "control characters"),
        ("status=PENDING%0d%0aX-Injected:%201", "control characters"),
        ("li%01mit=5", "control characters"),
    ],
)
def test_repeated_or_control_character_query_parameters_are_rejected(
    api: Api, account: AccountFactory, aws_calls: CallCounter, query: str, expected: str
) -> None:
    acc = account()
    aws_calls.reset()
    assert expected in validation_message(api.call("GET", "/v1/interviews", token=acc.token, query=query))
    assert aws_calls.calls == ["UpdateItem"], "rejected after the token lookup, before any other read"


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ([("X-Trace", "a\x00b")], '"X-Trace" contains control characters'),
        ([("Idempotency-Key", "k\x1bk")], "control characters"),
        ([("Idempotency-Key", "one"), ("Idempotency-Key", "two")], '"idempotency-key" is repeated'),
        ([("Content-Type", "application/json")], '"content-type" is repeated'),
    ],
)
def test_control_characters_and_repeated_single_headers_are_rejected(
    api: Api, account: AccountFactory, headers: list[tuple[str, str]], expected: str
) -> None:
    acc = account(credits=1)
    reply = api.call(
        "POST",
        "/v1/interviews",
        token=acc.token,
        body=create_body(acc.plan_id, "t"),
        headers=headers,
    )
    assert expected in validation_message(reply)
    assert api.create(acc).json()["balanceAfter"] == 0, "nothing was debited by the rejected request"


def test_a_second_authorization_header_is_rejected_not_guessed(api: Api, account: AccountFactory) -> None:
    first, second = account(), account()
    reply = api.call("GET", "/v1/interviews", token=first.token, headers=[("Authorization", f"Bearer {second.token}")])
    assert '"authorization" is repeated' in validation_message(reply)


def test_a_tab_inside_a_header_value_is_legal(api: Api, account: AccountFactory) -> None:
    acc = account()
    assert api.call("GET", "/v1/interviews", token=acc.token, headers={"X-Note": "a\tb"}).status == 200


@pytest.mark.parametrize("limit", ["0", "-1", "-99999999999999999999", "101", "1" + "0" * 400, "1e3", "ten"])
def test_out_of_range_limits_are_400(api: Api, account: AccountFactory, limit: str) -> None:
    acc = account()
    assert '"limit"' in validation_message(api.call("GET", "/v1/interviews", token=acc.token, query=f"limit={limit}"))


def _spec_query_parameters() -> list[tuple[str, str, set[str]]]:
    spec = json.loads((Path(__file__).resolve().parents[2] / "docs" / "openapi.json").read_text())
    return [
        (method.upper(), path, {p["name"] for p in op.get("parameters", []) if p["in"] == "query"})
        for path, operations in spec["paths"].items()
        for method, op in operations.items()
    ]


@pytest.mark.parametrize(("method", "path", "documented"), _spec_query_parameters())
def test_every_route_accepts_exactly_the_query_parameters_the_spec_documents(
    api: Api, account: AccountFactory, method: str, path: str, documented: set[str]
) -> None:
    acc = account()
    created = api.create(acc).json()
    path = path.replace("{id}", created["id"])
    token = acc.token
    if path.startswith("/v1/rooms/"):  # the room's routes take a room token of the interview in the path
        joined = api.call("POST", f"/v1/rooms/{created['id']}/join", body={"pin": created["pin"]})
        token = joined.json()["roomToken"]
    for name in documented:
        reply = api.call(method, path, token=token, query=f"{name}=x")
        assert "Unknown query parameter" not in reply.body.decode(), (name, reply.body)
    message = validation_message(api.call(method, path, token=token, query="limt=5"))
    assert message.startswith('Unknown query parameter "limt"'), message


@pytest.mark.parametrize(
    ("path", "meant"),
    [("/interviews", "/v1/interviews"), ("/v1/interviews/", "/v1/interviews"), ("/plans/", "/v1/plans")],
)
def test_a_near_miss_path_is_a_404_naming_the_right_one(
    api: Api, account: AccountFactory, path: str, meant: str
) -> None:
    acc = account()
    reply = api.call("GET", path, token=acc.token)
    assert (reply.status, reply.json()["error"]["code"]) == (404, "not_found")
    assert reply.json()["error"]["message"] == f"No route for {path}; did you mean {meant}?"
    assert api.call("GET", "/v2/nothing", token=acc.token).json()["error"]["message"] == "No route for /v2/nothing"


# The room's token-taking routes check the token against the path's id first: any other id is their 401
# (tests/integration/test_rooms.py); their join is here, looked up by the pin in its body.
_ID_ROUTES = [
    route for route in routes.ROUTES if "{id}" in route.path and (not route.public or route.path.endswith("/join"))
]


@pytest.mark.parametrize("route", _ID_ROUTES, ids=[route.name for route in _ID_ROUTES])
def test_an_overlong_path_id_is_a_400_naming_the_limit(api: Api, account: AccountFactory, route: Route) -> None:
    """Every route with an id refuses a 65-character one before any read, with the same message."""
    acc = account()
    body: dict[str, str] | None = {} if route.method in ("POST", "PATCH") else None
    reply = api.call(route.method, route.path.replace("{id}", "x" * 65), token=acc.token, body=body)
    assert validation_message(reply) == 'Path parameter "id" must be at most 64 characters'


@pytest.mark.parametrize("route", _ID_ROUTES, ids=[route.name for route in _ID_ROUTES])
def test_a_64_character_path_id_is_looked_up(api: Api, account: AccountFactory, route: Route) -> None:
    acc = account()
    # A valid change where the route takes one, so that only the id decides the answer.
    changes = {
        "update_candidate": {"name": "n"},
        "update_interview": {"title": "t"},
        "update_job": {"title": "t"},
        "join_room": {"pin": "0000"},
    }
    body = changes.get(route.name, {} if route.method == "POST" else None)
    reply = api.call(route.method, route.path.replace("{id}", "x" * 64), token=acc.token, body=body)
    # A room join of an unknown interview is a wrong pin (one answer for both).
    assert reply.status == (401 if route.public else 404), reply.body
