"""Fair use over HTTP: twenty clients sharing one token get exactly its budget in one minute; a valid
token is served from an address that other clients' failed authentications got refused."""

from __future__ import annotations

from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import requests
from e2e_support import Server, start_server, stop_server

from functions.domain import tokens
from functions.domain.ratelimits import FAILED_AUTH_LIMIT
from testkit.accounts import create_body
from testkit.api_errors import assert_error

CLIENTS = 20
BUDGET = 10


def test_twenty_clients_sharing_a_token_get_exactly_its_budget_and_a_429_debits_nothing(server: Server) -> None:
    account = server.new_account(credits=CLIENTS)
    limited = server.admin_ok("create-token", account.user_id, "--rate-limit", str(BUDGET))
    assert limited["rateLimit"] == BUDGET
    body = create_body(account.plan_id, "Rate limited")
    barrier = Barrier(CLIENTS)

    def fire(_: int) -> requests.Response:
        with requests.Session() as session:
            barrier.wait(timeout=30)
            return server.request("POST", "/v1/interviews", limited["token"], session, json=body)

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        responses = list(pool.map(fire, range(CLIENTS)))

    # One budget per clock minute, and the server's clock is the system's: the burst may straddle a
    # minute's end. Each answer names its window (X-RateLimit-Reset), so each window is held to its
    # budget exactly, wherever the boundary fell (almost always all twenty are in one window).
    windows: dict[str, list[requests.Response]] = defaultdict(list)
    for response in responses:
        windows[response.headers["X-RateLimit-Reset"]].append(response)
    for answers in windows.values():
        granted = min(len(answers), BUDGET)
        assert Counter(r.status_code for r in answers) == Counter({201: granted, 429: len(answers) - granted}), [
            (r.status_code, r.text) for r in answers
        ]
        remaining = sorted(int(r.headers["X-RateLimit-Remaining"]) for r in answers if r.status_code == 201)
        assert remaining == list(range(BUDGET - granted, BUDGET))
    created = sum(r.status_code == 201 for r in responses)
    for refused in (r for r in responses if r.status_code == 429):
        assert_error(refused, 429, "rate_limited")
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert refused.headers["X-RateLimit-Remaining"] == "0" and refused.headers["X-RateLimit-Limit"] == str(BUDGET)
    # Only the 201s debited: the other token of the same user sees the rest of the credits.
    listed = server.request("GET", "/v1/interviews", account.token, params={"limit": 100})
    assert len(listed.json()["items"]) == created
    assert server.admin_ok("add-credits", account.user_id, "1") == {"balance": CLIENTS - created + 1}


def test_a_valid_token_is_served_from_an_address_refused_for_other_clients_failures() -> None:
    """Integrations behind one NAT share an address. A server of its own: its address is refused for a minute."""
    server = start_server(None)
    try:
        valid = server.seeded[0]["tokens"][0]["token"]
        # The server keeps the system's clock, so a minute boundary may fall anywhere in a run: the
        # failures counted before it are forgotten after it. A run spans at most two windows (up to
        # FAILED_AUTH_LIMIT failures in the first, then the limit and one refusal in the second), and
        # one whose window changed is run again, wholly inside the next window.
        for _ in range(2):
            before = server.request("GET", "/v1/plans", valid)
            assert before.status_code == 200, before.text
            statuses: list[int] = []
            while not statuses or statuses[-1] == 401:
                assert len(statuses) <= 2 * FAILED_AUTH_LIMIT + 1, statuses
                statuses.append(server.request("GET", "/v1/plans", tokens.generate()).status_code)
            assert statuses[-1] == 429, statuses  # the address is refused...
            served = server.request("GET", "/v1/plans", valid)
            assert served.status_code == 200, served.text  # ...yet the valid token is served
            refused = server.request("GET", "/v1/plans", tokens.generate())
            after = server.request("GET", "/v1/plans", valid)
            if before.headers["X-RateLimit-Reset"] == after.headers["X-RateLimit-Reset"]:
                assert refused.status_code == 429, refused.text  # and failures stay refused
                assert after.status_code == 200
                return
        raise AssertionError("two runs straddled a minute boundary each")
    finally:
        stop_server(server)
