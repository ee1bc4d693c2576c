"""Test interviews, metadata and scheduled start (borrowed from the peer product), at their edges."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import boto3
import pytest

from functions.data import users
from functions.domain import interviews
from testkit.accounts import AccountFactory
from testkit.clock import FakeClock
from testkit.handlers import Api


def _iso(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).isoformat().replace("+00:00", "Z")


def _nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"leaf": 1}
    for _ in range(depth - 1):
        value = {"n": value}
    return value


# --- isTest ---------------------------------------------------------------------------------------------


def test_test_interview_is_finished_ready_and_free_even_at_zero_balance(api: Api, account: AccountFactory) -> None:
    acc = account(credits=0)
    reply = api.create(acc, isTest=True)
    assert reply.status == 201, reply.body
    created = reply.json()
    assert (created["balanceAfter"], created["isTest"]) == (0, True)
    detail = api.call("GET", f"/v1/interviews/{created['id']}", token=acc.token).json()
    assert detail["interview"]["status"] == "FINISHED" and detail["interview"]["isTest"] is True
    record = detail["record"]
    assert record["status"] == "READY" and record["summary"].startswith("[SAMPLE]")
    assert record["results"] and {"name": "Jane Doe", "role": "INTERVIEWEE"} in record["participants"]
    key = f"records/{acc.user_id}/{created['id']}.mp4"
    assert key in record["videoUrl"]
    video = boto3.client("s3").get_object(Bucket="quollo-records", Key=key)["Body"].read()
    assert video[4:8] == b"ftyp"


def test_test_interviews_list_filter_and_delete_without_refund(api: Api, account: AccountFactory) -> None:
    acc = account(credits=1)
    test_id = api.create(acc, isTest=True).json()["id"]
    real_id = api.create(acc).json()["id"]
    finished = api.call("GET", "/v1/interviews", token=acc.token, query="status=FINISHED").json()["items"]
    assert [(item["id"], item["isTest"]) for item in finished] == [(test_id, True)]
    pending = api.call("GET", "/v1/interviews", token=acc.token, query="status=PENDING").json()["items"]
    assert [(item["id"], item["isTest"]) for item in pending] == [(real_id, False)]
    patched = api.call("PATCH", f"/v1/interviews/{test_id}", token=acc.token, body={"title": "renamed"}).json()
    assert patched["isTest"] is True
    deleted = api.call("DELETE", f"/v1/interviews/{test_id}", token=acc.token).json()
    assert deleted == {"deleted": True, "refunded": False}
    assert users.get_balance(acc.user_id) == 0


def test_test_interview_still_needs_an_own_plan_and_a_strict_boolean(api: Api, account: AccountFactory) -> None:
    acc, other = account(), account(name="Other")
    assert api.create(acc, isTest=True, planId=other.plan_id).status == 400
    assert api.create(acc, isTest="true").status == 400
    assert api.call("GET", "/v1/interviews", token=acc.token).json()["items"] == []


# --- metadata -------------------------------------------------------------------------------------------


def test_metadata_round_trips_unchanged_and_patch_replaces_or_clears_it(api: Api, account: AccountFactory) -> None:
    acc = account()
    metadata = {"externalInterviewId": "INT-789", "score": 4.5, "tags": ["a", "b"], "nested": {"ok": True}}
    created = api.create(acc, metadata=metadata).json()
    assert created["metadata"] == metadata
    path = f"/v1/interviews/{created['id']}"
    assert api.call("GET", path, token=acc.token).json()["interview"]["metadata"] == metadata
    assert api.call("GET", "/v1/interviews", token=acc.token).json()["items"][0]["metadata"] == metadata
    replaced = api.call("PATCH", path, token=acc.token, body={"metadata": {"only": "this"}}).json()
    assert replaced["metadata"] == {"only": "this"}
    cleared = api.call("PATCH", path, token=acc.token, body={"metadata": None}).json()
    assert cleared["metadata"] is None
    assert api.create(acc).json()["metadata"] is None


@pytest.mark.parametrize(
    ("metadata", "accepted", "limit_named"),
    [
        ({"k": "x" * (10 * 1024 - 8)}, True, None),  # exactly 10 KB serialized
        ({"k": "x" * (10 * 1024 - 7)}, False, "10 KB"),
        (_nested(5), True, None),
        (_nested(6), False, "levels deep"),
        ({f"k{i}": i for i in range(50)}, True, None),
        ({f"k{i}": i for i in range(51)}, False, "50 keys"),
        ({"a": {f"k{i}": i for i in range(49)}}, True, None),  # 1 + 49 keys in total
        ({"a": {f"k{i}": i for i in range(50)}}, False, "50 keys"),
    ],
)
def test_metadata_limits_at_and_just_past_the_edge(
    api: Api, account: AccountFactory, metadata: dict[str, Any], accepted: bool, limit_named: str | None
) -> None:
    acc = account()
    assert len(json.dumps(metadata, separators=(",", ":"))) > 0
    for reply in (
        api.create(acc, metadata=metadata),
        api.call(
            "PATCH", f"/v1/interviews/{api.create(acc).json()['id']}", token=acc.token, body={"metadata": metadata}
        ),
    ):
        if accepted:
            assert reply.status in (200, 201), reply.body
        else:
            assert reply.status == 400
            error = reply.json()["error"]
            assert error["code"] == "validation_failed"
            assert '"metadata"' in error["message"] and limit_named in error["message"]


@pytest.mark.parametrize("metadata", [["not", "an", "object"], "text", 5])
def test_metadata_must_be_an_object(api: Api, account: AccountFactory, metadata: object) -> None:
    acc = account()
    assert api.create(acc, metadata=metadata).status == 400


# --- scheduleTime ---------------------------------------------------------------------------------------


def test_schedule_time_is_stored_as_scheduled_at_in_our_format(api: Api, account: AccountFactory) -> None:
    acc = account()
    created = api.create(acc, scheduleTime="2099-01-01T10:00:00+02:00")
    assert created.status == 400  # more than 30 days ahead
    when = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=123456)
    created = api.create(acc, scheduleTime=when.astimezone(timezone(timedelta(hours=2))).isoformat()).json()
    assert created["scheduledAt"] == when.strftime("%Y-%m-%dT%H:%M:%S.123Z")
    listed = api.call("GET", "/v1/interviews", token=acc.token).json()["items"][0]
    assert listed["scheduledAt"] == created["scheduledAt"]


@pytest.mark.parametrize(
    ("schedule", "accepted"),
    [
        (timedelta(milliseconds=1), True),
        (timedelta(0), False),
        (timedelta(days=30), True),
        (timedelta(days=30, milliseconds=1), False),
    ],
)
def test_schedule_time_window_edges(
    api: Api, account: AccountFactory, clock: FakeClock, schedule: timedelta, accepted: bool
) -> None:
    """At the edges to the millisecond: the code's clock stands still while the request runs."""
    acc = account()
    moment = datetime.fromtimestamp(clock(), UTC) + schedule
    reply = api.create(acc, scheduleTime=moment.isoformat(timespec="milliseconds"))
    assert (reply.status == 201) is accepted, reply.body
    if not accepted:
        assert '"scheduleTime"' in reply.json()["error"]["message"]


@pytest.mark.parametrize("value", ["tomorrow", "2026-13-01T00:00:00Z", "2026-12-01T10:00:00", 1700000000])
def test_schedule_time_must_be_an_iso_time_with_zone(api: Api, account: AccountFactory, value: str | int) -> None:
    acc = account()
    assert api.create(acc, scheduleTime=value).status == 400


def test_schedule_time_is_writable_only_while_pending(api: Api, account: AccountFactory) -> None:
    acc = account()
    interview_id = api.create(acc).json()["id"]
    path = f"/v1/interviews/{interview_id}"
    moved = api.call("PATCH", path, token=acc.token, body={"scheduleTime": _iso(timedelta(days=3))})
    assert moved.status == 200 and moved.json()["scheduledAt"]
    cleared = api.call("PATCH", path, token=acc.token, body={"scheduleTime": None})
    assert cleared.json()["scheduledAt"] is None
    interviews.start(interview_id)
    late = api.call("PATCH", path, token=acc.token, body={"scheduleTime": _iso(timedelta(days=3))})
    assert late.status == 400 and "PENDING" in late.json()["error"]["message"]
    assert api.call("GET", path, token=acc.token).json()["interview"]["scheduledAt"] is None
