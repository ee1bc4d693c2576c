"""Webhooks over HTTP against `quollo serve`, with a receiver on 127.0.0.1.

Every delivery is checked with Svix's verifier, an implementation of the Standard Webhooks spec
independent of the `standardwebhooks` package that signs them. The server runs the short retry
schedule QUOLLO_WEBHOOK_RETRY_SECONDS=1,2,4 (three retries, then the dead-letter queue).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Barrier
from typing import Any

import boto3
import pytest
import requests
from e2e_support import Server, queue_drained, start_server, stop_server
from svix.webhooks import Webhook as SvixWebhook
from svix.webhooks import WebhookVerificationError

from functions.data.schema import WEBHOOK_QUEUE_DEFAULT
from functions.domain.samples import SAMPLE_VIDEO
from testkit.accounts import Account, create_body
from testkit.api_errors import assert_error
from testkit.aws import REGION
from testkit.server import ROOT
from testkit.webhook_receiver import Received, Receiver

USERS = (
    "events",
    "test_events",
    "retries",
    "exhausted",
    "deleted",
    "gone",
    "owner",
    "stranger",
    "rotate",
    "ssrf",
    "drip",
    "unicode",
    "cap",
    "hang_a",
    "hang_b",
)
SEND_SECONDS = 2  # the send budget under test (10 s on AWS)


@pytest.fixture(scope="module")
def hooks_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    seed = {
        "users": [
            {
                "id": f"usr_e2e_{key}",
                "name": f"Webhooks {key}",
                "credits": 10,
                "plans": [{"id": f"plan_e2e_{key}", "name": "Backend engineer", "tags": ["backend"]}],
            }
            for key in USERS
        ]
    }
    path = tmp_path_factory.mktemp("webhooks") / "seed.json"
    path.write_text(json.dumps(seed), encoding="utf-8")
    server = start_server(
        path, env={"QUOLLO_WEBHOOK_RETRY_SECONDS": "1,2,4", "QUOLLO_WEBHOOK_SEND_SECONDS": str(SEND_SECONDS)}
    )
    try:
        yield server
    finally:
        stop_server(server)


def _register(server: Server, account: Account, url: str, events: list[str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"url": url} | ({"events": events} if events is not None else {})
    created = server.request("POST", "/v1/webhooks", account.token, json=body)
    assert created.status_code == 201, created.text
    return dict(created.json())


def _verified(secret: str, delivery: Received) -> dict[str, Any]:
    """The payload, once Svix's verifier accepted its signature (it raises otherwise)."""
    assert delivery.headers["content-type"] == "application/json"
    SvixWebhook(secret).verify(delivery.body, delivery.headers)
    payload = json.loads(delivery.body)
    assert isinstance(payload, dict)
    return payload


def _create(server: Server, account: Account, **overrides: Any) -> str:
    created = server.request("POST", "/v1/interviews", account.token, json=create_body(account.plan_id, **overrides))
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def _deliveries(server: Server, account: Account, webhook_id: str) -> list[dict[str, Any]]:
    listed = server.request("GET", f"/v1/webhooks/{webhook_id}/deliveries", account.token)
    assert listed.status_code == 200, listed.text
    return list(listed.json()["items"])


