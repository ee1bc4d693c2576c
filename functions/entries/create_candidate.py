"""POST /v1/candidates: a candidate of yours, optionally with your ATS's externalId and jobs."""

from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types

from functions.domain import talent
from functions.models.talent import CandidateCreate, CandidatePublic, candidate_public
from functions.runtime import idempotency
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import keyed, responses
from functions.runtime.talent_docs import CANDIDATE_ERRORS

app = build_app()
once = idempotency.IdempotentRoute("create_candidate")


def _create(user_id: str, body: CandidateCreate) -> idempotency.Outcome:
    created = candidate_public(talent.create_candidate(user_id, body))
    return idempotency.Outcome(status=201, body=created.model_dump(mode="json"))


@app.post(
    "/v1/candidates",
    summary="Create candidate",
    description="A candidate of yours; externalId is unique among your candidates, jobIds are jobs of yours.",
    tags=["Candidates"],
    responses=responses(201, CandidatePublic, "Candidate created", 400, 409, 422, said=keyed(CANDIDATE_ERRORS)),
)
def create_candidate(
    body: CandidateCreate,
    idempotency_key: idempotency.KeyHeader = None,
) -> Response[dict[str, Any]]:
    user_id = current_user(app)
    outcome = once.run_for_request(app, body.model_dump(mode="json"), lambda: _create(user_id, body))
    return Response(status_code=outcome.status, content_type=content_types.APPLICATION_JSON, body=outcome.body)


handler = lambda_entry(app, create_candidate)
