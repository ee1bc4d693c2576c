"""GET /v1/interviews/{id}: one interview with its record and, when READY, a pre-signed video URL."""

from functions.domain import interviews
from functions.models.api import InterviewDetail
from functions.models.views import interview_public, record_public
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import responses
from functions.runtime.path_params import InterviewId

app = build_app()


@app.get(
    "/v1/interviews/<id>",
    summary="Get interview",
    description="The interview and, once FINISHED, its record; videoUrl is a pre-signed URL valid one hour.",
    tags=["Interviews"],
    responses=responses(200, InterviewDetail, "The interview and its record", 404),
)
def get_interview(id: InterviewId) -> InterviewDetail:
    interview, video_url = interviews.get(current_user(app), id)
    return InterviewDetail(interview=interview_public(interview), record=record_public(interview.record, video_url))


handler = lambda_entry(app, get_interview)
