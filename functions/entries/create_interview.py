"""POST /v1/interviews: schedule an interview, debiting one credit."""

from aws_lambda_powertools.event_handler import Response, content_types

from functions.domain import interviews
from functions.models.api import InterviewCreate, InterviewCreated
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import responses

app = build_app()


@app.post(
    "/v1/interviews",
    summary="Create interview",
    description="Schedules a new interview against one of your plans, debiting one credit (none for isTest).",
    tags=["Interviews"],
    responses=responses(201, InterviewCreated, "Interview created", 400, 402),
)
def create_interview(body: InterviewCreate) -> Response[InterviewCreated]:
    created = interviews.create(current_user(app), body)
    interview = created.interview
    result = InterviewCreated(
        id=interview.id,
        pin=interview.pin,
        balanceAfter=created.balance_after,
        isTest=interview.is_test,
        metadata=interview.metadata,
        scheduledAt=interview.scheduled_at,
    )
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=result)


handler = lambda_entry(app)
