"""PATCH /v1/interviews/{id}: partial update of title, intervieweeName or planId."""

from functions.domain import interviews
from functions.models.api import InterviewPublic, InterviewUpdate
from functions.models.views import interview_public
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import responses
from functions.runtime.path_params import InterviewId

app = build_app()


@app.patch(
    "/v1/interviews/<id>",
    summary="Update interview",
    description="Partial update; at least one writable field.",
    tags=["Interviews"],
    responses=responses(200, InterviewPublic, "The updated interview", 400, 404),
)
def update_interview(id: InterviewId, body: InterviewUpdate) -> InterviewPublic:
    return interview_public(interviews.update(current_user(app), id, body))


handler = lambda_entry(app, update_interview)
