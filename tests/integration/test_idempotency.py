"""Idempotency-Key: a retried create or delete acts once and answers the same."""

from __future__ import annotations

from typing import Any

import pytest

from functions.data import aws, users
from functions.domain import accounts
from functions.local import gateway
from functions.models.api import InterviewCreate
from functions.runtime import idempotency
from testkit.accounts import Account, AccountFactory, create_body
from testkit.handlers import Api


def _create(api: Api, acc: Account, key: str, **overrides: Any) -> gateway.Reply:
    body = create_body(acc.plan_id, "Backend engineer — final round")
    body.update(overrides)
    return api.call("POST", "/v1/interviews", token=acc.token, body=body, headers={"Idempotency-Key": key})


def test_retried_create_replays_the_stored_response_and_debits_once(api: Api, account: AccountFactory) -> None:
    acc = account(credits=5)
    first = _create(api, acc, "order-42")
    retry = _create(api, acc, "order-42")
    assert (first.status, retry.status) == (201, 201)
    assert retry.json() == first.json()  # same id, same pin, same balanceAfter
    assert users.get_balance(acc.user_id) == 4
    assert len(api.call("GET", "/v1/interviews", token=acc.token).json()["items"]) == 1
    assert _create(api, acc, "order-43").json()["balanceAfter"] == 3


def test_same_key_with_another_body_is_rejected(api: Api, account: AccountFactory) -> None:
    acc = account(credits=5)
    _create(api, acc, "order-42")
    reused = _create(api, acc, "order-42", title="Another interview")
    assert (reused.status, reused.json()["error"]["code"]) == (422, "idempotency_key_reused")
    assert users.get_balance(acc.user_id) == 4


def test_keys_are_per_user(api: Api, account: AccountFactory) -> None:
    first, second = account(credits=2), account(credits=2, name="Other")
    mine = _create(api, first, "shared-key").json()
    theirs = _create(api, second, "shared-key", planId=second.plan_id).json()
    assert mine["id"] != theirs["id"]
    assert (users.get_balance(first.user_id), users.get_balance(second.user_id)) == (1, 1)


def test_retried_delete_replays_the_refund_instead_of_404(api: Api, account: AccountFactory) -> None:
    acc = account(credits=2)
    interview_id = api.create(acc).json()["id"]
    path = f"/v1/interviews/{interview_id}"
    first = api.call("DELETE", path, token=acc.token, headers={"Idempotency-Key": "del-1"})
    retry = api.call("DELETE", path, token=acc.token, headers={"Idempotency-Key": "del-1"})
    assert first.json() == retry.json() == {"deleted": True, "refunded": True, "balanceAfter": 2}
    assert users.get_balance(acc.user_id) == 2
    plain = api.call("DELETE", path, token=acc.token)
    assert plain.status == 404


def test_failed_requests_are_not_remembered(api: Api, account: AccountFactory) -> None:
    acc = account(credits=0)
    assert _create(api, acc, "k1").status == 402
    accounts.add_credits(acc.user_id, 1)
    assert _create(api, acc, "k1").status == 201


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there", "é"])
def test_malformed_keys_are_rejected(api: Api, account: AccountFactory, key: str) -> None:
    acc = account()
    reply = _create(api, acc, key)
    assert (reply.status, reply.json()["error"]["code"]) == (400, "validation_failed")
    assert "Idempotency-Key" in reply.json()["error"]["message"]


def test_a_255_character_key_is_accepted(api: Api, account: AccountFactory) -> None:
    acc = account()
    assert _create(api, acc, "k" * 255).status == 201


