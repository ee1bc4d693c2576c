"""Candidates and jobs over HTTP: CRUD, ownership, externalId, in-use deletes, and create
interview with an inline or existing candidate and job, every XOR and priority rule, in one transaction."""

from __future__ import annotations

import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from typing import Any

import pytest
import requests
from e2e_support import Server, assert_timestamps

from testkit.accounts import SAMPLE_TITLE, Account
from testkit.api_errors import assert_error


def _ok(response: requests.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    body = response.json()
    assert_timestamps(body)
    return body


def _job(server: Server, account: Account, **fields: Any) -> dict[str, Any]:
    body = {"title": "Backend engineer"} | fields
    created: dict[str, Any] = _ok(server.request("POST", "/v1/jobs", account.token, json=body), 201)
    return created


def _candidate(server: Server, account: Account, **fields: Any) -> dict[str, Any]:
    body = {"name": "Grace Hopper"} | fields
    created: dict[str, Any] = _ok(server.request("POST", "/v1/candidates", account.token, json=body), 201)
    return created


def _interview(server: Server, account: Account, **fields: Any) -> requests.Response:
    body = {"title": SAMPLE_TITLE, "planId": account.plan_id} | fields
    return server.request("POST", "/v1/interviews", account.token, json=body)


def _get_interview(server: Server, account: Account, interview_id: str) -> dict[str, Any]:
    interview: dict[str, Any] = _ok(server.request("GET", f"/v1/interviews/{interview_id}", account.token))["interview"]
    return interview


def _unique() -> str:
    return f"ats-{uuid.uuid4().hex[:12]}"


def _all_candidates(server: Server, account: Account) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 100}
    while True:
        body = _ok(server.request("GET", "/v1/candidates", account.token, params=params))
        found += body["items"]
        if body["nextCursor"] is None:
            return found
        params["cursor"] = body["nextCursor"]


# --- candidates and jobs ------------------------------------------------------------------------


def test_candidate_and_job_crud_round_trip(server: Server) -> None:
    account = server.seeded_account("talent")
    job = _job(server, account, externalId=_unique(), metadata={"team": "core"})
    assert set(job) == {"id", "title", "externalId", "metadata", "createdAt", "updatedAt"}
    candidate = _candidate(server, account, email="grace@example.com", jobIds=[job["id"]], metadata={"a": 1})
    assert set(candidate) == {"id", "name", "email", "externalId", "jobIds", "metadata", "createdAt", "updatedAt"}
    assert (candidate["jobIds"], candidate["externalId"]) == ([job["id"]], None)

    assert _ok(server.request("GET", f"/v1/candidates/{candidate['id']}", account.token)) == candidate
    assert _ok(server.request("GET", f"/v1/jobs/{job['id']}", account.token)) == job

    patched = _ok(
        server.request(
            "PATCH", f"/v1/candidates/{candidate['id']}", account.token, json={"name": "G. Hopper", "email": None}
        )
    )
    assert (patched["name"], patched["email"], patched["jobIds"]) == ("G. Hopper", None, [job["id"]])
    retitled = _ok(server.request("PATCH", f"/v1/jobs/{job['id']}", account.token, json={"title": "Staff engineer"}))
    assert retitled["title"] == "Staff engineer"

    # The job is linked to the candidate: in use until the candidate lets go of it.
    assert_error(server.request("DELETE", f"/v1/jobs/{job['id']}", account.token), 409, "resource_in_use")
    unlinked = _ok(server.request("PATCH", f"/v1/candidates/{candidate['id']}", account.token, json={"jobIds": []}))
    assert unlinked["jobIds"] == []
    assert _ok(server.request("DELETE", f"/v1/jobs/{job['id']}", account.token)) == {"deleted": True}
    assert _ok(server.request("DELETE", f"/v1/candidates/{candidate['id']}", account.token)) == {"deleted": True}
    assert_error(server.request("GET", f"/v1/candidates/{candidate['id']}", account.token), 404, "not_found")
    assert_error(server.request("GET", f"/v1/jobs/{job['id']}", account.token), 404, "not_found")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, 'Field "name" is required'),
        ({"name": "x", "email": "not-an-address"}, 'Field "email" must be an email address'),
        ({"name": "x", "externalId": ""}, 'Field "externalId" must be a non-empty string'),
        ({"name": "x", "jobIds": "j"}, 'Field "jobIds" must be a list'),
        ({"name": "x", "extra": 1}, 'Field "extra" is not allowed'),
    ],
)
def test_candidate_fields_are_validated(server: Server, body: dict[str, Any], message: str) -> None:
    account = server.seeded_account("talent")
    assert message in assert_error(
        server.request("POST", "/v1/candidates", account.token, json=body), 400, "validation_failed"
    )


