"""PATCH /v1/candidates/{id}: partial update; jobIds replaces the candidate's jobs."""

from functions.domain import talent
from functions.models.talent import CandidatePublic, CandidateUpdate, candidate_public
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import responses
from functions.runtime.path_params import CandidateId
from functions.runtime.talent_docs import CANDIDATE_ERRORS

app = build_app()


@app.patch(
    "/v1/candidates/<id>",
    summary="Update candidate",
    description="Partial update; jobIds replaces the list; null clears email, externalId or metadata.",
    tags=["Candidates"],
    responses=responses(200, CandidatePublic, "The updated candidate", 400, 404, 409, said=CANDIDATE_ERRORS),
)
def update_candidate(id: CandidateId, body: CandidateUpdate) -> CandidatePublic:
    return candidate_public(talent.update_candidate(current_user(app), id, body))


handler = lambda_entry(app, update_candidate)
