"""Credits: one debit per create, one refund per pending delete, never negative."""

from __future__ import annotations

import json
import time
from typing import Any

from functions.data import aws, users
from functions.domain import interviews
from testkit.accounts import AccountFactory, create_body
from testkit.aws_calls import CallCounter
from testkit.dynamodb_faults import InstallConflicts
from testkit.handlers import Api, request_calls


def test_create_debits_exactly_one_credit(api: Api, account: AccountFactory) -> None:
    acc = account(credits=3)
    first, second = api.create(acc), api.create(acc)
    assert (first.status, second.status) == (201, 201)
    assert [first.json()["balanceAfter"], second.json()["balanceAfter"]] == [2, 1]
    assert users.get_balance(acc.user_id) == 1
    assert first.json()["pin"].isdigit() and len(first.json()["pin"]) == 4


def test_no_credits_means_402_and_nothing_created(api: Api, account: AccountFactory) -> None:
    acc = account(credits=1)
    assert api.create(acc).status == 201
    reply = api.create(acc)
    assert (reply.status, reply.json()["error"]["code"]) == (402, "insufficient_balance")
    assert len(api.call("GET", "/v1/interviews", token=acc.token).json()["items"]) == 1
    assert users.get_balance(acc.user_id) == 0


def test_unknown_or_foreign_plan_is_400_and_debits_nothing(api: Api, account: AccountFactory) -> None:
    mine, theirs = account(credits=2), account(credits=2, name="Other")
    for plan_id in ("plan_missing", theirs.plan_id):
        reply = api.create(mine, planId=plan_id)
        assert (reply.status, reply.json()["error"]["code"]) == (400, "validation_failed")
        assert '"planId"' in reply.json()["error"]["message"]
    assert users.get_balance(mine.user_id) == 2
    assert api.call("GET", "/v1/interviews", token=mine.token).json()["items"] == []


def test_deleting_a_pending_interview_refunds_once(api: Api, account: AccountFactory) -> None:
    acc = account(credits=2)
    interview_id = api.create(acc).json()["id"]
    reply = api.call("DELETE", f"/v1/interviews/{interview_id}", token=acc.token)
    assert (reply.status, reply.json()) == (200, {"deleted": True, "refunded": True, "balanceAfter": 2})
    again = api.call("DELETE", f"/v1/interviews/{interview_id}", token=acc.token)
    assert (again.status, again.json()["error"]["code"]) == (404, "not_found")
    assert users.get_balance(acc.user_id) == 2


def test_deleting_a_started_interview_does_not_refund(api: Api, account: AccountFactory) -> None:
    acc = account(credits=2)
    interview_id = api.create(acc).json()["id"]
    interviews.start(interview_id)
    reply = api.call("DELETE", f"/v1/interviews/{interview_id}", token=acc.token)
    assert (reply.status, reply.json()) == (200, {"deleted": True, "refunded": False})
    assert users.get_balance(acc.user_id) == 1
    assert api.call("GET", f"/v1/interviews/{interview_id}", token=acc.token).status == 404


def test_aws_calls_per_request_stay_at_the_design_minimum(
    api: Api, account: AccountFactory, aws_calls: CallCounter
) -> None:
    """auth 1 UpdateItem (it also counts the request) + the operation's minimum (a regression fails CI)."""
    acc = account(credits=5)
    calls = request_calls(api, aws_calls, acc.token, warm="/v1/interviews")

    assert calls("POST", "/v1/interviews", body=create_body(acc.plan_id, "t")) == [
        "GetItem",
        "TransactWriteItems",
        "UpdateItem",
    ]
    interview_id = api.call("GET", "/v1/interviews", token=acc.token).json()["items"][0]["id"]
    assert calls("GET", "/v1/interviews") == ["Query", "UpdateItem"]
    assert calls("GET", "/v1/interviews", query="status=PENDING") == ["Query", "UpdateItem"]
    assert calls("GET", "/v1/plans") == ["Query", "UpdateItem"]
    assert calls("GET", f"/v1/interviews/{interview_id}") == ["GetItem", "UpdateItem"]
    assert calls("PATCH", f"/v1/interviews/{interview_id}", body={"title": "u"}) == ["UpdateItem", "UpdateItem"]
    assert calls("DELETE", f"/v1/interviews/{interview_id}") == ["GetItem", "TransactWriteItems", "UpdateItem"]


def test_a_create_meeting_concurrent_transactions_retries_and_debits_once(
    api: Api, account: AccountFactory, conflicts: InstallConflicts
) -> None:
    acc = account(credits=2)
    hook = conflicts(times=4)
    reply = api.create(acc)
    assert (reply.status, reply.json()["balanceAfter"]) == (201, 1), reply.body
    assert hook.attempts == 5
    assert users.get_balance(acc.user_id) == 1


def test_a_refund_meeting_concurrent_transactions_retries_and_refunds_once(
    api: Api, account: AccountFactory, conflicts: InstallConflicts
) -> None:
    acc = account(credits=1)
    interview_id = api.create(acc).json()["id"]
    conflicts(times=3)
    reply = api.call("DELETE", f"/v1/interviews/{interview_id}", token=acc.token)
    assert (reply.status, reply.json()) == (200, {"deleted": True, "refunded": True, "balanceAfter": 1})
    assert users.get_balance(acc.user_id) == 1


def test_endless_contention_gives_up_inside_the_function_timeout_with_a_retryable_409(
    api: Api, account: AccountFactory, conflicts: InstallConflicts
) -> None:
    acc = account(credits=2)
    hook = conflicts(times=10_000)
    started = time.monotonic()
    reply = api.create(acc)
    elapsed = time.monotonic() - started
    assert (reply.status, reply.json()["error"]["code"]) == (409, "concurrent_update"), reply.body
    assert "retry" in reply.json()["error"]["message"]
    # The deployed function's timeout is 10 s, and the idempotency record must still be written after.
    assert elapsed < 5, elapsed
    assert 5 < hook.attempts < 100
    assert users.get_balance(acc.user_id) == 2


def test_the_debit_transaction_is_idempotent_for_sdk_retries(api: Api, account: AccountFactory) -> None:
    """botocore retries a TransactWriteItems whose answer was lost; DynamoDB answers a retry that carries
    the same ClientRequestToken as the success it was (moto does not model this, so the token is what
    this test can see), instead of failing it on the existing interview id and answering 500."""
    acc = account(credits=2)
    sent: list[dict[str, Any]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        sent.append(json.loads(params["body"]))

    client = aws.dynamodb()
    client.meta.events.register("before-call.dynamodb.TransactWriteItems", record)
    try:
        created = api.create(acc)
    finally:
        client.meta.events.unregister("before-call.dynamodb.TransactWriteItems", record)
    assert created.status == 201
    tokens = [body.get("ClientRequestToken") for body in sent]
    assert len(tokens) == 1 and tokens[0], sent
    # The same items again (the SDK's retry) carry the same token: tests/integration/test_create_tokens.py.