def test_external_id_is_unique_per_owner_and_kind_and_the_conflict_names_the_holder(server: Server) -> None:
    account, other = server.seeded_account("talent"), server.seeded_account("talent_other")
    external = _unique()
    first = _candidate(server, account, externalId=external)
    again = server.request("POST", "/v1/candidates", account.token, json={"name": "Twin", "externalId": external})
    assert first["id"] in assert_error(again, 409, "conflict")
    # Another kind, another owner: no conflict.
    job = _job(server, account, externalId=external)
    _candidate(server, other, externalId=external)
    job_again = server.request("POST", "/v1/jobs", account.token, json={"title": "t", "externalId": external})
    assert job["id"] in assert_error(job_again, 409, "conflict")
    # An ATS sync finds it by externalId, and a rename frees the old one.
    found = _ok(server.request("GET", "/v1/candidates", account.token, params={"externalId": external}))
    assert [item["id"] for item in found["items"]] == [first["id"]]
    renamed = _unique()
    _ok(server.request("PATCH", f"/v1/candidates/{first['id']}", account.token, json={"externalId": renamed}))
    _candidate(server, account, externalId=external)
    taken = server.request("PATCH", f"/v1/jobs/{job['id']}", account.token, json={"externalId": external})
    assert _ok(taken)["externalId"] == external  # jobs and candidates are separate namespaces
    clash = server.request("PATCH", f"/v1/candidates/{first['id']}", account.token, json={"externalId": external})
    assert_error(clash, 409, "conflict")


def test_another_users_candidates_and_jobs_are_404_on_their_routes_and_400_when_referenced(server: Server) -> None:
    account, intruder = server.seeded_account("talent"), server.seeded_account("talent_other")
    job = _job(server, account)
    candidate = _candidate(server, account, jobIds=[job["id"]])
    for method in ("GET", "DELETE"):
        assert_error(server.request(method, f"/v1/candidates/{candidate['id']}", intruder.token), 404, "not_found")
        assert_error(server.request(method, f"/v1/jobs/{job['id']}", intruder.token), 404, "not_found")
    assert_error(
        server.request("PATCH", f"/v1/jobs/{job['id']}", intruder.token, json={"title": "x"}), 404, "not_found"
    )
    not_yours = "does not exist or is not yours"
    for body, field in (
        ({"candidateId": candidate["id"]}, '"candidateId"'),
        ({"jobId": job["id"], "intervieweeName": "n"}, '"jobId"'),
        ({"candidate": {"name": "n", "jobId": job["id"]}}, '"candidate.jobId"'),
    ):
        message = assert_error(_interview(server, intruder, **body), 400, "validation_failed")
        assert field in message and not_yours in message
    message = assert_error(
        server.request("POST", "/v1/candidates", intruder.token, json={"name": "n", "jobIds": [job["id"]]}),
        400,
        "validation_failed",
    )
    assert '"jobIds"' in message and not_yours in message
    # Listing another user's candidate's interviews finds nothing of theirs.
    _ok(_interview(server, account, candidateId=candidate["id"]), 201)
    assert (
        _ok(server.request("GET", "/v1/interviews", intruder.token, params={"candidateId": candidate["id"]}))["items"]
        == []
    )
    assert candidate["id"] not in {c["id"] for c in _all_candidates(server, intruder)}


