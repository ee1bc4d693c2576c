"""A storm of DELETEs racing PATCHes that move the interview's candidate, over HTTP.

Each round creates a PENDING interview linked to one candidate, then releases three clients at once:
one clears the candidate, one moves the interview to a second candidate, one deletes it. Whatever
the order the server runs them in, every interview ends deleted with its credit back, and neither
candidate keeps a reference (else its DELETE answers 409 `resource_in_use` forever).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import requests
from e2e_support import Server

ROUNDS = 20  # the code before the fix lost a credit within the first 5
CREDITS = 5


def _at_once(calls: list[Callable[[requests.Session], requests.Response]]) -> list[requests.Response]:
    sessions = [requests.Session() for _ in calls]
    barrier = Barrier(len(calls))

    def fire(index: int) -> requests.Response:
        barrier.wait(timeout=30)
        return calls[index](sessions[index])

    try:
        with ThreadPoolExecutor(max_workers=len(calls)) as pool:
            return list(pool.map(fire, range(len(calls))))
    finally:
        for session in sessions:
            session.close()


def _race(server: Server, token: str, path: str, second: str) -> list[Callable[[requests.Session], requests.Response]]:
    """Clear the candidate, move the interview to `second`, delete it: three clients, one interview."""

    def clear(s: requests.Session) -> requests.Response:
        return server.request("PATCH", path, token, session=s, json={"candidateId": None})

    def move(s: requests.Session) -> requests.Response:
        return server.request("PATCH", path, token, session=s, json={"candidateId": second})

    def delete(s: requests.Session) -> requests.Response:
        return server.request("DELETE", path, token, session=s)

    return [clear, move, delete]


def test_deletes_racing_link_changes_refund_every_credit_and_leak_no_reference(server: Server) -> None:
    account = server.new_account(credits=CREDITS, name="Delete storm")
    token = account.token

    def candidate(name: str) -> str:
        reply = server.request("POST", "/v1/candidates", token, json={"name": name})
        assert reply.status_code == 201, reply.text
        return str(reply.json()["id"])

    first, second = candidate("Ann"), candidate("Bob")
    deletes: list[requests.Response] = []
    for _ in range(ROUNDS):
        body = {"title": "Storm", "planId": account.plan_id, "candidateId": first}
        created = server.request("POST", "/v1/interviews", token, json=body)
        assert created.status_code == 201, created.text
        path = f"/v1/interviews/{created.json()['id']}"
        cleared, moved, deleted = _at_once(_race(server, token, path, second))
        # A PATCH that comes after the delete finds nothing; one that comes before succeeds.
        assert {cleared.status_code, moved.status_code} <= {200, 404}, (cleared.text, moved.text)
        deletes.append(deleted)

    assert [(r.status_code, r.json()) for r in deletes] == [
        (200, {"deleted": True, "refunded": True, "balanceAfter": CREDITS})
    ] * ROUNDS
    listed = server.request("GET", "/v1/interviews", token)
    assert listed.json()["items"] == [], listed.text
    for candidate_id in (first, second):
        gone = server.request("DELETE", f"/v1/candidates/{candidate_id}", token)
        assert gone.status_code == 200, gone.text
