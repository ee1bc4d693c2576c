"""Post-processing on moto: the recording's S3 ObjectCreated (as the recordings queue delivers it) and the
bus's Analysis Completed (as the analysis queue delivers it), each through its handler.

The events are the ones moto makes: S3 sends its notification to the provisioned queue, EventBridge
routes a PutEvents through the provisioned rule; Recording Uploaded is captured with a rule of the
test's own to a queue of its own.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import unquote_plus

import boto3
import pytest

from functions.data import recordings, schema
from functions.data.settings import settings
from functions.domain import interviews, post_processing
from functions.domain.samples import SAMPLE_VIDEO
from functions.entries import analysis_completed, recording_uploaded
from functions.local.gateway import LocalContext
from functions.local.processing_worker import lambda_event
from functions.models.errors import Conflict
from functions.models.post_processing import (
    ANALYSIS_COMPLETED,
    ANALYSIS_SOURCE,
    RECORDING_SOURCE,
    RECORDING_UPLOADED,
    AnalysisCompleted,
    pattern,
)
from functions.runtime.observability import logger
from testkit.accounts import Account, AccountFactory
from testkit.handlers import Api

WEBM = b"\x1a\x45\xdf\xa3" + b"\x00" * 60
RESULTS = [{"sectionId": "s1", "questionId": "q1", "score": 4, "notes": "clear answer"}]
PARTICIPANTS = [{"name": "Jane Doe", "role": "INTERVIEWEE"}, {"name": "Quollo", "role": "INTERVIEWER"}]


def _sqs() -> Any:
    return boto3.client("sqs")


def _url(name: str) -> str:
    return str(_sqs().get_queue_url(QueueName=name)["QueueUrl"])


def _drain(name: str) -> list[dict[str, Any]]:
    """Every message on the queue now, deleted from it."""
    url, found = _url(name), list[dict[str, Any]]()
    while True:
        got = _sqs().receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
        messages = got.get("Messages", [])
        if not messages:
            return found
        for message in messages:
            _sqs().delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        found += messages


def _as_lambda(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """SQS messages as Lambda's SQS event source hands them to a function (as quollo serve hands them)."""
    return lambda_event(messages, "arn:aws:sqs:us-east-1:123456789012:queue")


@pytest.fixture
def queues(moto_aws: None) -> Iterator[None]:
    """The post-processing queues emptied of what earlier tests left (every upload notifies)."""
    for name in (schema.RECORDINGS_QUEUE_DEFAULT, schema.ANALYSIS_QUEUE_DEFAULT, schema.PROCESSING_DLQ_DEFAULT):
        _drain(name)
    yield


@pytest.fixture
def published(queues: None) -> Iterator[str]:
    """A queue of this test's own that a rule on the bus fills with Recording Uploaded."""
    events, name = boto3.client("events"), f"captured-{uuid.uuid4().hex[:12]}"
    url = _sqs().create_queue(QueueName=name)["QueueUrl"]
    arn = _sqs().get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bus = settings().event_bus
    events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(pattern(RECORDING_UPLOADED)))
    events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "capture", "Arn": arn}])
    yield name
    events.remove_targets(Rule=name, EventBusName=bus, Ids=["capture"])
    events.delete_rule(Name=name, EventBusName=bus)
    _sqs().delete_queue(QueueUrl=url)


def _finished(api: Api, acc: Account) -> str:
    interview_id = str(api.create(acc).json()["id"])
    interviews.start(interview_id)
    interviews.finish(interview_id)
    return interview_id


def _upload(acc: Account, interview_id: str, body: bytes, content_type: str = "video/mp4") -> dict[str, Any]:
    """Store the recording as the room's PUT would, and the SQS-wrapped S3 notification it caused."""
    key = recordings.video_key(acc.user_id, interview_id)
    boto3.client("s3").put_object(Bucket=settings().records_bucket, Key=key, Body=body, ContentType=content_type)
    messages = _drain(schema.RECORDINGS_QUEUE_DEFAULT)
    assert len(messages) == 1, messages
    notification = json.loads(messages[0]["Body"])
    [record] = notification["Records"]
    # URL-encoded, as S3 sends keys (moto encodes "/" too)
    assert record["eventName"].startswith("ObjectCreated") and unquote_plus(record["s3"]["object"]["key"]) == key
    return _as_lambda(messages)


def _record(api: Api, acc: Account, interview_id: str) -> Any:
    reply = api.call("GET", f"/v1/interviews/{interview_id}", token=acc.token)
    assert reply.status == 200, reply.body
    return reply.json()["record"]


