"""GET /v1/plans: the caller's plans, one page at a time."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from functions.domain import plans
from functions.models.api import PlanList
from functions.models.views import plan_public
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import responses

app = build_app()


@app.get(
    "/v1/plans",
    summary="List plans",
    description="Your plans; use an id as planId when creating an interview.",
    tags=["Plans"],
    responses=responses(200, PlanList, "A page of plans", 400),
)
def list_plans(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(min_length=1, max_length=2048)] = None,
) -> PlanList:
    items, next_cursor = plans.list_page(current_user(app), limit, cursor)
    return PlanList(items=[plan_public(plan) for plan in items], nextCursor=next_cursor)


handler = lambda_entry(app, list_plans)
