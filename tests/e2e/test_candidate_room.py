"""The candidate's room over HTTP against `quollo serve`: join by pin, start, upload the recording to the
pre-signed URL, finish; post-processing takes the recording and the analysis's results make the record
READY; the webhook events in the events feed; `quollo admin` on the same steps."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import boto3
import requests
from e2e_support import HTTP_TIMEOUT, Server, record_in, until

from functions.data.schema import RECORDS_BUCKET_DEFAULT
from testkit.accounts import Account, create_body
from testkit.api_errors import assert_error
from testkit.aws import fake_aws_env

RESULTS = [{"sectionId": "s1", "questionId": "q1", "score": 4, "notes": "clear answer"}]
PARTICIPANTS = [{"name": "Jane Doe", "role": "INTERVIEWEE"}, {"name": "Quollo", "role": "INTERVIEWER"}]
SUMMARY = "Strong on systems design, weaker on testing."


def _create(server: Server, account: Account, **overrides: Any) -> dict[str, Any]:
    reply = server.request("POST", "/v1/interviews", account.token, json=create_body(account.plan_id, **overrides))
    assert reply.status_code == 201, reply.text
    created: dict[str, Any] = reply.json()
    return created


def _join(server: Server, interview: dict[str, Any]) -> str:
    reply = server.request("POST", f"/v1/rooms/{interview['id']}/join", json={"pin": interview["pin"]})
    assert reply.status_code == 200, reply.text
    token: str = reply.json()["roomToken"]
    return token


def _events(server: Server, account: Account, kind: str, interview_id: str, timeout: float = 20) -> list[Any]:
    """The account's events of `kind` for the interview, once the fan-out has recorded one."""
    until = time.monotonic() + timeout
    while True:
        items = server.request("GET", f"/v1/events?type={kind}", account.token).json()["items"]
        found = [event for event in items if event["data"]["interview"]["id"] == interview_id]
        if found or time.monotonic() > until:
            return found
        time.sleep(0.1)


def _s3(server: Server) -> Any:
    env = fake_aws_env(server.aws_url)
    return boto3.client(
        "s3",
        endpoint_url=server.aws_url,
        region_name=env["AWS_DEFAULT_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )


def test_a_candidate_joins_starts_uploads_and_finishes_and_the_results_arrive(server: Server, tmp_path: Path) -> None:
    account = server.new_account(credits=2)
    interview = _create(server, account)
    token = _join(server, interview)
    room = f"/v1/rooms/{interview['id']}"

    started = server.request("POST", f"{room}/start", token)
    assert started.status_code == 200 and started.json()["status"] == "IN_PROGRESS", started.text
    video = b"\x1aE\xdf\xa3 a webm recording " * 1000
    upload = server.request("POST", f"{room}/recording", token, json={"contentType": "video/webm", "size": len(video)})
    assert upload.status_code == 200, upload.text
    url = upload.json()
    put = requests.put(url["uploadUrl"], data=video, headers=url["headers"], timeout=HTTP_TIMEOUT)
    assert put.status_code == 200, put.text
    stored = _s3(server).get_object(
        Bucket=RECORDS_BUCKET_DEFAULT, Key=f"records/{account.user_id}/{interview['id']}.mp4"
    )
    assert stored["Body"].read() == video and stored["ContentType"] == "video/webm"

    finished = server.request("POST", f"{room}/finish", token)
    assert finished.status_code == 200 and finished.json()["status"] == "FINISHED", finished.text
    # Uploaded during the interview: the finish takes the recording into processing.
    detail = server.request("GET", f"/v1/interviews/{interview['id']}", account.token).json()
    assert detail["interview"]["status"] == "FINISHED" and detail["record"]["status"] == "PROCESSING"
    assert server.request("POST", f"{room}/finish", token).status_code == 200

    # The analysis service's results, as `quollo admin analysis-completed` puts them on the local bus.
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"summary": SUMMARY, "results": RESULTS, "participants": PARTICIPANTS}))
    server.admin_ok("analysis-completed", interview["id"], "--file", str(results))
    record = until("READY", record_in(server, account, interview["id"], "READY"))
    assert (record["summary"], record["results"], record["participants"]) == (SUMMARY, RESULTS, PARTICIPANTS)
    download = requests.get(record["videoUrl"], timeout=HTTP_TIMEOUT)
    assert download.status_code == 200 and download.content == video
    # The room's steps and the analysis fire the webhook events, once each (repeats changed nothing).
    for kind in ("interview.started", "interview.completed", "analysis.completed"):
        assert len(_events(server, account, kind, interview["id"])) == 1, kind
    assert_error(server.request("POST", f"{room}/join", json={"pin": interview["pin"]}), 409, "room_closed")
    # The API token opens no room; the room token opens no API route.
    assert server.request("POST", f"{room}/start", account.token).status_code == 401
    assert server.request("GET", f"/v1/interviews/{interview['id']}", token).status_code == 401


def test_quollo_admin_runs_the_rooms_steps(server: Server) -> None:
    account = server.new_account(credits=2)
    interview = _create(server, account)
    token = _join(server, interview)
    by_admin = server.admin_ok("start", interview["id"])
    by_room = server.request("POST", f"/v1/rooms/{interview['id']}/start", token).json()
    assert by_room["status"] == "IN_PROGRESS" and by_room["startedAt"] == by_admin["startedAt"]
    assert server.admin_ok("start", interview["id"])["startedAt"] == by_admin["startedAt"]  # a no-op, as the room's
    assert server.admin_ok("finish", interview["id"])["status"] == "FINISHED"
    assert server.request("POST", f"/v1/rooms/{interview['id']}/finish", token).json()["status"] == "FINISHED"
    assert len(_events(server, account, "interview.started", interview["id"])) == 1
    assert len(_events(server, account, "interview.completed", interview["id"])) == 1
    # A test interview still completes at once: its room is closed from the start.
    test = _create(server, account, isTest=True)
    closed = server.request("POST", f"/v1/rooms/{test['id']}/join", json={"pin": test["pin"]})
    assert_error(closed, 409, "room_closed")


def test_a_brute_force_of_pins_is_locked_after_five(server: Server) -> None:
    account = server.new_account(credits=1)
    interview = _create(server, account)
    wrong = f"{(int(interview['pin']) + 1) % 10_000:04d}"
    join = f"/v1/rooms/{interview['id']}/join"
    answers = [server.request("POST", join, json={"pin": wrong}) for _ in range(6)]
    for answer in answers[:5]:
        assert_error(answer, 401, "invalid_pin")
    assert_error(answers[5], 429, "room_locked")
    assert int(answers[5].headers["Retry-After"]) > 0
    # Locked is locked: the right pin too, until the window passes.
    assert_error(server.request("POST", join, json={"pin": interview["pin"]}), 429, "room_locked")
