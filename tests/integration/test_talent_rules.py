"""Candidates and jobs on moto, in-process: full pages of candidates, and the linked writes under the
TransactionConflicts that real DynamoDB raises and moto never does."""

from __future__ import annotations

from typing import Any

from functions.data import users
from testkit.accounts import AccountFactory
from testkit.dynamodb_faults import InstallConflicts
from testkit.handlers import Api, walk_pages


def _post(api: Api, token: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    reply = api.call("POST", path, token=token, body=body)
    assert reply.status == 201, reply.body
    created: dict[str, Any] = reply.json()
    return created


def test_45_candidates_of_a_job_come_back_in_full_pages_and_others_are_left_out(
    api: Api, account: AccountFactory
) -> None:
    acc = account()
    job = _post(api, acc.token, "/v1/jobs", {"title": "Backend"})["id"]
    other_job = _post(api, acc.token, "/v1/jobs", {"title": "Frontend"})["id"]
    linked = {_post(api, acc.token, "/v1/candidates", {"name": f"C{i}", "jobIds": [job]})["id"] for i in range(45)}
    _post(api, acc.token, "/v1/candidates", {"name": "Elsewhere", "jobIds": [other_job]})
    _post(api, acc.token, "/v1/candidates", {"name": "Pool"})

    pages = walk_pages(api, acc.token, "/v1/candidates", f"limit=20&jobId={job}")
    assert [len(page) for page in pages] == [20, 20, 5]
    assert {c for page in pages for c in page} == linked
    everyone = walk_pages(api, acc.token, "/v1/candidates", "limit=20")
    assert [len(page) for page in everyone] == [20, 20, 7]
    # A cursor of one filter is refused on another.
    cursor = api.call("GET", "/v1/candidates", token=acc.token, query=f"limit=20&jobId={job}").json()["nextCursor"]
    refused = api.call("GET", "/v1/candidates", token=acc.token, query=f"limit=20&cursor={cursor}")
    assert refused.status == 400, refused.body


def test_45_jobs_come_back_in_full_pages(api: Api, account: AccountFactory) -> None:
    acc = account()
    created = {_post(api, acc.token, "/v1/jobs", {"title": f"Job {i}"})["id"] for i in range(45)}
    pages = walk_pages(api, acc.token, "/v1/jobs", "limit=20")
    assert [len(page) for page in pages] == [20, 20, 5]
    assert {j for page in pages for j in page} == created


def test_an_inline_create_meeting_concurrent_transactions_retries_and_writes_everything_once(
    api: Api, account: AccountFactory, conflicts: InstallConflicts
) -> None:
    acc = account(credits=2)
    hook = conflicts(times=3)
    reply = api.create(
        acc, candidate={"name": "Retried", "externalId": "ATS-1"}, job={"title": "Ops", "externalId": "J-1"}
    )
    assert reply.status == 201, reply.body
    assert hook.attempts == 4
    assert users.get_balance(acc.user_id) == 1
    candidates = api.call("GET", "/v1/candidates", token=acc.token).json()["items"]
    assert [(c["name"], c["externalId"]) for c in candidates] == [("Retried", "ATS-1")]
    assert [j["externalId"] for j in api.call("GET", "/v1/jobs", token=acc.token).json()["items"]] == ["J-1"]


def test_a_candidate_delete_meeting_concurrent_transactions_retries_and_deletes_once(
    api: Api, account: AccountFactory, conflicts: InstallConflicts
) -> None:
    acc = account()
    job = _post(api, acc.token, "/v1/jobs", {"title": "Backend"})["id"]
    candidate = _post(api, acc.token, "/v1/candidates", {"name": "Gone", "externalId": "X", "jobIds": [job]})["id"]
    conflicts(times=2)
    reply = api.call("DELETE", f"/v1/candidates/{candidate}", token=acc.token)
    assert (reply.status, reply.json()) == (200, {"deleted": True}), reply.body
    # Its externalId is free again and its job is no longer in use.
    _post(api, acc.token, "/v1/candidates", {"name": "New", "externalId": "X"})
    assert api.call("DELETE", f"/v1/jobs/{job}", token=acc.token).status == 200


def test_a_test_interview_with_an_inline_candidate_debits_nothing_and_holds_the_candidate(
    api: Api, account: AccountFactory
) -> None:
    acc = account(credits=0)
    reply = api.create(acc, isTest=True, candidate={"name": "Sample"}, intervieweeName=None)
    assert reply.status == 201, reply.body
    body = reply.json()
    assert (body["isTest"], body["balanceAfter"]) == (True, 0)
    held = api.call("DELETE", f"/v1/candidates/{body['candidateId']}", token=acc.token)
    assert (held.status, held.json()["error"]["code"]) == (409, "resource_in_use")
    assert api.call("DELETE", f"/v1/interviews/{body['id']}", token=acc.token).json() == {
        "deleted": True,
        "refunded": False,
    }
    assert api.call("DELETE", f"/v1/candidates/{body['candidateId']}", token=acc.token).status == 200


def test_an_inline_external_id_already_taken_is_409_naming_the_holder_and_writes_nothing(
    api: Api, account: AccountFactory
) -> None:
    acc = account(credits=3)
    holder = _post(api, acc.token, "/v1/candidates", {"name": "First", "externalId": "ATS-7"})["id"]
    reply = api.create(acc, candidate={"name": "Second", "externalId": "ATS-7"}, job={"title": "Ops"})
    assert (reply.status, reply.json()["error"]["code"]) == (409, "conflict"), reply.body
    assert holder in reply.json()["error"]["message"]
    assert users.get_balance(acc.user_id) == 3
    assert api.call("GET", "/v1/jobs", token=acc.token).json()["items"] == []
    assert api.call("GET", "/v1/interviews", token=acc.token).json()["items"] == []
    assert [c["id"] for c in api.call("GET", "/v1/candidates", token=acc.token).json()["items"]] == [holder]


def test_a_candidate_has_at_most_20_jobs(api: Api, account: AccountFactory) -> None:
    acc = account()
    jobs = [_post(api, acc.token, "/v1/jobs", {"title": f"J{i}"})["id"] for i in range(40)]
    refused = api.call("POST", "/v1/candidates", token=acc.token, body={"name": "Busy", "jobIds": jobs[:21]})
    assert refused.status == 400 and '"jobIds"' in refused.json()["error"]["message"], refused.body
    candidate = _post(api, acc.token, "/v1/candidates", {"name": "Busy", "jobIds": jobs[:20]})["id"]
    # Replacing all 20 by 20 others is one transaction of 81 items, under DynamoDB's 100.
    others = jobs[20:]
    reply = api.call("PATCH", f"/v1/candidates/{candidate}", token=acc.token, body={"jobIds": others})
    assert (reply.status, reply.json()["jobIds"]) == (200, others), reply.body


def test_patching_another_users_candidate_onto_an_interview_is_400_and_changes_nothing(
    api: Api, account: AccountFactory
) -> None:
    acc, other = account(), account(name="Other")
    foreign = _post(api, other.token, "/v1/candidates", {"name": "Theirs"})["id"]
    interview = api.create(acc).json()["id"]
    reply = api.call("PATCH", f"/v1/interviews/{interview}", token=acc.token, body={"candidateId": foreign})
    assert reply.status == 400, reply.body
    assert (
        reply.json()["error"]["message"] == f'Field "candidateId": candidate {foreign} does not exist or is not yours'
    )
    got = api.call("GET", f"/v1/interviews/{interview}", token=acc.token).json()["interview"]
    assert got["candidateId"] is None
    # Their candidate is not held by our interview: they can delete it.
    assert api.call("DELETE", f"/v1/candidates/{foreign}", token=other.token).status == 200
