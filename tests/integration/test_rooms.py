"""The candidate's room through the route table: join by pin, the room token, start, recording, finish."""

from __future__ import annotations

import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from functions.data import aws
from functions.data.settings import settings
from functions.domain import rooms
from functions.domain.ratelimits import FAILED_AUTH_LIMIT
from functions.routes import ROUTES
from functions.runtime.observability import logger
from testkit.accounts import Account, AccountFactory
from testkit.api_errors import assert_error
from testkit.aws_calls import CallCounter
from testkit.clock import FakeClock
from testkit.handlers import ActionLog, Api, granted

pytestmark = pytest.mark.usefixtures("clock")
ROUTES_BY_NAME = {route.name: route for route in ROUTES}


def _created(api: Api, acc: Account, **overrides: Any) -> tuple[str, str]:
    reply = api.create(acc, **overrides)
    assert reply.status == 201, reply.body
    return reply.json()["id"], reply.json()["pin"]


def _wrong(pin: str) -> str:
    return f"{(int(pin) + 1) % 10_000:04d}"


def _join(api: Api, interview_id: str, pin: str) -> Any:
    return api.call("POST", f"/v1/rooms/{interview_id}/join", body={"pin": pin})


def _joined(api: Api, interview_id: str, pin: str) -> str:
    reply = _join(api, interview_id, pin)
    assert reply.status == 200, reply.body
    token: str = reply.json()["roomToken"]
    return token


def _room(api: Api, interview_id: str, step: str, token: str, body: Any = None) -> Any:
    return api.call("POST", f"/v1/rooms/{interview_id}/{step}", token=token, body=body)


def test_a_join_with_the_pin_gives_a_room_token_for_four_hours(
    api: Api, account: AccountFactory, clock: FakeClock
) -> None:
    acc = account()
    interview_id, pin = _created(api, acc, intervieweeName="Jane Doe")
    reply = _join(api, interview_id, pin)
    assert reply.status == 200, reply.body
    body = reply.json()
    assert body["roomToken"].startswith("qlr_") and len(body["roomToken"]) == len("qlr_") + 38
    assert body["interview"] == {
        "id": interview_id,
        "title": body["interview"]["title"],
        "intervieweeName": "Jane Doe",
        "status": "PENDING",
        "startedAt": None,
        "finishedAt": None,
    }
    from functions.domain import clock as domain_clock

    assert body["expiresAt"] == domain_clock.iso_epoch(clock.at + 4 * 3600)
    # Stored as its hash only.
    item = aws.dynamodb().scan(TableName=settings().tokens_table)["Items"]
    assert not [i for i in item if body["roomToken"] in str(i)]


def test_a_wrong_pin_and_an_unknown_interview_answer_the_same(api: Api, account: AccountFactory) -> None:
    interview_id, pin = _created(api, account())
    wrong, unknown = _join(api, interview_id, _wrong(pin)), _join(api, str(uuid.uuid4()), pin)
    assert wrong.status == unknown.status == 401
    assert wrong.body == unknown.body
    assert wrong.json()["error"]["code"] == "invalid_pin"


def test_five_wrong_pins_lock_the_room_until_the_window_passes(
    api: Api, account: AccountFactory, clock: FakeClock
) -> None:
    interview_id, pin = _created(api, account())
    for _ in range(rooms.PIN_FAILURE_LIMIT):
        assert _join(api, interview_id, _wrong(pin)).status == 401
    clock.advance(60)
    locked = _join(api, interview_id, pin)  # the right pin included
    assert locked.status == 429 and locked.json()["error"]["code"] == "room_locked"
    assert int(locked.headers["Retry-After"]) == 15 * 60 - 60
    clock.advance(15 * 60 - 60 - 1)
    assert _join(api, interview_id, pin).status == 429
    clock.advance(1)
    assert _join(api, interview_id, pin).status == 200
    # A new window: four wrong pins do not lock it again.
    for _ in range(rooms.PIN_FAILURE_LIMIT - 1):
        assert _join(api, interview_id, _wrong(pin)).status == 401
    assert _join(api, interview_id, pin).status == 200


