"""DELETE /v1/interviews/{id}: delete, refunding the credit of a PENDING interview."""

from typing import Any

from functions.domain import interviews
from functions.models.api import InterviewDeleted
from functions.runtime.app import build_app, current_user, lambda_entry

app = build_app()


@app.delete("/v1/interviews/<id>")
def delete_interview(id: str) -> dict[str, Any]:  # noqa: A002
    deleted = interviews.delete(current_user(app), id)
    # balanceAfter only accompanies a refund, as in the API reference.
    return InterviewDeleted(deleted=True, refunded=deleted.refunded, balanceAfter=deleted.balance_after).model_dump(
        exclude_none=True
    )


handler = lambda_entry(app)
