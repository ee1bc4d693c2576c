"""Post-processing, step two: invoked by the analysis queue, which the bus's rule feeds with the
analysis service's Analysis Completed events (not an HTTP route).

A valid event sets its interview's record READY with the results (`post_processing.analysis_completed`,
conditioned on PROCESSING); the stream then fires the `analysis.completed` webhook. A duplicate, an
event ahead of its recording or for a deleted interview changes nothing and is logged. An invalid
event (not the model in functions/models/post_processing.py) is sent to the post-processing
dead-letter queue at once, with the reason: retrying it could never succeed. Anything else reports
the message as failed: SQS gives it again, and after its receives moves it to the same queue.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from functions.data import post_processing as bus
from functions.domain import post_processing
from functions.models.errors import Conflict, NotFound
from functions.models.post_processing import ANALYSIS_COMPLETED, AnalysisCompleted
from functions.runtime.init_collector import resumes_after_first_invocation
from functions.runtime.observability import logger
from functions.runtime.sqs_batch import each_message


def parse(body: str) -> AnalysisCompleted:
    """The event's detail; ValueError naming what is wrong with it."""
    try:
        envelope = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc}") from exc
    if not isinstance(envelope, dict) or envelope.get("detail-type") != ANALYSIS_COMPLETED:
        raise ValueError(f"not an {ANALYSIS_COMPLETED} event")
    try:
        return AnalysisCompleted.model_validate(envelope.get("detail"))
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'detail'}: {e['msg']}" for e in exc.errors())
        raise ValueError(problems) from exc


def _one(body: str) -> None:
    try:
        event = parse(body)
    except ValueError as exc:
        logger.error("invalid Analysis Completed event; kept in the dead-letter queue", reason=str(exc))
        bus.dead_letter(body, str(exc))
        return
    try:
        interview = post_processing.analysis_completed(event)
    except (Conflict, NotFound) as exc:
        logger.warning("Analysis Completed changed nothing", interview_id=event.interviewId, reason=exc.message)
        return
    logger.info("record READY", interview_id=interview.id)


@resumes_after_first_invocation
@logger.inject_lambda_context(clear_state=True, log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return each_message(event, _one, "Analysis Completed failed; SQS gives it again")