def test_a_retry_while_the_first_request_still_runs_is_409_and_acts_nothing(api: Api, account: AccountFactory) -> None:
    """Deterministic: the retry is sent from inside the first request's idempotent operation."""
    acc = account(credits=5)
    body = create_body(acc.plan_id, "t")
    payload = InterviewCreate.model_validate(body).model_dump(mode="json")  # what the handler fingerprints
    seen: dict[str, gateway.Reply] = {}

    def first_request_still_running() -> idempotency.Outcome:
        seen["retry"] = _create(api, acc, "slow-1", title="t")
        return idempotency.Outcome(status=201, body={})

    context = gateway.LocalContext(function_name="quollo-create_interview")
    route = idempotency.IdempotentRoute("create_interview")
    route.run_once(acc.user_id, "slow-1", payload, first_request_still_running, context)

    retry = seen["retry"]
    assert (retry.status, retry.json()["error"]["code"]) == (409, "idempotency_in_progress")
    assert users.get_balance(acc.user_id) == 5
    assert api.call("GET", "/v1/interviews", token=acc.token).json()["items"] == []


def test_a_delete_running_inside_a_create_does_not_take_over_its_idempotency_record(
    api: Api, account: AccountFactory
) -> None:
    """Deterministic form of a race seen under `quollo serve`: a keyed delete runs while a keyed create is
    between its in-progress record and its result (here, from inside the create's transaction, through
    botocore's event hooks). Each route keeps its own idempotency state, as each Lambda process does, so
    the create's retry replays its 201 instead of answering 409 and later debiting a second time."""
    acc = account(credits=3)
    to_delete = api.create(acc).json()["id"]
    client = aws.dynamodb()
    deletes: list[Any] = []  # None while the delete runs, then its reply

    def delete_meanwhile(**_: Any) -> None:
        if deletes:  # the delete's own transaction comes through here too
            return
        deletes.append(None)
        deletes[0] = api.call(
            "DELETE", f"/v1/interviews/{to_delete}", token=acc.token, headers={"Idempotency-Key": "d-1"}
        )

    client.meta.events.register("before-call.dynamodb.TransactWriteItems", delete_meanwhile)
    try:
        first = _create(api, acc, "c-1")
    finally:
        client.meta.events.unregister("before-call.dynamodb.TransactWriteItems", delete_meanwhile)

    assert deletes[0].json() == {"deleted": True, "refunded": True, "balanceAfter": 3}
    assert first.status == 201, first.body
    retry = _create(api, acc, "c-1")
    assert (retry.status, retry.json()) == (201, first.json())
    assert users.get_balance(acc.user_id) == 2
    replayed_delete = api.call(
        "DELETE", f"/v1/interviews/{to_delete}", token=acc.token, headers={"Idempotency-Key": "d-1"}
    )
    assert replayed_delete.json() == {"deleted": True, "refunded": True, "balanceAfter": 3}


# --- every other create and delete: the interviews' semantics, never silently ignored ---

HOOK_URL = "https://1.1.1.1/quollo-hooks"


def _keyed(api: Api, acc: Account, method: str, path: str, key: str, body: Any = None) -> gateway.Reply:
    return api.call(method, path, token=acc.token, body=body, headers={"Idempotency-Key": key})


def _recorded_event(acc: Account) -> str:
    """An event of the account's, as the fan-out records it (no stream runs in this suite)."""
    from functions.data import events
    from functions.models.entities.webhooks import Event

    body = '{"type":"interview.created","timestamp":"2026-12-05T08:00:00.000Z","data":{"interview":{},"record":null}}'
    event_id = f"evt_{acc.user_id[-12:]}"
    events.put_all([Event(event_id, acc.user_id, "interview.created", "2026-12-05T08:00:00.000Z", body)])
    return event_id


# (path, a body, another body, the list that counts what was made): each create is replayed, not repeated.
CREATES = {
    "candidate": ("/v1/candidates", {"name": "Ada"}, {"name": "Grace"}, "/v1/candidates"),
    "job": ("/v1/jobs", {"title": "Backend"}, {"title": "Frontend"}, "/v1/jobs"),
    "webhook": ("/v1/webhooks", {"url": HOOK_URL}, {"url": HOOK_URL + "/other"}, "/v1/webhooks"),
}