def test_every_event_type_arrives_signed_with_the_interview(
    hooks_server: Server, receiver: Receiver, tmp_path: Path
) -> None:
    account = hooks_server.seeded_account("events")
    hook = _register(hooks_server, account, receiver.url("/all"))
    assert hook["secret"].startswith("whsec_") and hook["enabled"] is True
    interview_id = _create(hooks_server, account)
    hooks_server.admin_ok("start", interview_id)
    hooks_server.admin_ok("finish", interview_id)
    (tmp_path / "video.mp4").write_bytes(SAMPLE_VIDEO)
    hooks_server.admin_ok("process", interview_id, "--video", str(tmp_path / "video.mp4"))
    (tmp_path / "results.json").write_text("[]", encoding="utf-8")
    (tmp_path / "participants.json").write_text("[]", encoding="utf-8")
    hooks_server.admin_ok(
        "ready",
        interview_id,
        "--summary",
        "Strong on design.",
        "--results",
        str(tmp_path / "results.json"),
        "--participants",
        str(tmp_path / "participants.json"),
    )
    assert hooks_server.request("DELETE", f"/v1/interviews/{interview_id}", account.token).status_code == 200

    received = receiver.wait_for("/all", 5)
    payloads = [_verified(hook["secret"], delivery) for delivery in received]
    assert [payload["type"] for payload in payloads] == [
        "interview.created",
        "interview.started",
        "interview.completed",
        "analysis.completed",
        "interview.deleted",
    ]
    statuses = [payload["data"]["interview"]["status"] for payload in payloads]
    assert statuses == ["PENDING", "IN_PROGRESS", "FINISHED", "FINISHED", "FINISHED"]
    assert all(payload["data"]["interview"]["id"] == interview_id for payload in payloads)
    analysis = payloads[3]["data"]["record"]
    assert analysis["status"] == "READY" and analysis["summary"] == "Strong on design."
    assert "videoUrl" not in analysis
    assert all(payload["data"].get("record") is None for i, payload in enumerate(payloads) if i != 3)
    assert len({delivery.headers["webhook-id"] for delivery in received}) == 5
    # A tampered body no longer verifies: the signature covers it.
    with pytest.raises(WebhookVerificationError):
        SvixWebhook(hook["secret"]).verify(received[0].body.replace(b"PENDING", b"FINISHED"), received[0].headers)


def test_a_test_interview_fires_created_completed_and_analysis_at_once(
    hooks_server: Server, receiver: Receiver
) -> None:
    account = hooks_server.seeded_account("test_events")
    hook = _register(hooks_server, account, receiver.url("/test"))
    interview_id = _create(hooks_server, account, isTest=True)
    payloads = [_verified(hook["secret"], delivery) for delivery in receiver.wait_for("/test", 3)]
    assert sorted(payload["type"] for payload in payloads) == [
        "analysis.completed",
        "interview.completed",
        "interview.created",
    ]
    assert {payload["data"]["interview"]["id"] for payload in payloads} == {interview_id}


def test_a_receiver_failing_twice_gets_three_attempts_with_one_webhook_id(
    hooks_server: Server, receiver: Receiver
) -> None:
    account = hooks_server.seeded_account("retries")
    hook = _register(hooks_server, account, receiver.url("/flaky"), events=["interview.created"])
    receiver.answers["/flaky"] = [500, 503]
    _create(hooks_server, account)

    attempts = receiver.wait_for("/flaky", 3)
    _logged(hooks_server, account, hook["id"], 3)
    queue_drained(hooks_server, WEBHOOK_QUEUE_DEFAULT)
    assert len(receiver.on("/flaky")) == 3  # the success ends the retries
    assert [attempt.answered for attempt in attempts] == [500, 503, 204]
    assert len({attempt.headers["webhook-id"] for attempt in attempts}) == 1
    assert attempts[0].body == attempts[1].body == attempts[2].body
    for attempt in attempts:
        _verified(hook["secret"], attempt)
    # The schedule 1,2,4 (each within ±10%): never early, and late by at most the worker's poll and
    # SQS's whole-second delays and visibility timeouts.
    first_gap, second_gap = attempts[1].at - attempts[0].at, attempts[2].at - attempts[1].at
    assert 0.85 <= first_gap < 2.5, first_gap
    assert 1.75 <= second_gap < 4.0, second_gap

    log = _deliveries(hooks_server, account, hook["id"])
    assert [(item["attempt"], item["status"], item["responseStatus"]) for item in log] == [
        (3, "SUCCEEDED", 204),
        (2, "FAILED", 503),
        (1, "FAILED", 500),
    ]
    assert log[0]["nextAttemptAt"] is None and log[1]["nextAttemptAt"] is not None
    assert log[2]["error"] == "HTTP 500" and len({item["eventId"] for item in log}) == 1


