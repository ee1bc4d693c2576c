"""Bad input from hostile or careless clients: a 400 that names the problem, never a 500, nothing written."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.data import users
from functions.domain import tokens
from testkit.accounts import Account, AccountFactory, create_body
from testkit.aws_calls import CallCounter
from testkit.handlers import Api, validation_message


def _nothing_written(api: Api, acc: Account, credits: int) -> None:
    assert users.get_balance(acc.user_id) == credits
    assert api.call("GET", "/v1/interviews", token=acc.token).json()["items"] == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"[" * 1000 + b"]" * 1000, "nested more than"),
        (b'{"title": ' + b"[" * 5000 + b"]" * 5000 + b"}", "nested more than"),
        (b'{"title": "t", "metadata": ' + b'{"a":' * 484 + b"1" + b"}" * 484 + b"}", "nested more than"),
        (b'{"title": "t", "metadata": {"n": ' + b"7" * 5000 + b"}}", "digits"),
        (b'{"title": "t", "metadata": {"n": -' + b"7" * 5000 + b"}}", "digits"),
    ],
    ids=["brackets", "deep-title", "deep-metadata", "huge-integer", "huge-negative-integer"],
)
def test_deep_or_huge_json_is_a_400_naming_the_problem(
    api: Api, account: AccountFactory, raw: bytes, expected: str
) -> None:
    acc = account(credits=1)
    assert expected in validation_message(api.call("POST", "/v1/interviews", token=acc.token, raw=raw))
    _nothing_written(api, acc, 1)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"])
def test_non_finite_numbers_are_not_json(api: Api, account: AccountFactory, literal: str) -> None:
    acc = account(credits=1)
    raw = json.dumps(create_body(acc.plan_id, metadata={"score": "X"})).replace('"X"', literal).encode()
    message = validation_message(api.call("POST", "/v1/interviews", token=acc.token, raw=raw))
    assert "finite" in message or literal.lstrip("-") in message, message
    _nothing_written(api, acc, 1)


def test_malformed_json_says_where(api: Api, account: AccountFactory) -> None:
    acc = account()
    message = validation_message(
        api.call("POST", "/v1/interviews", token=acc.token, raw=b'{\n  "title": "t",\n  "planId" 5\n}')
    )
    assert "line 3" in message and "column" in message, message


@pytest.mark.parametrize("wrap", [lambda body: [body], lambda body: [body, body], lambda body: None, lambda body: 5])
def test_a_body_that_is_not_an_object_creates_nothing(
    api: Api, account: AccountFactory, wrap: Callable[[dict[str, Any]], object]
) -> None:
    acc = account(credits=1)
    raw = json.dumps(wrap(create_body(acc.plan_id))).encode()
    assert "JSON object" in validation_message(api.call("POST", "/v1/interviews", token=acc.token, raw=raw))
    _nothing_written(api, acc, 1)


def test_a_patch_body_that_is_a_list_changes_nothing(api: Api, account: AccountFactory) -> None:
    acc = account()
    created = api.create(acc).json()["id"]
    path = f"/v1/interviews/{created}"
    reply = api.call("PATCH", path, token=acc.token, raw=json.dumps([{"title": "x"}]).encode())
    assert "JSON object" in validation_message(reply)
    assert api.call("GET", path, token=acc.token).json()["interview"]["title"] == "Backend engineer — final round"


@pytest.mark.parametrize(
    ("method", "path", "query", "headers", "raw"),
    [
        ("GET", "/v1/interviews", "foo=1", {}, None),
        ("GET", "/v1/plans", "limit=abc", {}, None),
        ("POST", "/v1/interviews", "", {"Content-Type": "text/plain"}, b"x"),
        ("POST", "/v1/interviews", "", {}, b"x" * (70 * 1024)),
        ("POST", "/v1/interviews", "", {"Idempotency-Key": "\u00e9" * 300}, b"{}"),
        ("POST", "/v1/interviews", "", {}, b"[1]"),
    ],
    ids=["unknown-query", "bad-limit", "content-type", "body-size", "idempotency-key", "not-an-object"],
)
def test_without_a_token_every_known_route_answers_401(
    api: Api,
    account: AccountFactory,
    method: str,
    path: str,
    query: str,
    headers: dict[str, str],
    raw: bytes | None,
) -> None:
    account()
    reply = api.call(method, path, query=query, headers=headers, raw=raw)
    assert (reply.status, reply.json()["error"]["code"]) == (401, "unauthenticated"), reply.body
    assert "accepts" not in reply.body.decode()


def test_header_shape_is_still_checked_before_the_token(api: Api, account: AccountFactory) -> None:
    account()
    reply = api.call("GET", "/v1/interviews", headers=[("Authorization", "Bearer a"), ("Authorization", "Bearer b")])
    assert '"authorization" is repeated' in validation_message(reply)


@pytest.mark.parametrize(
    "forged",
    [
        lambda good: good + "0" * 60_000,  # any length used to pass when the CRC32 matched
        lambda good: tokens.PREFIX + "a" * 60_000,
        lambda good: good[:-7] + good[-6:],
        lambda good: good.replace(good[12], "é", 1),
    ],
    ids=["long-tail", "long", "short", "non-base62"],
)
def test_tokens_of_the_wrong_length_or_alphabet_never_reach_the_database(
    api: Api, account: AccountFactory, aws_calls: CallCounter, forged: Callable[[str], str]
) -> None:
    acc = account()
    aws_calls.reset()
    reply = api.call("GET", "/v1/interviews", token=forged(acc.token))
    assert (reply.status, reply.json()["error"]["code"]) == (401, "invalid_token")
    assert aws_calls.calls == []


def test_a_long_token_with_a_matching_checksum_is_not_well_formed() -> None:
    random_part = "a" * 100
    assert not tokens.is_well_formed(tokens.PREFIX + random_part + tokens._checksum(random_part))


def test_a_token_failing_its_checksum_is_called_mistyped(api: Api, account: AccountFactory) -> None:
    acc = account()
    mistyped = acc.token[:-1] + ("A" if acc.token[-1] != "A" else "B")
    message = api.call("GET", "/v1/interviews", token=mistyped).json()["error"]["message"]
    assert "mistyped" in message
    assert mistyped not in message


@pytest.mark.parametrize("limit", [" 5", "+5", "5.0", "1_0", "05", "5 ", "٥"])
def test_limit_is_a_canonical_decimal_integer(api: Api, account: AccountFactory, limit: str) -> None:
    acc = account()
    from urllib.parse import quote

    message = validation_message(api.call("GET", "/v1/interviews", token=acc.token, query=f"limit={quote(limit)}"))
    assert '"limit"' in message
    assert validation_message(api.call("GET", "/v1/plans", token=acc.token, query=f"limit={quote(limit)}"))


@pytest.mark.parametrize("field", ["title", "intervieweeName"])
@pytest.mark.parametrize("char", ["\x00", "\x1b", "\n", "\x7f", "\x85", "\x9b"])
def test_control_characters_in_text_fields_are_rejected(
    api: Api, account: AccountFactory, field: str, char: str
) -> None:
    acc = account(credits=1)
    message = validation_message(api.create(acc, **{field: f"Jane{char}Doe"}))
    assert f'"{field}"' in message and "control characters" in message
    _nothing_written(api, acc, 1)


def test_control_characters_in_metadata_are_kept(api: Api, account: AccountFactory) -> None:
    acc = account(credits=1)
    reply = api.create(acc, metadata={"note": "line one\nline two\x00"})
    assert reply.status == 201, reply.body
    assert reply.json()["metadata"] == {"note": "line one\nline two\x00"}


def test_a_patch_with_a_control_character_changes_nothing(api: Api, account: AccountFactory) -> None:
    acc = account()
    path = f"/v1/interviews/{api.create(acc).json()['id']}"
    assert '"title"' in validation_message(api.call("PATCH", path, token=acc.token, body={"title": "a\x1b[2Jb"}))


@pytest.mark.parametrize("value", ["   ", "\u3000"])
def test_blank_text_is_described_in_the_apis_words(api: Api, account: AccountFactory, value: str) -> None:
    acc = account()
    message = validation_message(api.create(acc, title=value))
    assert "pattern" not in message and "\\S" not in message
    assert message == 'Field "title" must contain a visible character', message


@pytest.mark.parametrize(
    ("method", "field", "meant"),
    [
        ("POST", "plan_id", "planId"),
        ("POST", "PlanId", "planId"),
        ("POST", "is-test", "isTest"),
        ("PATCH", "interviewee_name", "intervieweeName"),
    ],
)
def test_a_variant_of_a_known_field_name_says_which_was_meant(
    api: Api, account: AccountFactory, method: str, field: str, meant: str
) -> None:
    acc = account(credits=1)
    if method == "POST":
        reply = api.create(acc, **{field: "x"})
    else:
        path = f"/v1/interviews/{api.create(acc).json()['id']}"
        reply = api.call("PATCH", path, token=acc.token, body={field: "x"})
    assert validation_message(reply) == f'Field "{field}" is not allowed; did you mean "{meant}"?'


def test_non_ascii_text_comes_back_as_utf8_not_escapes(api: Api, account: AccountFactory) -> None:
    acc = account()
    reply = api.create(acc, title="Jöhn — 日本語", metadata={"city": "Zürich"})
    assert "Zürich".encode() in reply.body and b"\\u" not in reply.body
    listed = api.call("GET", "/v1/interviews", token=acc.token)
    assert "Jöhn — 日本語".encode() in listed.body and b"\\u" not in listed.body


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_a_ten_kilobyte_id_is_a_400_after_the_token_lookup_and_before_any_other_read(
    api: Api, account: AccountFactory, aws_calls: CallCounter, method: str
) -> None:
    acc = account()
    aws_calls.reset()
    body = {"title": "t"} if method == "PATCH" else None
    reply = api.call(method, "/v1/interviews/" + "a" * 10_000, token=acc.token, body=body)
    assert '"id"' in validation_message(reply)
    assert aws_calls.calls == ["UpdateItem"]


# Characters that render as nothing: zero width space, word joiner, Hangul filler, Braille blank,
# soft hyphen, byte order mark, and a mixture.
INVISIBLE = ["\u200b", "\u2060", "\u3164", "\u2800", "\u00ad", "\ufeff", "\u200b\u2060\u3164 \u2800"]


@pytest.mark.parametrize("value", INVISIBLE, ids=lambda value: "+".join(f"U+{ord(c):04X}" for c in value))
@pytest.mark.parametrize(
    ("path", "field"),
    [("/v1/interviews", "title"), ("/v1/interviews", "intervieweeName"), ("/v1/candidates", "name")]
    + [("/v1/jobs", "title"), ("/v1/candidates", "externalId")],
)
def test_text_made_only_of_invisible_characters_is_blank(
    api: Api, account: AccountFactory, value: str, path: str, field: str
) -> None:
    acc = account(credits=1)
    bodies = {"/v1/interviews": create_body(acc.plan_id), "/v1/candidates": {"name": "Ada"}, "/v1/jobs": {"title": "J"}}
    body = bodies[path]
    reply = api.call("POST", path, token=acc.token, body={**body, field: value})
    assert validation_message(reply) == f'Field "{field}" must contain a visible character'
    _nothing_written(api, acc, 1)


@pytest.mark.parametrize("value", ["Jo\u200bhn", "\u00adAda", "👩\u200d💻", "\u2800Bob", "李\u3164"])
def test_invisible_characters_beside_visible_ones_are_kept(api: Api, account: AccountFactory, value: str) -> None:
    acc = account()
    reply = api.call("POST", "/v1/candidates", token=acc.token, body={"name": value})
    assert reply.status == 201, reply.body
    assert reply.json()["name"] == value


@pytest.mark.parametrize(
    "email",
    ["a\x00b@example.com", "a@exa\x00mple.com", "jane doe@example.com", "jane@example.com\n", "jane\n@example.com"]
    + ["jane@@example.com", "jane@doe@example.com", "jane@example.com\x1b", "\u200b@example.com"],
)
def test_an_email_with_a_control_character_a_space_or_two_ats_is_refused(
    api: Api, account: AccountFactory, email: str
) -> None:
    acc = account()
    message = validation_message(
        api.call("POST", "/v1/candidates", token=acc.token, body={"name": "Ada", "email": email})
    )
    assert message.startswith('Field "email"'), message
    candidate = api.call("POST", "/v1/candidates", token=acc.token, body={"name": "Ada"}).json()["id"]
    path = f"/v1/candidates/{candidate}"
    assert validation_message(api.call("PATCH", path, token=acc.token, body={"email": email})).startswith(
        'Field "email"'
    )
    assert api.call("GET", path, token=acc.token).json()["email"] is None


def _in_two_days() -> str:
    """A moment within the scheduling window, as RFC 3339's date "T" time without fraction or offset."""
    return (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S")


@pytest.mark.parametrize(
    "shape",
    ["{}\x00Z", "{}\tZ", "{}\nZ", " {}Z", "{}Z ", "{}Z\n", "{}\x00+02:00", "{} Z"]
    # no offset, or one RFC 3339 does not write; a space for the T; ISO 8601's basic and week forms
    + ["{}", "{}+0200", "{}+02", "{date} {time}Z", "{compact}Z", "{week}T{time}Z"],
)
def test_schedule_time_is_rfc_3339_only(api: Api, account: AccountFactory, shape: str) -> None:
    acc = account(credits=1)
    when = _in_two_days()
    date, time = when.split("T")
    year, week, day = datetime.fromisoformat(date).isocalendar()
    compact = when.replace("-", "").replace(":", "")
    value = shape.format(when, date=date, time=time, compact=compact, week=f"{year}-W{week:02d}-{day}")
    assert validation_message(api.create(acc, scheduleTime=value)).startswith('Field "scheduleTime"')
    _nothing_written(api, acc, 1)


@pytest.mark.parametrize("value", ["{}Z", "{}.5Z", "{}.123456789Z", "{}+02:00", "{}-05:30", "{}z", "{date}t{time}Z"])
def test_rfc_3339_schedule_times_are_accepted(api: Api, account: AccountFactory, value: str) -> None:
    acc = account(credits=1)
    when = _in_two_days()
    date, time = when.split("T")
    reply = api.create(acc, scheduleTime=value.format(when, date=date, time=time))
    assert reply.status == 201, reply.body
    assert reply.json()["scheduledAt"].endswith("Z")


@pytest.mark.parametrize("query", ["externalId=x", "jobId=j1", "externalId=x&limit=5", ""])
def test_a_bad_cursor_is_a_400_with_any_filter(api: Api, account: AccountFactory, query: str) -> None:
    acc = account()
    api.call("POST", "/v1/candidates", token=acc.token, body={"name": "Ada", "externalId": "x"})
    reply = api.call("GET", "/v1/candidates", token=acc.token, query="&".join(filter(None, [query, "cursor=garbage"])))
    assert '"cursor"' in validation_message(reply)


def test_a_cursor_is_bound_to_the_external_id_filter(api: Api, account: AccountFactory) -> None:
    acc = account()
    for index in range(3):
        api.call("POST", "/v1/candidates", token=acc.token, body={"name": "Ada", "externalId": f"x{index}"})
    cursor = api.call("GET", "/v1/candidates", token=acc.token, query="limit=1").json()["nextCursor"]
    assert cursor
    reply = api.call("GET", "/v1/candidates", token=acc.token, query=f"externalId=x1&cursor={cursor}")
    assert '"cursor"' in validation_message(reply)


def test_a_null_job_list_is_called_a_list(api: Api, account: AccountFactory) -> None:
    acc = account()
    candidate = api.call("POST", "/v1/candidates", token=acc.token, body={"name": "Ada"}).json()["id"]
    message = validation_message(
        api.call("PATCH", f"/v1/candidates/{candidate}", token=acc.token, body={"jobIds": None})
    )
    assert message == 'Field "jobIds" must be a list of job ids, not null', message