# --- create interview: XOR and priority rules ---------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"candidateId": "c", "candidate": {"name": "n"}},
            'Fields "candidateId" and "candidate" cannot be combined: send one of them',
        ),
        ({"intervieweeName": "n", "jobId": "j", "job": {"title": "t"}}, 'Fields "jobId" and "job" cannot be combined'),
        (
            {"candidate": {"name": "n", "jobId": "j"}, "jobId": "k"},
            'Field "candidate.jobId" cannot be combined with "jobId" or "job": the job would be ambiguous',
        ),
        (
            {"candidate": {"name": "n", "jobId": "j"}, "job": {"title": "t"}},
            'Field "candidate.jobId" cannot be combined with "jobId" or "job": the job would be ambiguous',
        ),
        ({}, 'Field "intervieweeName" is required unless "candidateId" or "candidate" is given'),
        ({"jobId": "j"}, 'Field "intervieweeName" is required unless "candidateId" or "candidate" is given'),
        ({"candidate": {"email": "a@b.co"}}, 'Field "candidate.name" is required'),
        ({"intervieweeName": "n", "job": {}}, 'Field "job.title" is required'),
    ],
)
def test_create_refuses_each_ambiguous_or_incomplete_combination(
    server: Server, fields: dict[str, Any], message: str
) -> None:
    account = server.seeded_account("talent")
    before = _all_candidates(server, account)
    assert message in assert_error(_interview(server, account, **fields), 400, "validation_failed")
    assert _all_candidates(server, account) == before


def test_inline_candidate_and_inline_job_are_created_linked_and_referenced(server: Server) -> None:
    account = server.seeded_account("talent")
    external = _unique()
    created = _ok(
        _interview(
            server,
            account,
            candidate={"name": "Ada Lovelace", "email": "ada@example.com", "externalId": external},
            job={"title": "Analyst"},
        ),
        201,
    )
    assert created["candidateId"] and created["jobId"]
    interview = _get_interview(server, account, created["id"])
    assert (interview["candidateId"], interview["jobId"]) == (created["candidateId"], created["jobId"])
    assert interview["intervieweeName"] == "Ada Lovelace"  # defaults to the candidate's name
    candidate = _ok(server.request("GET", f"/v1/candidates/{created['candidateId']}", account.token))
    assert (candidate["externalId"], candidate["jobIds"]) == (external, [created["jobId"]])
    assert _ok(server.request("GET", f"/v1/jobs/{created['jobId']}", account.token))["title"] == "Analyst"
    # Referenced: neither can go while the interview is there; both can once it is deleted.
    assert_error(
        server.request("DELETE", f"/v1/candidates/{created['candidateId']}", account.token), 409, "resource_in_use"
    )
    assert_error(server.request("DELETE", f"/v1/jobs/{created['jobId']}", account.token), 409, "resource_in_use")
    assert _ok(server.request("DELETE", f"/v1/interviews/{created['id']}", account.token))["refunded"] is True
    _ok(server.request("DELETE", f"/v1/candidates/{created['candidateId']}", account.token))
    _ok(server.request("DELETE", f"/v1/jobs/{created['jobId']}", account.token))


def test_inline_candidate_with_candidate_job_id_or_dto_job_id_links_the_existing_job(server: Server) -> None:
    account = server.seeded_account("talent")
    job = _job(server, account)
    for fields in ({"candidate": {"name": "A", "jobId": job["id"]}}, {"candidate": {"name": "B"}, "jobId": job["id"]}):
        created = _ok(_interview(server, account, **fields), 201)
        assert created["jobId"] == job["id"]
        candidate = _ok(server.request("GET", f"/v1/candidates/{created['candidateId']}", account.token))
        assert candidate["jobIds"] == [job["id"]]
    # No job fields: a candidate in the talent pool, and an interview without a job.
    pooled = _ok(_interview(server, account, candidate={"name": "C"}, intervieweeName="Cee"), 201)
    assert pooled["jobId"] is None
    assert _get_interview(server, account, pooled["id"])["intervieweeName"] == "Cee"


