"""Fair use over HTTP: twenty clients sharing one token get exactly its budget in one minute."""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import requests
from e2e_support import Server

CLIENTS = 20
BUDGET = 10


def test_twenty_clients_sharing_a_token_get_exactly_its_budget_and_a_429_debits_nothing(server: Server) -> None:
    if time.time() % 60 > 45:  # one budget per clock minute: stay inside one
        time.sleep(61 - time.time() % 60)
    account = server.new_account(credits=CLIENTS)
    limited = server.admin_ok("create-token", account.user_id, "--rate-limit", str(BUDGET))
    assert limited["rateLimit"] == BUDGET
    body = {"title": "Rate limited", "planId": account.plan_id, "intervieweeName": "Jane Doe"}
    barrier = Barrier(CLIENTS)

    def fire(_: int) -> requests.Response:
        with requests.Session() as session:
            barrier.wait(timeout=30)
            return server.request("POST", "/v1/interviews", limited["token"], session, json=body)

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        responses = list(pool.map(fire, range(CLIENTS)))

    assert Counter(r.status_code for r in responses) == {201: BUDGET, 429: CLIENTS - BUDGET}, [
        (r.status_code, r.text) for r in responses
    ]
    for refused in (r for r in responses if r.status_code == 429):
        assert refused.json()["error"]["code"] == "rate_limited"
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert refused.headers["X-RateLimit-Remaining"] == "0" and refused.headers["X-RateLimit-Limit"] == str(BUDGET)
    remaining = sorted(int(r.headers["X-RateLimit-Remaining"]) for r in responses if r.status_code == 201)
    assert remaining == list(range(BUDGET))
    # Only the 201s debited: the other token of the same user sees the rest of the credits.
    listed = server.request("GET", "/v1/interviews", account.token, params={"limit": 100})
    assert len(listed.json()["items"]) == BUDGET
    assert server.admin_ok("add-credits", account.user_id, "1") == {"balance": CLIENTS - BUDGET + 1}
