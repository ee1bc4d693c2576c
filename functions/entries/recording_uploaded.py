"""Post-processing, step one: invoked by the recordings queue, which S3 feeds with ObjectCreated under
the records prefix (not an HTTP route).

Each S3 record names a stored object; `post_processing.recording_uploaded` checks it and moves its
interview's record IDLE -> PROCESSING, publishing Recording Uploaded. An object that is no
interview's recording, an interview in another state (a test interview is born READY) and a video
of the wrong type or size are logged and left as they are. Anything else (DynamoDB, S3 or
EventBridge failing) reports the message as failed: SQS gives it again, and after its receives
moves it to the post-processing dead-letter queue.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.domain import post_processing
from functions.models.errors import Conflict, NotFound, ValidationFailed
from functions.runtime.init_collector import resumes_after_first_invocation
from functions.runtime.observability import logger
from functions.runtime.sqs_batch import each_message


def _objects(body: str) -> list[tuple[str, str, str]]:
    """(event name, bucket, key) of each S3 record in a notification; none in S3's s3:TestEvent."""
    notification = json.loads(body)
    found = []
    for record in notification.get("Records") or []:
        s3 = record.get("s3") or {}
        # S3 URL-encodes keys in notifications (a space is "+").
        key = unquote_plus(str((s3.get("object") or {}).get("key", "")))
        found.append((str(record.get("eventName", "")), str((s3.get("bucket") or {}).get("name", "")), key))
    return found


def _one(body: str) -> None:
    for event_name, bucket, key in _objects(body):
        if not event_name.startswith("ObjectCreated"):
            continue
        try:
            interview = post_processing.recording_uploaded(key)
        except (Conflict, NotFound, ValidationFailed) as exc:
            logger.warning(
                "recording not processed; the record is left as it is", bucket=bucket, key=key, reason=exc.message
            )
            continue
        logger.info("recording processed", interview_id=interview.id, key=key)


@resumes_after_first_invocation
@logger.inject_lambda_context(clear_state=True, log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return each_message(event, _one, "recording failed; SQS gives it again")