@pytest.mark.parametrize("kind", sorted(CREATES))
def test_a_retried_create_makes_one_and_replays_its_answer(api: Api, account: AccountFactory, kind: str) -> None:
    acc = account(credits=0)
    path, body, other, listing = CREATES[kind]
    first = _keyed(api, acc, "POST", path, "make-1", body)
    retry = _keyed(api, acc, "POST", path, "make-1", body)
    assert (first.status, retry.status) == (201, 201), first.body
    assert retry.json() == first.json()
    assert [item["id"] for item in api.call("GET", listing, token=acc.token).json()["items"]] == [first.json()["id"]]
    reused = _keyed(api, acc, "POST", path, "make-1", other)
    assert (reused.status, reused.json()["error"]["code"]) == (422, "idempotency_key_reused")


def test_a_retried_resend_queues_once(api: Api, account: AccountFactory) -> None:
    acc = account(credits=0)
    hook = api.call("POST", "/v1/webhooks", token=acc.token, body={"url": HOOK_URL}).json()
    event_id = _recorded_event(acc)
    path = f"/v1/events/{event_id}/resend"
    first = _keyed(api, acc, "POST", path, "again-1")
    retry = _keyed(api, acc, "POST", path, "again-1")
    assert (first.status, first.json()) == (retry.status, retry.json()) == (202, {"queued": 1})
    reused = _keyed(api, acc, "POST", path, "again-1", {"webhookId": hook["id"]})
    assert (reused.status, reused.json()["error"]["code"]) == (422, "idempotency_key_reused")


@pytest.mark.parametrize("kind", sorted(CREATES))
def test_a_retried_delete_replays_its_answer_instead_of_404(api: Api, account: AccountFactory, kind: str) -> None:
    acc = account(credits=0)
    path, body, other, _ = CREATES[kind]
    made = api.call("POST", path, token=acc.token, body=body).json()["id"]
    spare = api.call("POST", path, token=acc.token, body=other).json()["id"]
    first = _keyed(api, acc, "DELETE", f"{path}/{made}", "gone-1")
    retry = _keyed(api, acc, "DELETE", f"{path}/{made}", "gone-1")
    assert (first.status, retry.status) == (200, 200), first.body
    assert retry.json() == first.json()
    assert api.call("DELETE", f"{path}/{made}", token=acc.token).status == 404
    reused = _keyed(api, acc, "DELETE", f"{path}/{spare}", "gone-1")
    assert (reused.status, reused.json()["error"]["code"]) == (422, "idempotency_key_reused")


def test_ping_and_rotation_honour_the_key(api: Api, account: AccountFactory) -> None:
    acc = account(credits=0)
    hook = api.call("POST", "/v1/webhooks", token=acc.token, body={"url": HOOK_URL}).json()
    for action in ("ping", "rotate-secret"):
        path = f"/v1/webhooks/{hook['id']}/{action}"
        first = _keyed(api, acc, "POST", path, f"{action}-1")
        retry = _keyed(api, acc, "POST", path, f"{action}-1")
        assert first.status in (200, 202) and (retry.status, retry.json()) == (first.status, first.json())


@pytest.mark.parametrize(
    "path", ["/v1/interviews/{interview}", "/v1/candidates/{candidate}", "/v1/jobs/{job}"], ids=str
)
def test_a_key_on_a_route_that_cannot_honour_it_is_refused(api: Api, account: AccountFactory, path: str) -> None:
    acc = account(credits=1)
    ids = {
        "interview": api.create(acc).json()["id"],
        "candidate": api.call("POST", "/v1/candidates", token=acc.token, body={"name": "Ada"}).json()["id"],
        "job": api.call("POST", "/v1/jobs", token=acc.token, body={"title": "Backend"}).json()["id"],
    }
    body = {"title": "Renamed"} if "candidates" not in path else {"name": "Renamed"}
    reply = _keyed(api, acc, "PATCH", path.format(**ids), "patch-1", body)
    assert (reply.status, reply.json()["error"]["code"]) == (400, "validation_failed")
    assert "Idempotency-Key" in reply.json()["error"]["message"]
