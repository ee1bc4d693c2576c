"""POST /v1/interviews: schedule an interview, debiting one credit."""

from aws_lambda_powertools.event_handler import Response, content_types

from functions.domain import interviews
from functions.models.api import InterviewCreate, InterviewCreated
from functions.models.views import interview_created
from functions.runtime import idempotency
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.observability import Metric, count
from functions.runtime.openapi_docs import responses

app = build_app()
once = idempotency.IdempotentRoute("create_interview")


def _create(user_id: str, body: InterviewCreate) -> idempotency.Outcome:
    created = interviews.create(user_id, body)
    # Counted here, inside the idempotent operation, so that a replayed response counts nothing.
    count(Metric.INTERVIEWS_CREATED)
    if not created.interview.is_test:
        count(Metric.CREDITS_DEBITED)
    result = interview_created(created.interview, created.balance_after)
    return idempotency.Outcome(status=201, body=result.model_dump(mode="json"))


@app.post(
    "/v1/interviews",
    summary="Create interview",
    description="Schedules a new interview against one of your plans, debiting one credit (none for isTest).",
    tags=["Interviews"],
    responses=responses(201, InterviewCreated, "Interview created", 400, 402, 409, 422),
)
def create_interview(
    body: InterviewCreate,
    idempotency_key: idempotency.KeyHeader = None,
) -> Response[InterviewCreated]:
    user_id = current_user(app)
    outcome = once.run_for_request(app, body.model_dump(mode="json"), lambda: _create(user_id, body))
    created = InterviewCreated.model_validate(outcome.body)
    return Response(status_code=outcome.status, content_type=content_types.APPLICATION_JSON, body=created)


handler = lambda_entry(app, create_interview)
