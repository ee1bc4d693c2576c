"""DELETE /v1/interviews/{id}: delete, refunding the credit of a PENDING interview."""

from typing import Any

from functions.domain import interviews
from functions.models import json_views
from functions.runtime import idempotency
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.observability import Metric, count
from functions.runtime.openapi_docs import responses
from functions.runtime.path_params import InterviewId

# No body: no validating resolver, no pydantic (decisions 18).
app = build_app(validation=False)
once = idempotency.IdempotentRoute("delete_interview")


def _delete(user_id: str, interview_id: str) -> idempotency.Outcome:
    deleted = interviews.delete(user_id, interview_id)
    if deleted.refunded:
        count(Metric.CREDITS_REFUNDED)
    return idempotency.Outcome(status=200, body=json_views.interview_deleted(deleted.refunded, deleted.balance_after))


@app.delete(
    "/v1/interviews/<id>",
    summary="Delete interview",
    description="Deletes the interview; a PENDING charged interview's credit is refunded exactly once.",
    tags=["Interviews"],
    responses=responses(200, "InterviewDeleted", "Deleted; balanceAfter only with a refund", 400, 404, 409, 422),
)
def delete_interview(
    id: InterviewId,
    idempotency_key: idempotency.KeyHeader = None,
) -> dict[str, Any]:
    user_id = current_user(app)
    outcome = once.run_for_request(app, {"id": id}, lambda: _delete(user_id, id))
    return outcome.body


handler = lambda_entry(app, delete_interview)
