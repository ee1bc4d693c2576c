"""GET /v1/plans: the caller's plans, one page at a time."""

from typing import Any

from functions.domain import plans
from functions.models import json_views
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import responses
from functions.runtime.query_params import Cursor, Limit

# No body: no validating resolver, no pydantic (decisions 18).
app = build_app(validation=False)


@app.get(
    "/v1/plans",
    summary="List plans",
    description="Your plans; use an id as planId when creating an interview.",
    tags=["Plans"],
    responses=responses(200, "PlanList", "A page of plans", 400),
)
def list_plans(
    limit: Limit = 20,
    cursor: Cursor = None,
) -> dict[str, Any]:
    items, next_cursor = plans.list_page(current_user(app), limit, cursor)
    return json_views.page(items, next_cursor, json_views.plan)


handler = lambda_entry(app, list_plans)
