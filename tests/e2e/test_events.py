"""The events feed over HTTP against `quollo serve`: catch up without a webhook, read one
event, page through them, and send one again to a receiver on 127.0.0.1 with its original webhook-id."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from e2e_support import Server, assert_timestamps, start_server, stop_server

from testkit.accounts import Account, create_body
from testkit.api_errors import assert_error
from testkit.webhook_receiver import Receiver

USERS = ("catchup", "pages", "owner", "stranger", "resend", "named")


@pytest.fixture(scope="module")
def events_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    seed = {
        "users": [
            {
                "id": f"usr_e2e_{key}",
                "name": f"Events {key}",
                "credits": 20,
                "plans": [{"id": f"plan_e2e_{key}", "name": "Backend engineer", "tags": ["backend"]}],
            }
            for key in USERS
        ]
    }
    path = tmp_path_factory.mktemp("events") / "seed.json"
    path.write_text(json.dumps(seed), encoding="utf-8")
    server = start_server(path, env={"QUOLLO_WEBHOOK_RETRY_SECONDS": "1,2,4"})
    try:
        yield server
    finally:
        stop_server(server)


def _create(server: Server, account: Account, **overrides: Any) -> str:
    created = server.request("POST", "/v1/interviews", account.token, json=create_body(account.plan_id, **overrides))
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def _events(server: Server, account: Account, query: str = "") -> list[dict[str, Any]]:
    listed = server.request("GET", f"/v1/events{query}", account.token)
    assert listed.status_code == 200, listed.text
    return list(listed.json()["items"])


def _wait_for_events(server: Server, account: Account, count: int, timeout: float = 20) -> list[dict[str, Any]]:
    """The account's events once `count` of them are recorded (the fan-out records them from the stream)."""
    until = time.monotonic() + timeout
    while len(found := _events(server, account, "?limit=100")) < count:
        assert time.monotonic() < until, f"{len(found)} of {count} events within {timeout}s: {found}"
        time.sleep(0.1)
    return found


def test_events_are_recorded_without_a_webhook_newest_first(events_server: Server) -> None:
    account = events_server.seeded_account("catchup")
    interview_id = _create(events_server, account)
    events_server.admin_ok("start", interview_id)
    events_server.admin_ok("finish", interview_id)

    found = _wait_for_events(events_server, account, 3)
    assert [event["type"] for event in found] == ["interview.completed", "interview.started", "interview.created"]
    for event in found:
        assert list(event) == ["id", "type", "timestamp", "data"]
        assert event["data"]["interview"]["id"] == interview_id
        assert_timestamps(event)
        # One event, as the list shows it.
        shown = events_server.request("GET", f"/v1/events/{event['id']}", account.token)
        assert shown.status_code == 200, shown.text
        assert shown.json() == event
    started = _events(events_server, account, "?type=interview.started")
    assert [event["id"] for event in started] == [found[1]["id"]]


def test_pages_cover_every_event_once(events_server: Server) -> None:
    account = events_server.seeded_account("pages")
    for _ in range(3):
        _create(events_server, account, isTest=True)  # three events each
    everything = _wait_for_events(events_server, account, 9)
    seen: list[str] = []
    cursor = None
    while True:
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = events_server.request("GET", f"/v1/events{query}", account.token).json()
        assert len(page["items"]) <= 2
        seen += [event["id"] for event in page["items"]]
        if not (cursor := page["nextCursor"]):
            break
    assert seen == [event["id"] for event in everything] and len(set(seen)) == 9
    # A cursor belongs to its list: with another type filter it is refused.
    first = events_server.request("GET", "/v1/events?limit=2", account.token).json()["nextCursor"]
    other = events_server.request("GET", f"/v1/events?limit=2&type=interview.created&cursor={first}", account.token)
    assert_error(other, 400, "validation_failed")
    bad = events_server.request("GET", "/v1/events?type=interview.renamed", account.token)
    assert_error(bad, 400, "validation_failed")


def test_another_users_events_are_invisible(events_server: Server, receiver: Receiver) -> None:
    owner, stranger = events_server.seeded_account("owner"), events_server.seeded_account("stranger")
    _create(events_server, owner)
    (event,) = _wait_for_events(events_server, owner, 1)
    hook = events_server.request("POST", "/v1/webhooks", stranger.token, json={"url": receiver.url("/s")}).json()
    assert _events(events_server, stranger) == []
    for method, path, body in (
        ("GET", f"/v1/events/{event['id']}", None),
        ("POST", f"/v1/events/{event['id']}/resend", None),
        ("POST", f"/v1/events/{event['id']}/resend", {"webhookId": hook["id"]}),
    ):
        assert_error(events_server.request(method, path, stranger.token, json=body), 404, "not_found")
    # Nor can the owner send its event to the stranger's webhook.
    answer = events_server.request(
        "POST", f"/v1/events/{event['id']}/resend", owner.token, json={"webhookId": hook["id"]}
    )
    assert answer.status_code == 404, answer.text
    assert receiver.on("/s") == []


def test_a_resend_reaches_the_receiver_with_the_original_webhook_id(events_server: Server, receiver: Receiver) -> None:
    account = events_server.seeded_account("resend")
    hook = events_server.request(
        "POST", "/v1/webhooks", account.token, json={"url": receiver.url("/r"), "events": ["interview.created"]}
    ).json()
    _create(events_server, account)
    first = receiver.wait_for("/r", 1)[0]
    (event,) = _wait_for_events(events_server, account, 1)
    assert first.headers["webhook-id"] == event["id"]
    assert {"id": event["id"]} | json.loads(first.body) == event

    resent = events_server.request("POST", f"/v1/events/{event['id']}/resend", account.token)
    assert resent.status_code == 202, resent.text
    assert resent.json() == {"queued": 1}
    again = receiver.wait_for("/r", 2)[1]
    assert again.headers["webhook-id"] == event["id"] and again.body == first.body
    # It appears in the webhook's deliveries: two attempts of the one event.
    until = time.monotonic() + 10
    while (
        len(log := events_server.request("GET", f"/v1/webhooks/{hook['id']}/deliveries", account.token).json()["items"])
        < 2
    ):
        assert time.monotonic() < until, log
        time.sleep(0.1)
    assert [(item["eventId"], item["status"]) for item in log] == [(event["id"], "SUCCEEDED")] * 2


def test_a_resend_to_a_named_webhook_needs_no_subscription(events_server: Server, receiver: Receiver) -> None:
    account = events_server.seeded_account("named")
    _create(events_server, account)
    (event,) = _wait_for_events(events_server, account, 1)
    # Registered after the event, for another type: only a named resend reaches it.
    hook = events_server.request(
        "POST", "/v1/webhooks", account.token, json={"url": receiver.url("/n"), "events": ["interview.deleted"]}
    ).json()
    everyone = events_server.request("POST", f"/v1/events/{event['id']}/resend", account.token, json={})
    assert (everyone.status_code, everyone.json()) == (202, {"queued": 0})
    named = events_server.request(
        "POST", f"/v1/events/{event['id']}/resend", account.token, json={"webhookId": hook["id"]}
    )
    assert (named.status_code, named.json()) == (202, {"queued": 1})
    assert receiver.wait_for("/n", 1)[0].headers["webhook-id"] == event["id"]
    missing = events_server.request("GET", "/v1/events/evt_missing", account.token)
    assert_error(missing, 404, "not_found")