def test_the_lock_is_per_interview_whatever_the_address(account: AccountFactory, moto_aws: None) -> None:
    acc = account()
    interview_id, pin = _created(Api(), acc)
    other_id, other_pin = _created(Api(), acc)
    for _ in range(rooms.PIN_FAILURE_LIMIT):
        assert _join(Api(), interview_id, _wrong(pin)).status == 401  # each from an address of its own
    assert _join(Api(), interview_id, pin).status == 429
    assert _join(Api(), other_id, other_pin).status == 200  # another interview's room is open


def test_twenty_racing_wrong_pins_count_exactly_five(api: Api, account: AccountFactory) -> None:
    interview_id, pin = _created(api, account())
    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(lambda _: _join(Api(), interview_id, _wrong(pin)).status, range(20)))
    assert sorted(statuses) == [401] * 5 + [429] * 15, statuses
    assert _join(api, interview_id, pin).status == 429


def test_failed_pins_count_against_the_address(api: Api, account: AccountFactory) -> None:
    """Past the address's failed-authentication limit a wrong pin is 429 rate_limited; a right pin still joins."""
    interview_id, pin = _created(api, account())
    # Unknown interviews, one each: no interview's lock is near, only the address's count.
    for _ in range(FAILED_AUTH_LIMIT):
        assert _join(api, str(uuid.uuid4()), "0000").json()["error"]["code"] == "invalid_pin"
    refused = _join(api, str(uuid.uuid4()), "0000")
    assert refused.status == 429 and refused.json()["error"]["code"] == "rate_limited"
    assert "Retry-After" in refused.headers
    assert _join(api, interview_id, pin).status == 200
    assert _join(Api(), str(uuid.uuid4()), "0000").status == 401  # another address


def test_a_finished_interview_closes_its_room(api: Api, account: AccountFactory) -> None:
    acc = account()
    interview_id, pin = _created(api, acc)
    token = _joined(api, interview_id, pin)
    assert _room(api, interview_id, "start", token).status == 200
    assert _room(api, interview_id, "finish", token).status == 200
    closed = _join(api, interview_id, pin)
    assert closed.status == 409 and closed.json()["error"]["code"] == "room_closed"
    test_id, test_pin = _created(api, acc, isTest=True)
    assert _join(api, test_id, test_pin).json()["error"]["code"] == "room_closed"


def test_start_is_idempotent_and_finish_leaves_the_record_idle(api: Api, account: AccountFactory) -> None:
    acc = account()
    interview_id, pin = _created(api, acc)
    token = _joined(api, interview_id, pin)
    started = _room(api, interview_id, "start", token)
    assert started.status == 200 and started.json()["status"] == "IN_PROGRESS" and started.json()["startedAt"]
    again = _room(api, interview_id, "start", token)
    assert again.status == 200 and again.json() == started.json()
    finished = _room(api, interview_id, "finish", token)
    assert finished.status == 200 and finished.json()["status"] == "FINISHED" and finished.json()["finishedAt"]
    detail = api.call("GET", f"/v1/interviews/{interview_id}", token=acc.token).json()
    assert detail["interview"]["status"] == "FINISHED" and detail["record"]["status"] == "IDLE"
    assert _room(api, interview_id, "finish", token).json() == finished.json()
    refused = _room(api, interview_id, "start", token)
    assert refused.status == 409 and refused.json()["error"]["code"] == "conflict"


def test_finish_before_start_is_a_conflict(api: Api, account: AccountFactory) -> None:
    interview_id, pin = _created(api, account())
    token = _joined(api, interview_id, pin)
    assert _room(api, interview_id, "finish", token).status == 409


def test_a_room_token_expires_after_four_hours(api: Api, account: AccountFactory, clock: FakeClock) -> None:
    interview_id, pin = _created(api, account())
    token = _joined(api, interview_id, pin)
    clock.advance(4 * 3600 - 1)
    assert _room(api, interview_id, "start", token).status == 200
    clock.advance(1)
    expired = _room(api, interview_id, "start", token)
    assert expired.status == 401 and expired.json()["error"]["code"] == "invalid_token"


def test_a_room_token_opens_its_own_interview_only(api: Api, account: AccountFactory) -> None:
    acc = account()
    first_id, first_pin = _created(api, acc)
    second_id, _ = _created(api, acc)
    token = _joined(api, first_id, first_pin)
    for step in ("start", "finish"):
        assert _room(api, second_id, step, token).status == 401
    assert _room(api, second_id, "recording", token, {"contentType": "video/mp4", "size": 10}).status == 401