def test_existing_candidate_takes_its_first_job_a_listed_job_or_a_new_linked_one(server: Server) -> None:
    account = server.seeded_account("talent")
    first, second, foreign = _job(server, account), _job(server, account), _job(server, account)
    candidate = _candidate(server, account, jobIds=[first["id"], second["id"]])
    lone = _candidate(server, account)

    assert _ok(_interview(server, account, candidateId=candidate["id"]), 201)["jobId"] == first["id"]
    assert (
        _ok(_interview(server, account, candidateId=candidate["id"], jobId=second["id"]), 201)["jobId"] == second["id"]
    )
    assert _ok(_interview(server, account, candidateId=lone["id"]), 201)["jobId"] is None
    message = assert_error(
        _interview(server, account, candidateId=candidate["id"], jobId=foreign["id"]), 400, "validation_failed"
    )
    assert message == f'Field "jobId": job {foreign["id"]} is not one of candidate {candidate["id"]}\'s jobs'

    made = _ok(_interview(server, account, candidateId=lone["id"], job={"title": "New role"}), 201)
    assert _ok(server.request("GET", f"/v1/candidates/{lone['id']}", account.token))["jobIds"] == [made["jobId"]]
    by_job = _ok(server.request("GET", "/v1/candidates", account.token, params={"jobId": made["jobId"]}))
    assert [item["id"] for item in by_job["items"]] == [lone["id"]]
    # intervieweeName defaults to the existing candidate's name, or is what was sent.
    assert _get_interview(server, account, made["id"])["intervieweeName"] == "Grace Hopper"


def test_unknown_candidate_or_job_ids_are_400_and_write_nothing(server: Server) -> None:
    account = server.seeded_account("talent")
    before = _all_candidates(server, account)
    missing = str(uuid.uuid4())
    assert f"candidate {missing} does not exist or is not yours" in assert_error(
        _interview(server, account, candidateId=missing), 400, "validation_failed"
    )
    # The inline candidate is in the same transaction as the failed job reference: not created.
    assert f"job {missing} does not exist or is not yours" in assert_error(
        _interview(server, account, candidate={"name": "Ghost"}, jobId=missing), 400, "validation_failed"
    )
    assert _all_candidates(server, account) == before


# --- one transaction ----------------------------------------------------------------------------


def test_a_402_with_an_inline_candidate_and_job_leaves_nothing_behind(server: Server) -> None:
    account = server.seeded_account("talent_broke")
    external = _unique()
    refused = _interview(
        server, account, candidate={"name": "Broke", "externalId": external}, job={"title": "t", "externalId": external}
    )
    assert_error(refused, 402, "insufficient_balance")
    assert _all_candidates(server, account) == []
    assert _ok(server.request("GET", "/v1/jobs", account.token))["items"] == []
    assert _ok(server.request("GET", "/v1/interviews", account.token))["items"] == []


def test_twenty_racing_creates_with_inline_candidates_on_five_credits_leave_five_of_each(server: Server) -> None:
    account = server.seeded_account("talent_race")
    sessions = [requests.Session() for _ in range(20)]
    barrier = Barrier(len(sessions))

    def fire(index: int) -> requests.Response:
        body = {"title": SAMPLE_TITLE, "planId": account.plan_id, "candidate": {"name": f"Racer {index}"}}
        barrier.wait(timeout=30)
        return server.request("POST", "/v1/interviews", account.token, session=sessions[index], json=body)

    try:
        with ThreadPoolExecutor(max_workers=len(sessions)) as pool:
            responses = list(pool.map(fire, range(len(sessions))))
    finally:
        for session in sessions:
            session.close()
    assert Counter(r.status_code for r in responses) == {201: 5, 402: 15}, [r.text for r in responses]
    created = [r.json() for r in responses if r.status_code == 201]
    interviews = _ok(server.request("GET", "/v1/interviews", account.token, params={"limit": 100}))["items"]
    assert {i["id"] for i in interviews} == {c["id"] for c in created}
    assert {c["id"] for c in _all_candidates(server, account)} == {c["candidateId"] for c in created}


