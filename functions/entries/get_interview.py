"""GET /v1/interviews/{id}: one interview with its record and, when READY, a pre-signed video URL."""

from functions.domain import interviews
from functions.models.api import InterviewDetail
from functions.models.views import interview_public, record_public
from functions.runtime.app import build_app, current_user, lambda_entry

app = build_app()


@app.get("/v1/interviews/<id>")
def get_interview(id: str) -> InterviewDetail:  # noqa: A002 - the path parameter's public name
    interview, video_url = interviews.get(current_user(app), id)
    return InterviewDetail(interview=interview_public(interview), record=record_public(interview.record, video_url))


handler = lambda_entry(app)
