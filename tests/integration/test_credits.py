"""Credits: one debit per create, one refund per pending delete, never negative."""

from __future__ import annotations

from functions.data import users
from functions.domain import interviews


def test_create_debits_exactly_one_credit(api, account):
    acc = account(credits=3)
    first, second = api.create(acc), api.create(acc)
    assert (first.status, second.status) == (201, 201)
    assert [first.json()["balanceAfter"], second.json()["balanceAfter"]] == [2, 1]
    assert users.get_balance(acc.user_id) == 1
    assert first.json()["pin"].isdigit() and len(first.json()["pin"]) == 4


def test_no_credits_means_402_and_nothing_created(api, account):
    acc = account(credits=1)
    assert api.create(acc).status == 201
    reply = api.create(acc)
    assert (reply.status, reply.json()["error"]["code"]) == (402, "insufficient_balance")
    assert len(api.call("GET", "/v1/interviews", token=acc.token).json()["items"]) == 1
    assert users.get_balance(acc.user_id) == 0


def test_unknown_or_foreign_plan_is_400_and_debits_nothing(api, account):
    mine, theirs = account(credits=2), account(credits=2, name="Other")
    for plan_id in ("plan_missing", theirs.plan_id):
        reply = api.create(mine, planId=plan_id)
        assert (reply.status, reply.json()["error"]["code"]) == (400, "validation_failed")
        assert '"planId"' in reply.json()["error"]["message"]
    assert users.get_balance(mine.user_id) == 2
    assert api.call("GET", "/v1/interviews", token=mine.token).json()["items"] == []


def test_deleting_a_pending_interview_refunds_once(api, account):
    acc = account(credits=2)
    interview_id = api.create(acc).json()["id"]
    reply = api.call("DELETE", f"/v1/interviews/{interview_id}", token=acc.token)
    assert (reply.status, reply.json()) == (200, {"deleted": True, "refunded": True, "balanceAfter": 2})
    again = api.call("DELETE", f"/v1/interviews/{interview_id}", token=acc.token)
    assert (again.status, again.json()["error"]["code"]) == (404, "not_found")
    assert users.get_balance(acc.user_id) == 2


def test_deleting_a_started_interview_does_not_refund(api, account):
    acc = account(credits=2)
    interview_id = api.create(acc).json()["id"]
    interviews.start(interview_id)
    reply = api.call("DELETE", f"/v1/interviews/{interview_id}", token=acc.token)
    assert (reply.status, reply.json()) == (200, {"deleted": True, "refunded": False})
    assert users.get_balance(acc.user_id) == 1
    assert api.call("GET", f"/v1/interviews/{interview_id}", token=acc.token).status == 404


def test_aws_calls_per_request_stay_at_the_design_minimum(api, account, aws_calls):
    """auth 1 GetItem + the operation's minimum from the design brief (a regression fails CI)."""
    acc = account(credits=5)
    api.call("GET", "/v1/interviews", token=acc.token)  # warms the cached cursor key, as a warm Lambda has it

    def calls(method, path, **kwargs):
        aws_calls.reset()
        reply = api.call(method, path, token=acc.token, **kwargs)
        assert reply.status < 300, reply.body
        return sorted(aws_calls.calls)

    assert calls("POST", "/v1/interviews", body={"title": "t", "planId": acc.plan_id, "intervieweeName": "n"}) == [
        "GetItem",
        "GetItem",
        "TransactWriteItems",
    ]
    interview_id = api.call("GET", "/v1/interviews", token=acc.token).json()["items"][0]["id"]
    assert calls("GET", "/v1/interviews") == ["GetItem", "Query"]
    assert calls("GET", "/v1/interviews", query="status=PENDING") == ["GetItem", "Query"]
    assert calls("GET", "/v1/plans") == ["GetItem", "Query"]
    assert calls("GET", f"/v1/interviews/{interview_id}") == ["GetItem", "GetItem"]
    assert calls("PATCH", f"/v1/interviews/{interview_id}", body={"title": "u"}) == ["GetItem", "UpdateItem"]
    assert calls("DELETE", f"/v1/interviews/{interview_id}") == ["GetItem", "GetItem", "TransactWriteItems"]