def test_a_deleted_interviews_room_token_is_dead(api: Api, account: AccountFactory) -> None:
    acc = account()
    interview_id, pin = _created(api, acc)
    token = _joined(api, interview_id, pin)
    assert api.call("DELETE", f"/v1/interviews/{interview_id}", token=acc.token).status == 200
    for step, body in (("start", None), ("finish", None), ("recording", {"contentType": "video/mp4", "size": 1})):
        dead = _room(api, interview_id, step, token, body)
        assert dead.status == 401 and dead.json()["error"]["code"] == "invalid_token", (step, dead.body)


def test_api_tokens_do_not_open_rooms_and_room_tokens_open_nothing_else(api: Api, account: AccountFactory) -> None:
    acc = account()
    interview_id, pin = _created(api, acc)
    room_token = _joined(api, interview_id, pin)
    refused = _room(api, interview_id, "start", acc.token)
    assert refused.status == 401 and refused.json()["error"]["code"] == "invalid_token"
    assert _room(api, interview_id, "start", "").status == 401
    for method, path in (("GET", f"/v1/interviews/{interview_id}"), ("GET", "/v1/interviews"), ("GET", "/v1/balance")):
        answer = api.call(method, path, token=room_token)
        assert answer.status == 401 and answer.json()["error"]["code"] == "invalid_token", path


def test_a_recording_url_binds_the_key_content_type_and_size(api: Api, account: AccountFactory) -> None:
    acc = account()
    interview_id, pin = _created(api, acc)
    token = _joined(api, interview_id, pin)
    body = {"contentType": "video/webm", "size": 1234}
    assert _room(api, interview_id, "recording", token, body).status == 409  # PENDING: not yet
    assert _room(api, interview_id, "start", token).status == 200
    reply = _room(api, interview_id, "recording", token, body)
    assert reply.status == 200, reply.body
    upload = reply.json()
    assert upload["method"] == "PUT" and upload["headers"] == {"Content-Type": "video/webm"}
    url = urlsplit(upload["uploadUrl"])
    assert url.path.endswith(f"/records/{acc.user_id}/{interview_id}.mp4")
    query = parse_qs(url.query)
    assert query["X-Amz-SignedHeaders"] == ["content-length;content-type;host"]
    assert query["X-Amz-Expires"] == ["3600"]
    assert _room(api, interview_id, "finish", token).status == 200
    assert _room(api, interview_id, "recording", token, body).status == 200  # FINISHED, record IDLE


@pytest.mark.parametrize(
    "body",
    [
        {"contentType": "video/mp4", "size": 2 * 1024**3 + 1},
        {"contentType": "video/mp4", "size": 0},
        {"contentType": "video/quicktime", "size": 10},
        {"contentType": "video/mp4"},
        {"contentType": "video/mp4", "size": "10"},
    ],
)
def test_a_recording_request_out_of_bounds_is_a_400(api: Api, account: AccountFactory, body: dict[str, Any]) -> None:
    interview_id, pin = _created(api, account())
    token = _joined(api, interview_id, pin)
    assert _room(api, interview_id, "start", token).status == 200
    assert _room(api, interview_id, "recording", token, body).status == 400


def test_two_gibibytes_are_accepted(api: Api, account: AccountFactory) -> None:
    interview_id, pin = _created(api, account())
    token = _joined(api, interview_id, pin)
    assert _room(api, interview_id, "start", token).status == 200
    body = {"contentType": "video/mp4", "size": 2 * 1024**3}
    assert _room(api, interview_id, "recording", token, body).status == 200


def test_the_admin_cli_steps_are_the_rooms(api: Api, account: AccountFactory) -> None:
    """`quollo admin start` on a started room is a no-op like the room's; finish after the room's finish too."""
    from functions.domain import interviews

    interview_id, pin = _created(api, account())
    token = _joined(api, interview_id, pin)
    started = _room(api, interview_id, "start", token).json()
    assert interviews.start(interview_id).started_at == started["startedAt"]
    assert interviews.finish(interview_id).status.value == "FINISHED"
    assert _room(api, interview_id, "finish", token).json()["status"] == "FINISHED"