# Handlers take a Lambda context; LocalContext has the attributes Powertools reads.
ON_UPLOAD: Callable[[dict[str, Any], Any], dict[str, Any]] = recording_uploaded.handler
ON_ANALYSIS: Callable[[dict[str, Any], Any], dict[str, Any]] = analysis_completed.handler


def _on_upload(event: dict[str, Any]) -> dict[str, Any]:
    return ON_UPLOAD(event, LocalContext(function_name="quollo-recording_uploaded"))


def _on_analysis(event: dict[str, Any]) -> dict[str, Any]:
    return ON_ANALYSIS(event, LocalContext(function_name="quollo-analysis_completed"))


def _logged(caplog: pytest.LogCaptureFixture, message: str) -> list[dict[str, Any]]:
    """The JSON lines Lambda would log with this message."""
    return [
        json.loads(logger.registered_formatter.format(record))
        for record in caplog.records
        if record.getMessage() == message
    ]


def _details(queue: str) -> list[dict[str, Any]]:
    return [json.loads(m["Body"]) for m in _drain(queue)]


@pytest.mark.parametrize(
    ("body", "content_type"), [(SAMPLE_VIDEO, "video/mp4"), (WEBM, "video/webm")], ids=["mp4", "webm"]
)
def test_an_uploaded_recording_moves_the_record_to_processing_and_publishes_recording_uploaded(
    api: Api, account: AccountFactory, published: str, body: bytes, content_type: str
) -> None:
    acc = account()
    interview_id = _finished(api, acc)
    assert _on_upload(_upload(acc, interview_id, body, content_type)) == {"batchItemFailures": []}
    assert _record(api, acc, interview_id)["status"] == "PROCESSING"
    [event] = _details(published)
    assert (event["source"], event["detail-type"]) == (RECORDING_SOURCE, RECORDING_UPLOADED)
    assert event["detail"] == {
        "interviewId": interview_id,
        "ownerId": acc.user_id,
        "bucket": settings().records_bucket,
        "key": f"records/{acc.user_id}/{interview_id}.mp4",
        "size": len(body),
    }


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b"hello", "text/plain", "recording type 'text/plain' is not one of"),
        (b"<html>not a video at all</html>", "video/mp4", "recording bytes are not a video/mp4 file"),
        (SAMPLE_VIDEO, "video/webm", "recording bytes are not a video/webm file"),
        (b"", "video/mp4", "recording of 0 bytes"),
    ],
    ids=["text", "not-mp4-bytes", "mp4-bytes-as-webm", "empty"],
)
def test_a_wrong_recording_is_logged_and_left_idle_and_publishes_nothing(
    api: Api,
    account: AccountFactory,
    published: str,
    caplog: pytest.LogCaptureFixture,
    body: bytes,
    content_type: str,
    reason: str,
) -> None:
    acc = account()
    interview_id = _finished(api, acc)
    with caplog.at_level(logging.WARNING):
        assert _on_upload(_upload(acc, interview_id, body, content_type)) == {"batchItemFailures": []}
    assert _record(api, acc, interview_id)["status"] == "IDLE"
    assert _details(published) == []
    [line] = _logged(caplog, "recording not processed; the record is left as it is")
    assert line["level"] == "WARNING" and reason in line["reason"], line
    assert line["key"] == f"records/{acc.user_id}/{interview_id}.mp4"


def test_an_upload_in_any_other_state_changes_nothing(api: Api, account: AccountFactory, published: str) -> None:
    acc = account()
    pending = str(api.create(acc).json()["id"])
    _on_upload(_upload(acc, pending, SAMPLE_VIDEO))
    assert _record(api, acc, pending) is None
    # A test interview is born READY and stores its sample video: its notification changes nothing.
    test_interview = str(api.create(acc, isTest=True).json()["id"])
    notified = _as_lambda(_drain(schema.RECORDINGS_QUEUE_DEFAULT))
    assert len(notified["Records"]) == 1
    assert _on_upload(notified) == {"batchItemFailures": []}
    assert _record(api, acc, test_interview)["status"] == "READY"
    assert _details(published) == []


def _room(api: Api, interview_id: str, pin: str) -> Callable[[str], Any]:
    """The candidate's room for the interview: join with its pin, then a step (start, finish) with the
    room token."""
    joined = api.call("POST", f"/v1/rooms/{interview_id}/join", body={"pin": pin})
    assert joined.status == 200, joined.body
    token = joined.json()["roomToken"]
    return lambda step: api.call("POST", f"/v1/rooms/{interview_id}/{step}", token=token)


