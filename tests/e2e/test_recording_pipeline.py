"""Post-processing under `quollo serve` (docs/lifecycle.md): the recording's upload to the local S3 moves
the record to PROCESSING and publishes Recording Uploaded on the local bus; `quollo admin
analysis-completed` puts the analysis service's event, which sets it READY and fires the
`analysis.completed` webhook. The server is this module's own: the test looks into its queues.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from e2e_support import (
    HTTP_TIMEOUT,
    Server,
    interview_record,
    queue_drained,
    record_in,
    start_server,
    stop_server,
    until,
)
from svix.webhooks import Webhook as SvixWebhook

from functions.data.schema import ANALYSIS_QUEUE_DEFAULT
from functions.domain.samples import SAMPLE_VIDEO
from testkit.aws import REGION
from testkit.webhook_receiver import Receiver

RESULTS = [{"sectionId": "s1", "questionId": "q1", "score": 4, "notes": "clear answer"}]
PARTICIPANTS = [{"name": "Jane Doe", "role": "INTERVIEWEE"}, {"name": "Quollo", "role": "INTERVIEWER"}]
SUMMARY = "Strong on systems design, weaker on testing."


@pytest.fixture(scope="module")
def processing_server() -> Iterator[Server]:
    server = start_server(None)
    try:
        yield server
    finally:
        stop_server(server)


def _messages(server: Server, queue: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", endpoint_url=server.aws_url, region_name=REGION)
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
    return [dict(message) for message in got.get("Messages", [])]


def test_an_uploaded_recording_is_processed_and_its_results_arrive_as_an_event(
    processing_server: Server, receiver: Receiver, tmp_path: Path
) -> None:
    server = processing_server
    account = server.new_account(credits=2)
    hook = server.request("POST", "/v1/webhooks", account.token, json={"url": receiver.url("/done")}).json()
    interview_id = server.create_interview(account).json()["id"]
    server.admin_ok("start", interview_id)
    server.admin_ok("finish", interview_id)
    assert interview_record(server, account, interview_id)["status"] == "IDLE"

    # What the room's pre-signed PUT does: the bytes at the interview's recording key.
    video = SAMPLE_VIDEO + os.urandom(100_000)
    s3 = boto3.client("s3", endpoint_url=server.aws_url, region_name=REGION)
    key = f"records/{account.user_id}/{interview_id}.mp4"
    s3.put_object(Bucket="quollo-records", Key=key, Body=video, ContentType="video/mp4")
    processing = until("PROCESSING", record_in(server, account, interview_id, "PROCESSING"))
    assert processing["videoUrl"] is None

    # The analysis service's side: Recording Uploaded, on the bus (a local rule keeps it in a queue).
    requested = until("Recording Uploaded", lambda: _messages(server, "quollo-analysis-requests"))
    [event] = [json.loads(m["Body"]) for m in requested]
    assert (event["source"], event["detail-type"]) == ("quollo.recordings", "Recording Uploaded")
    assert event["detail"] == {
        "interviewId": interview_id,
        "ownerId": account.user_id,
        "bucket": "quollo-records",
        "key": key,
        "size": len(video),
    }

    results = tmp_path / "results.json"
    results.write_text(json.dumps({"summary": SUMMARY, "results": RESULTS, "participants": PARTICIPANTS}))
    put = server.admin_ok("analysis-completed", interview_id, "--file", str(results))
    assert put["interviewId"] == interview_id and put["eventId"]
    record = until("READY", record_in(server, account, interview_id, "READY"))
    assert (record["summary"], record["results"], record["participants"]) == (SUMMARY, RESULTS, PARTICIPANTS)
    download = requests.get(record["videoUrl"], timeout=HTTP_TIMEOUT)
    assert download.status_code == 200 and download.content == video

    received = receiver.wait_for("/done", 4)
    for delivery in received:
        SvixWebhook(hook["secret"]).verify(delivery.body, delivery.headers)
    payloads = [json.loads(delivery.body) for delivery in received]
    assert [p["type"] for p in payloads] == [
        "interview.created",
        "interview.started",
        "interview.completed",
        "analysis.completed",
    ]
    assert payloads[-1]["data"]["record"]["summary"] == SUMMARY
    assert payloads[-1]["data"]["record"]["results"] == RESULTS

    # The same event again changes nothing.
    server.admin_ok("analysis-completed", interview_id, "--file", str(results))
    # The bus's rule queued the duplicate before the command returned, and the worker deletes it once
    # handled (a duplicate changes nothing and is not retried): an empty queue means it was refused.
    queue_drained(server, ANALYSIS_QUEUE_DEFAULT)
    assert interview_record(server, account, interview_id)["summary"] == SUMMARY


def test_a_wrong_upload_stays_idle_and_an_invalid_event_is_dead_lettered(processing_server: Server) -> None:
    server = processing_server
    account = server.new_account(credits=1)
    interview_id = server.create_interview(account).json()["id"]
    server.admin_ok("start", interview_id)
    server.admin_ok("finish", interview_id)
    s3 = boto3.client("s3", endpoint_url=server.aws_url, region_name=REGION)
    key = f"records/{account.user_id}/{interview_id}.mp4"
    s3.put_object(Bucket="quollo-records", Key=key, Body=b"%PDF-1.7 not a video", ContentType="application/pdf")
    until("the server's warning", lambda: "recording type 'application/pdf'" in server.output)
    assert interview_record(server, account, interview_id)["status"] == "IDLE"

    events = boto3.client("events", endpoint_url=server.aws_url, region_name=REGION)
    detail = {"interviewId": interview_id, "summary": "s", "results": [{"score": 1}], "participants": []}
    events.put_events(
        Entries=[
            {
                "EventBusName": "quollo-local",
                "Source": "quollo.analysis",
                "DetailType": "Analysis Completed",
                "Detail": json.dumps(detail),
            }
        ]
    )
    [dead] = until("the dead letter", lambda: _messages(server, "quollo-post-processing-dead"))
    assert json.loads(dead["Body"])["detail"] == detail
    assert "results.0.sectionId" in dead["MessageAttributes"]["reason"]["StringValue"]
    assert interview_record(server, account, interview_id)["status"] == "IDLE"


def test_a_test_interview_still_completes_at_once(processing_server: Server) -> None:
    server = processing_server
    account = server.new_account(credits=0)
    created = server.request(
        "POST",
        "/v1/interviews",
        account.token,
        json={"title": "Test", "planId": account.plan_id, "intervieweeName": "Jane", "isTest": True},
    )
    assert created.status_code == 201, created.text
    interview_id = created.json()["id"]
    assert interview_record(server, account, interview_id)["status"] == "READY"
    # Its sample video's upload notification reaches the worker, which leaves a READY record alone.
    until("the server's warning", lambda: f"{interview_id} is FINISHED with record READY" in server.output)
    assert interview_record(server, account, interview_id)["status"] == "READY"
