"""DELETE /v1/interviews/{id}: delete, refunding the credit of a PENDING interview."""

from typing import Any

from functions.domain import interviews
from functions.models.api import InterviewDeleted
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import responses

app = build_app()


@app.delete(
    "/v1/interviews/<id>",
    summary="Delete interview",
    description="Deletes the interview; a PENDING charged interview's credit is refunded exactly once.",
    tags=["Interviews"],
    responses=responses(200, InterviewDeleted, "Deleted; balanceAfter only with a refund", 404),
)
def delete_interview(id: str) -> dict[str, Any]:  # noqa: A002
    deleted = interviews.delete(current_user(app), id)
    # balanceAfter only accompanies a refund, as in the API reference.
    return InterviewDeleted(deleted=True, refunded=deleted.refunded, balanceAfter=deleted.balance_after).model_dump(
        exclude_none=True
    )


handler = lambda_entry(app)
