"""The story a user walks on `quollo serve`: admin sets up, the ATS talks HTTP (issue 3)."""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from e2e_support import EXAMPLE_SEED, HTTP_TIMEOUT, Server, assert_timestamps

from functions.domain.samples import SAMPLE_VIDEO
from testkit.accounts import Account
from testkit.api_errors import assert_error

PIN = re.compile(r"^\d{4}$")


def _get(server: Server, account: Account, interview_id: str) -> dict[str, Any]:
    response = server.request("GET", f"/v1/interviews/{interview_id}", account.token)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert_timestamps(body)
    return body


def _list_all(server: Server, account: Account, limit: int, status: str | None = None) -> list[list[dict[str, Any]]]:
    pages: list[list[dict[str, Any]]] = []
    params: dict[str, str | int] = {"limit": limit}
    if status:
        params["status"] = status
    while True:
        response = server.request("GET", "/v1/interviews", account.token, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert_timestamps(body)
        pages.append(body["items"])
        if body["nextCursor"] is None:
            return pages
        assert len(pages) < 20, "pagination does not end"
        params["cursor"] = body["nextCursor"]


def test_example_seed_users_tokens_and_plans_are_usable(server: Server) -> None:
    seed = json.loads(EXAMPLE_SEED.read_text(encoding="utf-8"))
    by_id = {user["userId"]: user for user in server.seeded}
    assert {user["id"] for user in seed["users"]} <= set(by_id)
    for entry in seed["users"]:
        printed = by_id[entry["id"]]
        assert printed["balance"] == entry["credits"]
        assert printed["planIds"] == [plan["id"] for plan in entry["plans"]]
        # A fixed token is kept as written; a user without tokens gets one generated.
        expected_tokens = entry.get("tokens") or [printed["tokens"][0]["token"]]
        assert [token["token"] for token in printed["tokens"]] == expected_tokens
        assert all(token["token"].startswith("qlo_live_") for token in printed["tokens"])

        response = server.request("GET", "/v1/plans", printed["tokens"][0]["token"])
        assert response.status_code == 200, response.text
        plans = response.json()
        assert plans["nextCursor"] is None
        expected = [
            {
                "id": plan["id"],
                "name": plan["name"],
                "tags": plan.get("tags", []),
                "seniority": plan.get("seniority"),
                "language": plan.get("language", "EN"),
            }
            for plan in entry["plans"]
        ]
        assert sorted(plans["items"], key=lambda plan: plan["id"]) == sorted(expected, key=lambda plan: plan["id"])


def test_interviews_until_the_balance_runs_out_then_add_credits(server: Server) -> None:
    account = server.new_account(credits=3)
    created = []
    for expected_balance in (2, 1, 0):
        response = server.create_interview(account)
        assert response.status_code == 201, response.text
        body = response.json()
        assert {"id", "pin", "balanceAfter"} <= set(body)
        assert PIN.match(body["pin"]), body
        assert body["balanceAfter"] == expected_balance
        created.append(body["id"])

    refused = server.create_interview(account, title="one too many")
    assert_error(refused, 402, "insufficient_balance")

    listed = _list_all(server, account, limit=100)
    assert sorted(item["id"] for page in listed for item in page) == sorted(created)
    assert all(item["title"] != "one too many" for page in listed for item in page)

    assert server.admin_ok("add-credits", account.user_id, "2") == {"balance": 2}
    again = server.create_interview(account)
    assert again.status_code == 201, again.text
    assert again.json()["balanceAfter"] == 1


def test_one_interview_from_pending_to_ready_with_a_downloadable_video(server: Server, tmp_path: Path) -> None:
    account = server.seeded_account("lifecycle")
    created = server.create_interview(account)
    assert created.status_code == 201, created.text
    interview_id = created.json()["id"]

    pending = _get(server, account, interview_id)
    assert pending["interview"]["status"] == "PENDING"
    assert pending["interview"]["pin"] == created.json()["pin"]
    assert pending["interview"]["startedAt"] is None and pending["interview"]["finishedAt"] is None
    assert pending["record"] is None

    started = server.admin_ok("start", interview_id)
    assert started["id"] == interview_id and started["status"] == "IN_PROGRESS"
    in_progress = _get(server, account, interview_id)
    assert in_progress["interview"]["status"] == "IN_PROGRESS"
    assert in_progress["interview"]["startedAt"] is not None
    assert in_progress["record"] is None

    assert server.admin_ok("finish", interview_id)["status"] == "FINISHED"
    finished = _get(server, account, interview_id)
    assert finished["interview"]["status"] == "FINISHED"
    assert finished["interview"]["finishedAt"] is not None
    assert finished["interview"]["finishedAt"] >= finished["interview"]["startedAt"]
    assert finished["record"]["status"] == "IDLE"
    assert finished["record"]["videoUrl"] is None

    video = SAMPLE_VIDEO + os.urandom(200_000)
    (tmp_path / "video.mp4").write_bytes(video)
    server.admin_ok("process", interview_id, "--video", str(tmp_path / "video.mp4"))
    processing = _get(server, account, interview_id)
    assert processing["record"]["status"] == "PROCESSING"
    assert processing["record"]["videoUrl"] is None

    results = [{"sectionId": "s1", "questionId": "q1", "score": 4, "notes": "clear answer"}]
    participants = [{"name": "Jane Doe", "role": "INTERVIEWEE"}, {"name": "Quollo", "role": "INTERVIEWER"}]
    summary = "Strong on systems design, weaker on testing."
    server.admin_ready(interview_id, tmp_path, summary, results, participants)
    ready = _get(server, account, interview_id)
    assert ready["interview"]["status"] == "FINISHED"
    record = ready["record"]
    assert record["status"] == "READY"
    assert record["summary"] == summary
    assert record["results"] == results
    assert record["participants"] == participants

    url = record["videoUrl"]
    assert url.startswith(server.aws_url + "/"), url
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Expires"] == ["3600"]
    assert "X-Amz-Signature" in query
    download = requests.get(url, timeout=HTTP_TIMEOUT)  # a plain GET, no credentials
    assert download.status_code == 200
    assert download.content == video

    # The recording is personal data: deleting the interview deletes it, and the old URL stops working.
    deleted = server.request("DELETE", f"/v1/interviews/{interview_id}", account.token)
    assert deleted.json() == {"deleted": True, "refunded": False}
    assert requests.get(url, timeout=HTTP_TIMEOUT).status_code == 404


def test_pagination_is_full_pages_without_duplicates_and_filters_by_status(server: Server) -> None:
    account = server.seeded_account("pages")
    created = []
    for number in range(45):
        response = server.create_interview(account, title=f"Interview {number}")
        assert response.status_code == 201, response.text
        created.append(response.json()["id"])
    started = created[:2]
    for interview_id in started:
        server.admin_ok("start", interview_id)

    pages = _list_all(server, account, limit=20)
    assert [len(page) for page in pages] == [20, 20, 5]
    ids = [item["id"] for page in pages for item in page]
    assert len(set(ids)) == 45 and set(ids) == set(created)

    pending = _list_all(server, account, limit=20, status="PENDING")
    assert [len(page) for page in pending] == [20, 20, 3]
    pending_ids = [item["id"] for page in pending for item in page]
    assert len(set(pending_ids)) == 43 and set(pending_ids) == set(created) - set(started)
    assert all(item["status"] == "PENDING" for page in pending for item in page)

    in_progress = _list_all(server, account, limit=1, status="IN_PROGRESS")
    assert [len(page) for page in in_progress] == [1, 1]
    assert {item["id"] for page in in_progress for item in page} == set(started)

    assert _list_all(server, account, limit=20, status="FINISHED") == [[]]

    # A cursor belongs to the user it was issued to: another user gets a 400, never these interviews.
    first = server.request("GET", "/v1/interviews", account.token, params={"limit": 20}).json()
    intruder = server.seeded_account("intruder")
    foreign = server.request("GET", "/v1/interviews", intruder.token, params={"cursor": first["nextCursor"]})
    assert_error(foreign, 400, "validation_failed")


def test_patch_moves_updated_at_and_never_created_at(server: Server) -> None:
    account = server.seeded_account("patch")
    interview_id = server.create_interview(account).json()["id"]
    before = _get(server, account, interview_id)["interview"]
    time.sleep(0.02)

    response = server.request(
        "PATCH", f"/v1/interviews/{interview_id}", account.token, json={"title": "Backend engineer — round 2"}
    )
    assert response.status_code == 200, response.text
    patched = response.json()
    assert_timestamps(patched)
    assert patched["id"] == interview_id
    assert patched["title"] == "Backend engineer — round 2"
    assert patched["intervieweeName"] == before["intervieweeName"]
    assert patched["createdAt"] == before["createdAt"]
    assert patched["updatedAt"] > before["updatedAt"]
    assert _get(server, account, interview_id)["interview"] == patched


def test_delete_refunds_a_pending_interview_but_not_a_started_one(server: Server) -> None:
    account = server.seeded_account("refund")
    pending_id = server.create_interview(account).json()["id"]
    started_id = server.create_interview(account).json()["id"]
    server.admin_ok("start", started_id)

    refunded = server.request("DELETE", f"/v1/interviews/{pending_id}", account.token)
    assert refunded.status_code == 200, refunded.text
    assert refunded.json() == {"deleted": True, "refunded": True, "balanceAfter": 1}

    not_refunded = server.request("DELETE", f"/v1/interviews/{started_id}", account.token)
    assert not_refunded.status_code == 200, not_refunded.text
    assert not_refunded.json()["deleted"] is True and not_refunded.json()["refunded"] is False

    for interview_id in (pending_id, started_id):
        assert_error(server.request("GET", f"/v1/interviews/{interview_id}", account.token), 404, "not_found")
    # The balance is 1: exactly the one refund.
    assert server.create_interview(account).json()["balanceAfter"] == 0
    assert_error(server.create_interview(account), 402, "insufficient_balance")


def test_a_revoked_token_is_refused_on_the_very_next_request(server: Server) -> None:
    account = server.seeded_account("revoke")
    spare = server.admin_ok("create-token", account.user_id)["token"]
    assert server.request("GET", "/v1/interviews", account.token).status_code == 200

    assert server.admin_ok("revoke-token", account.token_id) == {"revoked": True}

    assert_error(server.request("GET", "/v1/interviews", account.token), 401, "invalid_token")
    assert_error(server.create_interview(account), 401, "invalid_token")
    # Only that token: the user's other token still works.
    assert server.request("GET", "/v1/interviews", spare).status_code == 200


def test_missing_or_malformed_authorization_is_unauthenticated(server: Server) -> None:
    assert_error(server.request("GET", "/v1/interviews"), 401, "unauthenticated")
    assert_error(server.request("GET", "/v1/plans", headers={"Authorization": "Token abc"}), 401, "unauthenticated")


def test_another_users_interview_answers_404_like_a_missing_one(server: Server) -> None:
    owner = server.seeded_account("owner")
    interview_id = server.create_interview(owner).json()["id"]
    acme_token = next(user for user in server.seeded if user["userId"] == "usr_acme")["tokens"][0]["token"]
    missing = str(uuid.uuid4())

    for method, body in (("GET", None), ("PATCH", {"title": "taken over"}), ("DELETE", None)):
        foreign = server.request(method, f"/v1/interviews/{interview_id}", acme_token, json=body)
        absent = server.request(method, f"/v1/interviews/{missing}", acme_token, json=body)
        assert_error(foreign, 404, "not_found")
        assert_error(absent, 404, "not_found")
        assert foreign.json() == absent.json(), method

    # Untouched for its owner.
    still = _get(server, owner, interview_id)["interview"]
    assert still["title"] == "Backend engineer — final round"
    acme_list = server.request("GET", "/v1/interviews", acme_token, params={"limit": 100}).json()
    assert interview_id not in {item["id"] for item in acme_list["items"]}


def test_unknown_path_is_404_and_wrong_method_is_405(server: Server) -> None:
    account = server.seeded_account("routes")
    assert_error(server.request("GET", "/v1/nothing-here", account.token), 404, "not_found")
    assert_error(server.request("GET", "/v2/interviews", account.token), 404, "not_found")
    wrong = server.request("PUT", "/v1/interviews", account.token, json={})
    assert_error(wrong, 405, "method_not_allowed")
    assert_error(server.request("POST", "/v1/plans", account.token, json={}), 405, "method_not_allowed")
    assert_error(
        server.request("POST", f"/v1/interviews/{uuid.uuid4()}", account.token, json={}), 405, "method_not_allowed"
    )
