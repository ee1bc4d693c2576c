"""Get with its record and pre-signed video URL; partial update; timestamps; unexpected failures."""

from __future__ import annotations

import json
import logging
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest

from functions.data import recordings
from functions.domain import interviews, post_processing, samples
from functions.models.post_processing import AnalysisCompleted
from functions.runtime.observability import logger
from testkit.accounts import Account, AccountFactory
from testkit.aws_calls import CallCounter
from testkit.handlers import Api

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def _get(api: Api, acc: Account, interview_id: str) -> Any:
    reply = api.call("GET", f"/v1/interviews/{interview_id}", token=acc.token)
    assert reply.status == 200, reply.body
    return reply.json()


def test_record_follows_the_lifecycle_and_the_video_url_appears_when_ready(
    api: Api, account: AccountFactory, aws_calls: CallCounter
) -> None:
    acc = account()
    interview_id = api.create(acc).json()["id"]
    assert _get(api, acc, interview_id)["record"] is None
    interviews.start(interview_id)
    started = _get(api, acc, interview_id)
    assert started["record"] is None and started["interview"]["status"] == "IN_PROGRESS"
    assert TIMESTAMP.match(started["interview"]["startedAt"])
    interviews.finish(interview_id)
    assert _get(api, acc, interview_id)["record"] == {
        "status": "IDLE",
        "summary": None,
        "results": [],
        "participants": [],
        "videoUrl": None,
    }
    video = samples.SAMPLE_VIDEO + b"\x00video"
    recordings.put_video(post_processing.recording_key(interview_id), video)
    post_processing.process(interview_id)
    assert _get(api, acc, interview_id)["record"]["status"] == "PROCESSING"
    results = [{"sectionId": "s1", "questionId": "q1", "score": 4.5, "notes": "clear"}]
    participants = [{"name": "Jane Doe", "role": "INTERVIEWEE"}]
    post_processing.analysis_completed(
        AnalysisCompleted.model_validate(
            {
                "interviewId": interview_id,
                "summary": "Strong on systems design",
                "results": results,
                "participants": participants,
            }
        )
    )
    aws_calls.reset()
    record = _get(api, acc, interview_id)["record"]
    # Signing is local: the two calls are the token (counted) and the interview, nothing for S3.
    assert sorted(aws_calls.calls) == ["GetItem", "UpdateItem"]
    assert (record["status"], record["summary"]) == ("READY", "Strong on systems design")
    assert record["results"] == results and record["participants"] == participants
    url = urlsplit(record["videoUrl"])
    query = parse_qs(url.query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Expires"] == ["3600"]
    assert url.path.endswith(f"/records/{acc.user_id}/{interview_id}.mp4")
    stored = boto3.client("s3").get_object(Bucket="quollo-records", Key=f"records/{acc.user_id}/{interview_id}.mp4")
    assert stored["Body"].read() == video


def test_patch_changes_fields_and_moves_updated_at_only(api: Api, account: AccountFactory) -> None:
    acc = account()
    interview_id = api.create(acc).json()["id"]
    before = _get(api, acc, interview_id)["interview"]
    reply = api.call(
        "PATCH", f"/v1/interviews/{interview_id}", token=acc.token, body={"title": "Round 2", "intervieweeName": "J"}
    )
    assert reply.status == 200
    after = reply.json()
    assert (after["title"], after["intervieweeName"]) == ("Round 2", "J")
    assert after["createdAt"] == before["createdAt"]
    assert after["updatedAt"] > before["updatedAt"]
    assert set(after) == set(before)  # same shape as a list item
    assert _get(api, acc, interview_id)["interview"] == after


def test_patch_to_another_own_plan(api: Api, account: AccountFactory) -> None:
    acc = account()
    from functions.domain import plans

    other = plans.create(acc.user_id, "Other plan", ["x"], "JUNIOR", "FR")
    interview_id = api.create(acc).json()["id"]
    reply = api.call("PATCH", f"/v1/interviews/{interview_id}", token=acc.token, body={"planId": other.id})
    assert (reply.status, reply.json()["planId"]) == (200, other.id)


def test_every_timestamp_is_iso_utc_with_milliseconds(api: Api, account: AccountFactory) -> None:
    acc = account()
    interview_id = api.create(acc).json()["id"]
    interviews.start(interview_id)
    interviews.finish(interview_id)
    item = api.call("GET", "/v1/interviews", token=acc.token).json()["items"][0]
    for name in ("createdAt", "updatedAt", "startedAt", "finishedAt"):
        assert TIMESTAMP.match(item[name]), (name, item[name])


def test_unexpected_failure_is_a_bare_500_logged_with_the_request_id(
    api: Api, account: AccountFactory, caplog: pytest.LogCaptureFixture
) -> None:
    acc = account()
    boto3.client("dynamodb").delete_table(TableName="quollo-interviews")
    with caplog.at_level(logging.ERROR):
        reply = api.call("GET", "/v1/interviews", token=acc.token)
    assert reply.status == 500
    assert reply.json() == {
        "error": {"code": "internal_error", "message": "Unexpected server-side failure. Safe to retry with backoff."}
    }
    assert "quollo-interviews" not in reply.body.decode() and "Traceback" not in reply.body.decode()
    record = next(record for record in caplog.records if record.getMessage() == "unexpected failure")
    failure = json.loads(logger.registered_formatter.format(record))  # the JSON line Lambda would log
    assert failure["correlation_id"] == reply.headers["X-Request-Id"]
    assert "ResourceNotFoundException" in failure["exception"]
