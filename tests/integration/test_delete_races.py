"""A DELETE racing a PATCH that moves the interview's candidate or job, made deterministic.

The PATCH is slipped in through botocore's event hooks just before the delete's Nth DynamoDB call
(its first write, its read, its second write...), so every point of the interleaving is tried.
Whatever the point, the interview ends deleted with its credit refunded exactly once and no
candidate or job keeps a reference to it (a leaked reference makes its DELETE answer 409 forever).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from functions.data import aws, users
from functions.data import talent as talent_store
from functions.local import gateway
from testkit.accounts import AccountFactory
from testkit.handlers import Api

# The delete of a linked PENDING interview makes at most this many DynamoDB calls before the answer
# (the authentication, a first write, a read, a second write; idempotency aside); a hook past the last
# one never fires, and the test says so rather than passing without a race.
_STEPS = range(1, 5)


def _post(api: Api, token: str, path: str, body: dict[str, Any]) -> str:
    reply = api.call("POST", path, token=token, body=body)
    assert reply.status == 201, reply.body
    return str(reply.json()["id"])


def _refs(owner_id: str, kind: str, entity_id: str) -> int:
    stored = (
        talent_store.get_candidate(owner_id, entity_id)
        if kind == "candidate"
        else talent_store.get_job(owner_id, entity_id)
    )
    assert stored is not None
    return stored.refs


_PATCHES: dict[str, Callable[[dict[str, str]], dict[str, str | None]]] = {
    "clear-candidate": lambda ids: {"candidateId": None},
    "move-candidate": lambda ids: {"candidateId": ids["other_candidate"]},
    "clear-job": lambda ids: {"jobId": None},
    "move-job": lambda ids: {"jobId": ids["other_job"]},
}
# The interview's links when the race starts, and the PATCHes that move them.
_CASES: list[tuple[tuple[str, ...], str]] = [
    *((("candidate",), patch) for patch in ("clear-candidate", "move-candidate")),
    *((("job",), patch) for patch in ("clear-job", "move-job")),
    *((("candidate", "job"), patch) for patch in _PATCHES),
]


_SINGLE: list[tuple[tuple[str, ...], dict[int, str]]] = [
    (links, {step: patch}) for links, patch in _CASES for step in _STEPS
]
# Two clients: one clears the candidate before the delete reads, the other sets one before it writes.
_TWICE: list[tuple[tuple[str, ...], dict[int, str]]] = [(("candidate",), {3: "clear-candidate", 4: "move-candidate"})]


def _case_id(links: tuple[str, ...], slips: dict[int, str]) -> str:
    return "+".join(links) + ":" + ",".join(f"{patch}@{step}" for step, patch in slips.items())


@pytest.mark.parametrize(("links", "slips"), _SINGLE + _TWICE, ids=[_case_id(*case) for case in _SINGLE + _TWICE])
def test_a_patch_slipped_into_a_delete_neither_loses_the_credit_nor_leaks_a_reference(
    api: Api, account: AccountFactory, links: tuple[str, ...], slips: dict[int, str]
) -> None:
    acc = account(credits=3)
    ids = {
        "job": _post(api, acc.token, "/v1/jobs", {"title": "Backend"}),
        "other_job": _post(api, acc.token, "/v1/jobs", {"title": "Frontend"}),
    }
    # An interview linked by candidateId alone takes the candidate's first job: Ann has one only when
    # the interview links both (her link to the job is then one of the job's references).
    ann_jobs = [ids["job"]] if "job" in links else []
    ids["candidate"] = _post(api, acc.token, "/v1/candidates", {"name": "Ann", "jobIds": ann_jobs})
    ids["other_candidate"] = _post(api, acc.token, "/v1/candidates", {"name": "Bob"})
    created = api.create(acc, **{f"{kind}Id": ids[kind] for kind in links})
    assert created.status == 201, created.body
    interview = created.json()["id"]
    assert users.get_balance(acc.user_id) == 2

    calls = 0
    patching = False
    patched: list[gateway.Reply] = []

    def slip_the_patch_in(**_: Any) -> None:
        nonlocal calls, patching
        if patching:  # the PATCH's own calls come through here too
            return
        calls += 1
        if calls in slips:
            patching = True
            body = _PATCHES[slips[calls]](ids)
            patched.append(api.call("PATCH", f"/v1/interviews/{interview}", token=acc.token, body=body))
            patching = False

    client = aws.dynamodb()
    client.meta.events.register("before-parameter-build.dynamodb.*", slip_the_patch_in)
    try:
        # The authentication's own calls come first: count from the delete's work only.
        deleted = api.call("DELETE", f"/v1/interviews/{interview}", token=acc.token)
    finally:
        client.meta.events.unregister("before-parameter-build.dynamodb.*", slip_the_patch_in)

    assert len(patched) == len(slips), f"the delete made fewer than {max(slips)} DynamoDB calls: a race was not tried"
    assert deleted.status == 200, deleted.body
    assert deleted.json() == {"deleted": True, "refunded": True, "balanceAfter": 3}
    assert users.get_balance(acc.user_id) == 3
    assert api.call("GET", f"/v1/interviews/{interview}", token=acc.token).status == 404
    for kind, key in (("candidate", "candidate"), ("candidate", "other_candidate"), ("job", "other_job")):
        assert _refs(acc.user_id, kind, ids[key]) == 0, key
    assert _refs(acc.user_id, "job", ids["job"]) == len(ann_jobs)
    for path in (f"/v1/candidates/{ids['candidate']}", f"/v1/candidates/{ids['other_candidate']}"):
        assert api.call("DELETE", path, token=acc.token).status == 200, path
    for job in (ids["job"], ids["other_job"]):
        assert api.call("DELETE", f"/v1/jobs/{job}", token=acc.token).status == 200, job
