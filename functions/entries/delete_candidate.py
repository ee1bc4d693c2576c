"""DELETE /v1/candidates/{id}: a candidate no interview references."""

from typing import Any

from functions.domain import talent
from functions.models import json_views
from functions.runtime import idempotency
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import keyed, responses
from functions.runtime.path_params import CandidateId
from functions.runtime.talent_docs import CANDIDATE_ERRORS

# No body: no validating resolver, no pydantic (decisions 18).
app = build_app(validation=False)
once = idempotency.IdempotentRoute("delete_candidate")


@app.delete(
    "/v1/candidates/<id>",
    summary="Delete candidate",
    description="Deletes the candidate and its job links; 409 resource_in_use while interviews reference it.",
    tags=["Candidates"],
    responses=responses(200, "Deleted", "Deleted", 404, 409, 422, said=keyed(CANDIDATE_ERRORS)),
)
def delete_candidate(
    id: CandidateId,
    idempotency_key: idempotency.KeyHeader = None,
) -> dict[str, Any]:
    user_id = current_user(app)

    def delete() -> idempotency.Outcome:
        talent.delete_candidate(user_id, id)
        return idempotency.Outcome(status=200, body=json_views.deleted())

    return once.run_for_request(app, {"id": id}, delete).body


handler = lambda_entry(app, delete_candidate)
