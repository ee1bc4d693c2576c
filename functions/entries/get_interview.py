"""GET /v1/interviews/{id}: one interview with its record and, when READY, a pre-signed video URL."""

from typing import Any

from functions.domain import interview_reads
from functions.models import json_views
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import responses
from functions.runtime.path_params import InterviewId

# No body: no validating resolver, no pydantic (decisions 18).
app = build_app(validation=False)


@app.get(
    "/v1/interviews/<id>",
    summary="Get interview",
    description="The interview and, once FINISHED, its record; videoUrl is a pre-signed URL valid one hour.",
    tags=["Interviews"],
    responses=responses(200, "InterviewDetail", "The interview and its record", 404),
)
def get_interview(id: InterviewId) -> dict[str, Any]:
    interview, video_url = interview_reads.get(current_user(app), id)
    return json_views.interview_detail(interview, video_url)


handler = lambda_entry(app, get_interview)