def test_an_idempotency_key_replay_creates_no_second_candidate_or_job(server: Server) -> None:
    account = server.seeded_account("talent")
    before = len(_all_candidates(server, account))
    body = {"title": SAMPLE_TITLE, "planId": account.plan_id, "candidate": {"name": "Once"}, "job": {"title": "Once"}}
    key = {"Idempotency-Key": f"talent-{uuid.uuid4()}"}
    first = _ok(server.request("POST", "/v1/interviews", account.token, json=body, headers=key), 201)
    replay = _ok(server.request("POST", "/v1/interviews", account.token, json=body, headers=key), 201)
    assert replay == first
    assert len(_all_candidates(server, account)) == before + 1


# --- PATCH and list filters ---------------------------------------------------------------------


def test_patch_sets_and_clears_candidate_and_job_while_pending(server: Server) -> None:
    account = server.seeded_account("talent")
    job = _job(server, account)
    candidate = _candidate(server, account)
    created = _ok(_interview(server, account, intervieweeName="Plain"), 201)
    assert (created["candidateId"], created["jobId"]) == (None, None)
    path = f"/v1/interviews/{created['id']}"
    patched = _ok(
        server.request(
            "PATCH", path, account.token, json={"candidateId": candidate["id"], "jobId": job["id"], "title": "Linked"}
        )
    )
    assert (patched["candidateId"], patched["jobId"], patched["title"]) == (candidate["id"], job["id"], "Linked")
    assert _get_interview(server, account, created["id"])["candidateId"] == candidate["id"]
    assert_error(server.request("DELETE", f"/v1/candidates/{candidate['id']}", account.token), 409, "resource_in_use")
    missing = str(uuid.uuid4())
    message = assert_error(
        server.request("PATCH", path, account.token, json={"jobId": missing}), 400, "validation_failed"
    )
    assert f'Field "jobId": job {missing} does not exist or is not yours' == message
    cleared = _ok(server.request("PATCH", path, account.token, json={"candidateId": None}))
    assert (cleared["candidateId"], cleared["jobId"]) == (None, job["id"])
    _ok(server.request("DELETE", f"/v1/candidates/{candidate['id']}", account.token))
    # Not PENDING any more: refused.
    server.admin_ok("start", created["id"])
    message = assert_error(server.request("PATCH", path, account.token, json={"jobId": None}), 400, "validation_failed")
    assert "only be changed while the interview is PENDING" in message
    # A started interview still holds its job until it is deleted (no refund, references given back).
    assert_error(server.request("DELETE", f"/v1/jobs/{job['id']}", account.token), 409, "resource_in_use")
    assert _ok(server.request("DELETE", path, account.token))["refunded"] is False
    _ok(server.request("DELETE", f"/v1/jobs/{job['id']}", account.token))


def _pages(server: Server, account: Account, **params: Any) -> list[list[str]]:
    pages: list[list[str]] = []
    query: dict[str, Any] = {"limit": 20} | params
    while True:
        body = _ok(server.request("GET", "/v1/interviews", account.token, params=query))
        pages.append([item["id"] for item in body["items"]])
        if body["nextCursor"] is None:
            return pages
        query["cursor"] = body["nextCursor"]


def test_candidate_and_job_filters_list_45_interviews_in_full_pages(server: Server) -> None:
    account = server.seeded_account("talent_pages")
    job = _job(server, account)
    candidate = _candidate(server, account, jobIds=[job["id"]])
    # Interviews of another candidate and of no candidate are in neither list.
    _ok(_interview(server, account, candidate={"name": "Elsewhere"}), 201)
    _ok(_interview(server, account, intervieweeName="Nobody"), 201)
    created = [_ok(_interview(server, account, candidateId=candidate["id"]), 201)["id"] for _ in range(45)]
    for params in ({"candidateId": candidate["id"]}, {"jobId": job["id"]}):
        pages = _pages(server, account, **params)
        assert [len(page) for page in pages] == [20, 20, 5], params
        assert [i for page in pages for i in page] == list(reversed(created))
    supported = "status alone, candidateId alone or jobId alone"
    for params in (
        {"candidateId": candidate["id"], "status": "PENDING"},
        {"candidateId": candidate["id"], "jobId": job["id"]},
    ):
        assert supported in assert_error(
            server.request("GET", "/v1/interviews", account.token, params=params), 400, "validation_failed"
        )