def test_pins_and_room_tokens_never_reach_a_log_line(
    api: Api, account: AccountFactory, caplog: pytest.LogCaptureFixture
) -> None:
    acc = account()
    interview_id, pin = _created(api, acc)
    logger.setLevel(logging.DEBUG)
    try:
        with caplog.at_level(logging.DEBUG):
            _join(api, interview_id, _wrong(pin))
            _join(api, interview_id, "12x4")  # a 400 quotes no input
            token = _joined(api, interview_id, pin)
            _room(api, interview_id, "start", token)
            _room(api, interview_id, "recording", token, {"contentType": "video/mp4", "size": 5})
            _room(api, interview_id, "start", token[:-1] + ("0" if token[-1] != "0" else "1"))
    finally:
        logger.setLevel(logging.INFO)
    lines = [logger.registered_formatter.format(record) for record in caplog.records]
    assert any(interview_id in line for line in lines), "the room's interview id is logged"
    flat = [line.replace("\\", "").replace(" ", "") for line in lines]
    for secret in (f'"pin":"{pin}"', f'"pin":"{_wrong(pin)}"', "12x4", token, token.removeprefix("qlr_")):
        assert not [line for line in flat if secret in line], secret


def test_each_room_route_makes_its_target_calls_and_the_route_table_grants_exactly_them(
    api: Api, account: AccountFactory, aws_calls: CallCounter, action_log: ActionLog
) -> None:
    """The bench's targets (bench/calls.py), and the DynamoDB actions the room routes make, wrong pins and
    the lock included, against the route table's grants: nothing missing in production, nothing spare."""
    from bench.calls import TARGETS

    acc = account()
    interview_id, pin = _created(api, acc)
    locked_id, locked_pin = _created(api, acc)
    made: dict[str, set[tuple[str, str]]] = {}
    counted: dict[str, int] = {}

    def call(route: str, make: Any) -> Any:
        aws_calls.reset()
        action_log.actions.clear()
        reply = make()
        made.setdefault(route, set()).update(action_log.actions)
        counted.setdefault(route, len(aws_calls.calls))
        return reply

    token = call("join_room", lambda: _join(api, interview_id, pin)).json()["roomToken"]
    for _ in range(rooms.PIN_FAILURE_LIMIT + 1):
        call("join_room", lambda: _join(api, locked_id, _wrong(locked_pin)))
    call("start_room", lambda: _room(api, interview_id, "start", token))
    body = {"contentType": "video/mp4", "size": 3}
    call("upload_recording", lambda: _room(api, interview_id, "recording", token, body))
    call("finish_room", lambda: _room(api, interview_id, "finish", token))
    for route, actions in made.items():
        assert counted[route] == TARGETS[route], route
        tables = {table for table, _ in actions}
        for table in tables:
            assert {action for t, action in actions if t == table} == granted(route, table), (route, table)
        assert tables == {access.table for access in ROUTES_BY_NAME[route].tables}, route


def test_a_room_routes_token_is_checked_against_the_path_before_its_id_limit(api: Api, account: AccountFactory) -> None:
    interview_id, pin = _created(api, account())
    token = _joined(api, interview_id, pin)
    for step in ("start", "finish"):
        assert _room(api, "x" * 65, step, token).json()["error"]["code"] == "invalid_token"
    assert _join(api, "x" * 65, pin).status == 400


def test_the_rooms_routes_refuse_an_idempotency_key_rather_than_ignore_it(api: Api, account: AccountFactory) -> None:
    """A client that sends one believes its retry safe: the room's routes say they do not honour it."""
    acc = account()
    interview_id, pin = _created(api, acc)
    key = {"Idempotency-Key": "retry-1"}
    refused = api.call("POST", f"/v1/rooms/{interview_id}/join", body={"pin": pin}, headers=key)
    assert "is not honoured on this route" in assert_error(refused, 400, "validation_failed")
    token = _joined(api, interview_id, pin)
    started = api.call("POST", f"/v1/rooms/{interview_id}/start", token=token, headers=key)
    assert_error(started, 400, "validation_failed")
    detail = api.call("GET", f"/v1/interviews/{interview_id}", token=acc.token).json()
    assert detail["interview"]["status"] == "PENDING"  # the refused start started nothing
