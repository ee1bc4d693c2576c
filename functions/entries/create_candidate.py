"""POST /v1/candidates: a candidate of yours, optionally with your ATS's externalId and jobs."""

from aws_lambda_powertools.event_handler import Response, content_types

from functions.domain import talent
from functions.models.talent import CandidateCreate, CandidatePublic, candidate_public
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import responses
from functions.runtime.talent_docs import CANDIDATE_ERRORS

app = build_app()


@app.post(
    "/v1/candidates",
    summary="Create candidate",
    description="A candidate of yours; externalId is unique among your candidates, jobIds are jobs of yours.",
    tags=["Candidates"],
    responses=responses(201, CandidatePublic, "Candidate created", 400, 409, said=CANDIDATE_ERRORS),
)
def create_candidate(body: CandidateCreate) -> Response[CandidatePublic]:
    created = candidate_public(talent.create_candidate(current_user(app), body))
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=created)


handler = lambda_entry(app, create_candidate)