def test_a_recording_uploaded_during_the_interview_is_processed_when_the_room_finishes(
    api: Api, account: AccountFactory, published: str
) -> None:
    """The room may upload while IN_PROGRESS: that upload's notification finds no record to move, so
    the finish takes the stored recording into processing, once."""
    acc = account()
    created = api.create(acc).json()
    interview_id, room = created["id"], _room(api, created["id"], created["pin"])
    assert room("start").status == 200
    assert _on_upload(_upload(acc, interview_id, SAMPLE_VIDEO)) == {"batchItemFailures": []}
    assert _details(published) == []  # IN_PROGRESS: nothing to process yet
    finished = room("finish")
    assert finished.status == 200, finished.body
    assert finished.json()["status"] == "FINISHED"
    assert _record(api, acc, interview_id)["status"] == "PROCESSING"
    [event] = _details(published)
    assert event["detail"]["interviewId"] == interview_id and event["detail"]["size"] == len(SAMPLE_VIDEO)
    # A retried finish answers as the first did and asks for nothing more.
    assert room("finish").json() == finished.json()
    assert _record(api, acc, interview_id)["status"] == "PROCESSING"


def test_a_finish_without_a_recording_or_with_a_wrong_one_leaves_the_record_idle(
    api: Api, account: AccountFactory, published: str
) -> None:
    acc = account()
    created = api.create(acc).json()
    interview_id, room = created["id"], _room(api, created["id"], created["pin"])
    assert room("start").status == 200
    assert room("finish").status == 200
    assert _record(api, acc, interview_id)["status"] == "IDLE"
    other = api.create(acc).json()
    other_room = _room(api, other["id"], other["pin"])
    assert other_room("start").status == 200
    _on_upload(_upload(acc, other["id"], b"<html>not a video</html>"))
    assert other_room("finish").status == 200
    assert _record(api, acc, other["id"])["status"] == "IDLE"
    assert _details(published) == []


def test_a_repeated_notification_changes_nothing_and_asks_for_the_analysis_again(
    api: Api, account: AccountFactory, published: str
) -> None:
    acc = account()
    interview_id = _finished(api, acc)
    event = _upload(acc, interview_id, SAMPLE_VIDEO)
    _on_upload(event)
    processing = _record(api, acc, interview_id)
    _on_upload(event)  # S3 notifies at least once; a publish that failed is retried this way too
    assert _record(api, acc, interview_id) == processing
    assert [e["detail"]["interviewId"] for e in _details(published)] == [interview_id, interview_id]


def test_a_key_that_is_no_recording_is_logged(queues: None, caplog: pytest.LogCaptureFixture) -> None:
    key = f"records/usr_nobody/{uuid.uuid4()}.mp4"
    boto3.client("s3").put_object(Bucket=settings().records_bucket, Key=key, Body=SAMPLE_VIDEO)
    with caplog.at_level(logging.WARNING):
        assert _on_upload(_as_lambda(_drain(schema.RECORDINGS_QUEUE_DEFAULT))) == {"batchItemFailures": []}
    [line] = _logged(caplog, "recording not processed; the record is left as it is")
    assert "does not exist" in line["reason"] and line["key"] == key


def _put_analysis(detail: Any, detail_type: str = ANALYSIS_COMPLETED) -> dict[str, Any]:
    """PutEvents as the analysis service calls it; the event as the provisioned rule queues it."""
    reply = boto3.client("events").put_events(
        Entries=[
            {
                "EventBusName": settings().event_bus,
                "Source": ANALYSIS_SOURCE,
                "DetailType": detail_type,
                "Detail": json.dumps(detail),
            }
        ]
    )
    assert reply["FailedEntryCount"] == 0
    return _as_lambda(_drain(schema.ANALYSIS_QUEUE_DEFAULT))


def _processing(api: Api, acc: Account) -> str:
    interview_id = _finished(api, acc)
    _on_upload(_upload(acc, interview_id, SAMPLE_VIDEO))
    return interview_id


def _analysis(interview_id: str, summary: str = "Strong on systems design") -> dict[str, Any]:
    return {"interviewId": interview_id, "summary": summary, "results": RESULTS, "participants": PARTICIPANTS}


def test_analysis_completed_sets_the_record_ready_with_its_fields(
    api: Api, account: AccountFactory, published: str
) -> None:
    acc = account()
    interview_id = _processing(api, acc)
    event = _put_analysis(_analysis(interview_id))
    assert len(event["Records"]) == 1
    envelope = json.loads(event["Records"][0]["body"])
    assert (envelope["source"], envelope["detail-type"]) == (ANALYSIS_SOURCE, ANALYSIS_COMPLETED)
    assert _on_analysis(event) == {"batchItemFailures": []}
    record = _record(api, acc, interview_id)
    assert record["status"] == "READY" and record["summary"] == "Strong on systems design"
    assert (record["results"], record["participants"]) == (RESULTS, PARTICIPANTS)
    assert f"/records/{acc.user_id}/{interview_id}.mp4" in record["videoUrl"]
    assert _details(schema.PROCESSING_DLQ_DEFAULT) == []