def test_a_delivery_failing_every_attempt_ends_in_the_dead_letter_queue(
    hooks_server: Server, receiver: Receiver
) -> None:
    account = hooks_server.seeded_account("exhausted")
    hook = _register(hooks_server, account, receiver.url("/down"), events=["interview.created"])
    receiver.answers["/down"] = [500] * 10
    _create(hooks_server, account)

    attempts = receiver.wait_for("/down", 4, timeout=30)
    sqs = boto3.client("sqs", endpoint_url=hooks_server.aws_url, region_name=REGION)
    dead = sqs.get_queue_url(QueueName="quollo-webhook-deliveries-dead")["QueueUrl"]
    until = time.monotonic() + 15
    mine: list[dict[str, Any]] = []
    while not mine:  # the last attempt's failure ends in the dead-letter queue, after which nothing is sent
        assert time.monotonic() < until, "nothing reached the dead-letter queue within 15 s"
        received = sqs.receive_message(QueueUrl=dead, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        mine = [body for m in received if (body := json.loads(m["Body"]))["webhook_id"] == hook["id"]]
    queue_drained(hooks_server, WEBHOOK_QUEUE_DEFAULT)
    assert len(receiver.on("/down")) == 4  # the first attempt and three retries
    assert len(mine) == 1 and mine[0]["message_id"] == attempts[0].headers["webhook-id"]
    log = _deliveries(hooks_server, account, hook["id"])
    assert [(item["attempt"], item["status"]) for item in log] == [
        (4, "FAILED"),
        (3, "FAILED"),
        (2, "FAILED"),
        (1, "FAILED"),
    ]
    assert log[0]["nextAttemptAt"] is None
    # Still enabled: one event's failures are not five days of them.
    assert hooks_server.request("GET", f"/v1/webhooks/{hook['id']}", account.token).json()["enabled"] is True


def _logged(server: Server, account: Account, webhook_id: str, count: int, timeout: float = 15) -> list[dict[str, Any]]:
    until = time.monotonic() + timeout
    while len(log := _deliveries(server, account, webhook_id)) < count:
        assert time.monotonic() < until, f"{len(log)} of {count} attempts logged within {timeout}s"
        time.sleep(0.2)
    return log


def test_a_receiver_dripping_its_answer_is_cut_off_at_the_send_budget(hooks_server: Server, receiver: Receiver) -> None:
    account = hooks_server.seeded_account("drip")
    hook = _register(hooks_server, account, receiver.url("/drip"), events=["interview.created"])
    receiver.drip["/drip"] = 0.5  # 40 bytes of status line and headers: 20 s, each read well within budget
    _create(hooks_server, account)
    receiver.wait_for("/drip", 1)
    first = _logged(hooks_server, account, hook["id"], 1)[-1]
    assert (first["attempt"], first["status"], first["responseStatus"]) == (1, "FAILED", None)
    assert first["error"] == f"no answer within {SEND_SECONDS} s"
    assert SEND_SECONDS * 1000 <= first["durationMs"] < SEND_SECONDS * 1000 + 1500, first  # the drip alone: 20 s
    assert first["nextAttemptAt"] is not None


def test_a_non_ascii_path_is_sent_percent_encoded(hooks_server: Server, receiver: Receiver) -> None:
    account = hooks_server.seeded_account("unicode")
    hook = _register(hooks_server, account, receiver.url("/caf\u00e9?q=\u00e9"), events=["interview.created"])
    _create(hooks_server, account)
    receiver.wait_for("/caf%C3%A9?q=%C3%A9", 1)
    first = _logged(hooks_server, account, hook["id"], 1)[-1]
    assert (first["attempt"], first["status"], first["responseStatus"]) == (1, "SUCCEEDED", 204)


def test_a_host_with_a_trailing_dot_is_stored_and_sent_without_it(hooks_server: Server, receiver: Receiver) -> None:
    account = hooks_server.seeded_account("unicode")
    hook = _register(hooks_server, account, f"http://LocalHost.:{receiver.port}/dotted", events=["interview.created"])
    assert hook["url"] == f"http://localhost:{receiver.port}/dotted"
    listed = hooks_server.request("GET", f"/v1/webhooks/{hook['id']}", account.token).json()
    assert listed["url"] == hook["url"]
    _create(hooks_server, account)
    delivered = receiver.wait_for("/dotted", 1)[0]
    assert delivered.headers["host"] == f"localhost:{receiver.port}"


def test_a_deleted_endpoint_gets_nothing_more_not_even_queued_retries(hooks_server: Server, receiver: Receiver) -> None:
    account = hooks_server.seeded_account("deleted")
    hook = _register(hooks_server, account, receiver.url("/deleted"))
    receiver.answers["/deleted"] = [500]
    _create(hooks_server, account)
    receiver.wait_for("/deleted", 1)
    deleted = hooks_server.request("DELETE", f"/v1/webhooks/{hook['id']}", account.token)
    assert deleted.status_code == 200 and deleted.json() == {"deleted": True}
    _register(hooks_server, account, receiver.url("/deleted-witness"), events=["interview.created"])
    _create(hooks_server, account)
    receiver.wait_for("/deleted-witness", 1)  # the new event was fanned out
    # Every delivery queued, the retry (due after 1 s) included, was made or dropped.
    queue_drained(hooks_server, WEBHOOK_QUEUE_DEFAULT)
    assert len(receiver.on("/deleted")) == 1  # neither the retry nor the new event
    assert hooks_server.request("GET", f"/v1/webhooks/{hook['id']}", account.token).status_code == 404


def test_an_endpoint_answering_410_is_disabled_and_gets_nothing_more(hooks_server: Server, receiver: Receiver) -> None:
    account = hooks_server.seeded_account("gone")
    hook = _register(hooks_server, account, receiver.url("/gone"))
    receiver.answers["/gone"] = [410]
    _create(hooks_server, account)
    receiver.wait_for("/gone", 1)
    deadline = time.monotonic() + 10
    while hooks_server.request("GET", f"/v1/webhooks/{hook['id']}", account.token).json()["enabled"]:
        assert time.monotonic() < deadline, "the endpoint that answered 410 was not disabled"
        time.sleep(0.2)
    _register(hooks_server, account, receiver.url("/gone-witness"), events=["interview.created"])
    _create(hooks_server, account)
    receiver.wait_for("/gone-witness", 1)  # the new event was fanned out
    queue_drained(hooks_server, WEBHOOK_QUEUE_DEFAULT)
    assert len(receiver.on("/gone")) == 1
    assert hooks_server.request("POST", f"/v1/webhooks/{hook['id']}/ping", account.token).status_code == 409


def test_another_users_events_and_webhooks_stay_theirs(hooks_server: Server, receiver: Receiver) -> None:
    owner, stranger = hooks_server.seeded_account("owner"), hooks_server.seeded_account("stranger")
    hook = _register(hooks_server, owner, receiver.url("/owner"), events=["interview.created"])
    strangers_interview = _create(hooks_server, stranger)
    owners_interview = _create(hooks_server, owner)
    # The owner's own event arrives after the stranger's change was on the stream.
    first = receiver.wait_for("/owner", 1)
    queue_drained(hooks_server, WEBHOOK_QUEUE_DEFAULT)
    seen = [json.loads(delivery.body)["data"]["interview"]["id"] for delivery in receiver.on("/owner")]
    assert seen == [owners_interview] and strangers_interview not in seen
    assert first[0].headers["webhook-id"]
    for method, path in (
        ("GET", ""),
        ("DELETE", ""),
        ("POST", "/ping"),
        ("POST", "/rotate-secret"),
        ("GET", "/deliveries"),
    ):
        assert_error(hooks_server.request(method, f"/v1/webhooks/{hook['id']}{path}", stranger.token), 404, "not_found")
    assert hooks_server.request("GET", "/v1/webhooks", stranger.token).json()["items"] == []
    mine = hooks_server.request("GET", "/v1/webhooks", owner.token).json()["items"]
    assert [item["id"] for item in mine] == [hook["id"]] and "secret" not in mine[0]
    assert "secret" not in hooks_server.request("GET", f"/v1/webhooks/{hook['id']}", owner.token).json()


def test_rotation_signs_with_both_secrets_and_ping_is_delivered(hooks_server: Server, receiver: Receiver) -> None:
    account = hooks_server.seeded_account("rotate")
    hook = _register(hooks_server, account, receiver.url("/rotate"))
    rotated = hooks_server.request("POST", f"/v1/webhooks/{hook['id']}/rotate-secret", account.token)
    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["secret"]
    assert new_secret.startswith("whsec_") and new_secret != hook["secret"]
    # A second rotation within the 24 h would end the first secret's grace early: refused instead.
    again = hooks_server.request("POST", f"/v1/webhooks/{hook['id']}/rotate-secret", account.token)
    assert "previous secret is valid until" in assert_error(again, 409, "conflict")
    pinged = hooks_server.request("POST", f"/v1/webhooks/{hook['id']}/ping", account.token)
    assert pinged.status_code == 202, pinged.text

    delivery = receiver.wait_for("/rotate", 1)[0]
    assert delivery.headers["webhook-id"] == pinged.json()["messageId"]
    signatures = delivery.headers["webhook-signature"].split(" ")
    assert len(signatures) == 2 and all(signature.startswith("v1,") for signature in signatures)
    # A receiver still on the old secret and one already on the new both verify it.
    for secret in (hook["secret"], new_secret):
        payload = _verified(secret, delivery)
        assert payload["type"] == "webhook.ping" and payload["data"] == {"webhookId": hook["id"]}
    # So does docs/webhooks.md's verification snippet, which refuses a wrong secret and an old timestamp.
    verify = _readme_verifier()
    assert verify(hook["secret"], delivery.headers, delivery.body)
    assert verify(new_secret, delivery.headers, delivery.body)
    assert not verify("whsec_" + "A" * 44, delivery.headers, delivery.body)
    stale = delivery.headers | {"webhook-timestamp": str(int(delivery.headers["webhook-timestamp"]) - 301)}
    assert not verify(new_secret, stale, delivery.body)


def _readme_verifier() -> Any:
    readme = (ROOT / "docs" / "webhooks.md").read_text(encoding="utf-8")
    snippet = readme.split("<!-- webhook-verify -->\n```python\n", 1)[1].split("```", 1)[0]
    assert len([line for line in snippet.splitlines() if line.strip()]) <= 10, (
        "docs/webhooks.md promises 10 lines at most"
    )
    namespace: dict[str, Any] = {}
    exec(snippet, namespace)  # our own docs, run as the documentation promises
    return namespace["verify"]


def test_an_ssrf_target_is_refused_naming_the_rule(hooks_server: Server) -> None:
    """One over HTTP; every rule, with its table of URLs, in tests/unit/test_webhook_urls.py."""
    account = hooks_server.seeded_account("ssrf")
    refused = hooks_server.request("POST", "/v1/webhooks", account.token, json={"url": "https://169.254.169.254/x"})
    assert "metadata" in assert_error(refused, 400, "validation_failed")


def test_a_refusal_names_the_rule_but_not_the_address_a_name_resolved_to(hooks_server: Server) -> None:
    account = hooks_server.seeded_account("ssrf")
    refused = hooks_server.request("POST", "/v1/webhooks", account.token, json={"url": "https://localhost/hook"})
    message = assert_error(refused, 400, "validation_failed")
    assert message == 'Field "url": host localhost resolves to a loopback address, which webhooks may not target'


def test_registration_validates_events_and_body(hooks_server: Server) -> None:
    account = hooks_server.seeded_account("ssrf")
    for body in (
        {"url": "https://93.184.215.14/", "events": ["interview.exploded"]},
        {"url": "https://93.184.215.14/", "events": []},
        {"url": "https://93.184.215.14/", "events": ["interview.created", "interview.created"]},
        {"url": "https://93.184.215.14/", "extra": 1},
        {"events": ["interview.created"]},
        {"url": 5},
    ):
        refused = hooks_server.request("POST", "/v1/webhooks", account.token, json=body)
        assert_error(refused, 400, "validation_failed")
    created = hooks_server.request(
        "POST",
        "/v1/webhooks",
        account.token,
        json={"url": "https://93.184.215.14/hook", "events": ["interview.deleted"]},
    )
    assert created.status_code == 201, created.text
    assert created.json()["events"] == ["interview.deleted"]


def test_twenty_parallel_registrations_store_exactly_ten_and_a_delete_gives_a_slot_back(hooks_server: Server) -> None:
    account = hooks_server.seeded_account("cap")
    racers = 20
    barrier = Barrier(racers)

    def register(number: int) -> requests.Response:
        with requests.Session() as session:
            barrier.wait(timeout=30)
            body = {"url": f"https://93.184.215.14/hook/{number}"}
            return hooks_server.request("POST", "/v1/webhooks", account.token, session, json=body)

    with ThreadPoolExecutor(max_workers=racers) as pool:
        answers = list(pool.map(register, range(racers)))
    assert Counter(answer.status_code for answer in answers) == {201: 10, 400: 10}, [a.text for a in answers]
    refused = [assert_error(answer, 400, "validation_failed") for answer in answers if answer.status_code == 400]
    assert all("10 webhooks already" in message for message in refused), refused
    listed = hooks_server.request("GET", "/v1/webhooks", account.token, params={"limit": 100}).json()["items"]
    assert len(listed) == 10

    # A delete gives its slot back, once: one more registration fits, the next does not.
    gone = hooks_server.request("DELETE", f"/v1/webhooks/{listed[0]['id']}", account.token)
    assert gone.status_code == 200, gone.text
    assert hooks_server.request("DELETE", f"/v1/webhooks/{listed[0]['id']}", account.token).status_code == 404
    again = [
        hooks_server.request("POST", "/v1/webhooks", account.token, json={"url": f"https://93.184.215.14/again/{n}"})
        for n in range(2)
    ]
    assert [answer.status_code for answer in again] == [201, 400], [answer.text for answer in again]


def test_a_tenants_hanging_receivers_do_not_delay_another_tenants_events(
    hooks_server: Server, receiver: Receiver
) -> None:
    hanging, prompt = hooks_server.seeded_account("hang_a"), hooks_server.seeded_account("hang_b")
    hangs = [f"/hang/{number}" for number in range(10)]  # one URL per webhook: a URL registers once
    for path in hangs:
        receiver.drip[path] = 0.5  # each send is held for the whole send budget, then retried
        _register(hooks_server, hanging, receiver.url(path), events=["interview.created"])
    _register(hooks_server, prompt, receiver.url("/prompt"), events=["interview.created"])
    _create(hooks_server, hanging)
    receiver.wait_for(hangs[0], 1)  # the hanging sends have begun
    created = time.monotonic()
    _create(hooks_server, prompt)
    # One after another, ten sends held for SEND_SECONDS each would keep it waiting 20 s.
    arrived = receiver.wait_for("/prompt", 1, timeout=3 * SEND_SECONDS)[0]
    assert arrived.at - created < 3 * SEND_SECONDS


def test_a_queued_retry_survives_a_state_restart_and_is_delivered_when_due(receiver: Receiver, tmp_path: Path) -> None:
    state = ["--state", str(tmp_path / "state")]
    retry = {"QUOLLO_WEBHOOK_RETRY_SECONDS": "8"}  # long enough to stop the server before it is due
    first = start_server(None, state, env=retry)
    try:
        user = first.seeded[0]
        account = Account(user["userId"], user["tokens"][0]["token"], user["tokens"][0]["tokenId"], user["planIds"][0])
        hook = _register(first, account, receiver.url("/restart"), events=["interview.created"])
        receiver.answers["/restart"] = [500]
        _create(first, account)
        failed = _logged(first, account, hook["id"], 1)[0]
        assert (failed["attempt"], failed["status"]) == (1, "FAILED") and failed["nextAttemptAt"] is not None
    finally:
        stop_server(first)
    assert len(receiver.on("/restart")) == 1  # the retry was not due yet

    saved = json.loads((tmp_path / "state" / "state.json").read_text(encoding="utf-8"))["queues"]
    second = start_server(None, state, env=retry)
    try:
        try:
            attempts = receiver.wait_for("/restart", 2, timeout=30)
        except AssertionError as exc:
            # Everything needed to tell a retry lost at the stop from one lost at the start.
            raise AssertionError(
                f"{exc}\nqueues saved: {saved}\nfirst server:\n{first.output}\nsecond server:\n{second.output}"
            ) from None
        assert attempts[1].answered == 204
        assert attempts[0].headers["webhook-id"] == attempts[1].headers["webhook-id"]
        _verified(hook["secret"], attempts[1])
        log = _logged(second, account, hook["id"], 2)
        assert [(item["attempt"], item["status"]) for item in log] == [(2, "SUCCEEDED"), (1, "FAILED")]
    finally:
        stop_server(second)
