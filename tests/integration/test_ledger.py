"""GET /v1/balance and GET /v1/ledger: every balance change has its entry, and nothing else writes one."""

from __future__ import annotations

from typing import Any

from functions.domain import accounts, interviews
from testkit.accounts import AccountFactory, create_body
from testkit.aws_calls import CallCounter
from testkit.handlers import Api, request_calls, walk_pages


def _balance(api: Api, token: str) -> int:
    reply = api.call("GET", "/v1/balance", token=token)
    assert reply.status == 200, reply.body
    balance: int = reply.json()["balance"]
    return balance


def _ledger(api: Api, token: str, limit: int = 100) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = f"limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        reply = api.call("GET", "/v1/ledger", token=token, query=query)
        assert reply.status == 200, reply.body
        entries += reply.json()["items"]
        if not (cursor := reply.json()["nextCursor"]):
            return entries


def _consistent(entries: list[dict[str, Any]], balance: int) -> None:
    """The ledger's invariant: the amounts sum to the balance, and each balanceAfter follows from the next."""
    assert sum(e["amount"] for e in entries) == balance
    if entries:
        assert entries[0]["balanceAfter"] == balance
    for newer, older in zip(entries, entries[1:], strict=False):
        assert older["balanceAfter"] == newer["balanceAfter"] - newer["amount"]


def test_the_balance_moves_with_creates_deletes_and_grants(api: Api, account: AccountFactory) -> None:
    acc = account(credits=3)
    assert _balance(api, acc.token) == 3
    made = api.create(acc).json()
    assert _balance(api, acc.token) == 2 == made["balanceAfter"]
    assert api.call("DELETE", f"/v1/interviews/{made['id']}", token=acc.token).json()["refunded"] is True
    accounts.add_credits(acc.user_id, 4)
    assert _balance(api, acc.token) == 7


def test_every_change_has_one_entry_and_the_amounts_sum_to_the_balance(api: Api, account: AccountFactory) -> None:
    acc = account(credits=3)
    first, second = api.create(acc).json(), api.create(acc).json()
    api.call("DELETE", f"/v1/interviews/{first['id']}", token=acc.token)
    accounts.add_credits(acc.user_id, 5)

    entries = _ledger(api, acc.token)
    assert [(e["type"], e["amount"], e["interviewId"]) for e in entries] == [
        ("grant", 5, None),
        ("refund", 1, first["id"]),
        ("debit", -1, second["id"]),
        ("debit", -1, first["id"]),
        ("grant", 3, None),  # create-user --credits 3
    ]
    assert [e["balanceAfter"] for e in entries] == [7, 2, 1, 2, 3]
    _consistent(entries, _balance(api, acc.token))
    assert len({e["id"] for e in entries}) == len(entries)


def test_what_moves_no_credit_writes_no_entry(api: Api, account: AccountFactory) -> None:
    acc = account(credits=1)
    before = _ledger(api, acc.token)
    # A test interview, a refused plan, a replayed key: no credit moves.
    assert api.create(acc, isTest=True).status == 201
    assert api.create(acc, planId="plan_missing").status == 400
    keyed = {"Idempotency-Key": "once"}
    created = api.call("POST", "/v1/interviews", token=acc.token, body=_body(acc.plan_id), headers=keyed)
    replayed = api.call("POST", "/v1/interviews", token=acc.token, body=_body(acc.plan_id), headers=keyed)
    assert (created.status, replayed.status, replayed.json()) == (201, 201, created.json())
    # Out of credits: refused, no entry.
    assert api.create(acc).status == 402
    # Deleted after it started: the credit was used, nothing comes back.
    interviews.start(created.json()["id"])
    deleted = api.call("DELETE", f"/v1/interviews/{created.json()['id']}", token=acc.token).json()
    assert deleted["refunded"] is False

    entries = _ledger(api, acc.token)
    assert len(entries) == len(before) + 1  # the one debit
    assert entries[0]["type"] == "debit"
    _consistent(entries, _balance(api, acc.token))


def _body(plan_id: str) -> dict[str, Any]:
    return create_body(plan_id, "Keyed")


def test_pages_continue_the_count_and_a_cursor_is_bound_to_its_owner(api: Api, account: AccountFactory) -> None:
    acc, other = account(credits=9), account(credits=2, name="Other")
    for _ in range(6):
        api.create(acc)
    pages = walk_pages(api, acc.token, "/v1/ledger", "limit=2")
    assert [len(page) for page in pages] == [2, 2, 2, 1]
    entries = _ledger(api, acc.token, limit=2)
    assert [e["balanceAfter"] for e in entries] == [3, 4, 5, 6, 7, 8, 9]
    _consistent(entries, 3)

    # Another user sees only their own entries, and cannot follow the first user's cursor.
    assert [e["amount"] for e in _ledger(api, other.token)] == [2]
    cursor = api.call("GET", "/v1/ledger", token=acc.token, query="limit=2").json()["nextCursor"]
    refused = api.call("GET", "/v1/ledger", token=other.token, query=f"limit=2&cursor={cursor}")
    assert refused.status == 400, refused.body


def test_aws_calls_per_request(api: Api, account: AccountFactory, aws_calls: CallCounter) -> None:
    acc = account(credits=2)
    calls = request_calls(api, aws_calls, acc.token, warm="/v1/ledger")
    assert calls("GET", "/v1/balance") == ["GetItem", "UpdateItem"]
    assert calls("GET", "/v1/ledger") == ["GetItem", "Query", "UpdateItem"]
    # A debit's and a refund's entries ride their transactions: no call more than before.
    assert calls("POST", "/v1/interviews", body=_body(acc.plan_id)) == ["GetItem", "TransactWriteItems", "UpdateItem"]