def test_a_duplicate_or_out_of_order_analysis_changes_nothing(
    api: Api, account: AccountFactory, published: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    acc = account()
    # Ahead of its recording: the record is IDLE, and stays so.
    early = _finished(api, acc)
    assert _on_analysis(_put_analysis(_analysis(early))) == {"batchItemFailures": []}
    assert _record(api, acc, early)["status"] == "IDLE"
    # A second, different event for a READY record changes nothing.
    interview_id = _processing(api, acc)
    _on_analysis(_put_analysis(_analysis(interview_id)))
    ready = _record(api, acc, interview_id)
    assert _on_analysis(_put_analysis(_analysis(interview_id, summary="another summary"))) == {"batchItemFailures": []}
    after = _record(api, acc, interview_id)
    assert after["summary"] == ready["summary"] and after["results"] == ready["results"]
    # An interview deleted meanwhile: nothing to change.
    assert _on_analysis(_put_analysis(_analysis(str(uuid.uuid4())))) == {"batchItemFailures": []}
    reasons = [line["reason"] for line in _logged(caplog, "Analysis Completed changed nothing")]
    assert len(reasons) == 3 and "does not exist" in reasons[2], reasons
    assert _details(schema.PROCESSING_DLQ_DEFAULT) == []


@pytest.mark.parametrize(
    ("detail", "reason"),
    [
        ({"interviewId": "x", "summary": "s", "results": [{"sectionId": "s1"}], "participants": []}, "results.0"),
        ({"interviewId": "x", "summary": "s", "results": [], "participants": [], "extra": 1}, "extra"),
        ({"summary": "s", "results": [], "participants": []}, "interviewId"),
        ({"interviewId": "x", "summary": "s", "results": "none", "participants": []}, "results"),
    ],
    ids=["result-row", "unknown-field", "no-id", "results-not-a-list"],
)
def test_an_invalid_analysis_goes_to_the_dead_letter_queue_with_its_reason(
    api: Api, account: AccountFactory, published: str, detail: dict[str, Any], reason: str
) -> None:
    acc = account()
    interview_id = _processing(api, acc)
    if "interviewId" in detail:
        detail = detail | {"interviewId": interview_id}
    event = _put_analysis(detail)
    assert _on_analysis(event) == {"batchItemFailures": []}  # kept, not retried: a retry cannot fix it
    assert _record(api, acc, interview_id)["status"] == "PROCESSING"
    [dead] = _drain(schema.PROCESSING_DLQ_DEFAULT)
    assert dead["Body"] == event["Records"][0]["body"]
    assert reason in dead["MessageAttributes"]["reason"]["StringValue"]


def test_a_failure_that_may_pass_is_reported_for_sqs_to_retry(
    api: Api, account: AccountFactory, published: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    acc = account()
    interview_id = _processing(api, acc)
    event = _put_analysis(_analysis(interview_id))
    # The interviews table is missing (a deployment fault): DynamoDB's ResourceNotFoundException.
    monkeypatch.setenv(schema.INTERVIEWS.env_var, "quollo-no-such-table")
    settings.cache_clear()
    assert _on_analysis(event) == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    monkeypatch.delenv(schema.INTERVIEWS.env_var)
    settings.cache_clear()
    assert _record(api, acc, interview_id)["status"] == "PROCESSING"
    assert _details(schema.PROCESSING_DLQ_DEFAULT) == []


def test_admin_process_and_ready_share_the_handlers_code_and_events(
    api: Api, account: AccountFactory, published: str
) -> None:
    acc = account()
    interview_id = _finished(api, acc)
    with pytest.raises(Exception, match="no recording is stored"):
        post_processing.process(interview_id)
    recordings.put_video(post_processing.recording_key(interview_id), SAMPLE_VIDEO)
    assert post_processing.process(interview_id).record is not None
    [event] = _details(published)
    assert event["detail-type"] == RECORDING_UPLOADED and event["detail"]["interviewId"] == interview_id
    model = AnalysisCompleted.model_validate(_analysis(interview_id))
    assert post_processing.analysis_completed(model).record is not None
    with pytest.raises(Conflict):
        post_processing.analysis_completed(model)
    assert _record(api, acc, interview_id)["status"] == "READY"
