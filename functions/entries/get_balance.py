"""GET /v1/balance: the interview credits left."""

from typing import Any

from functions.domain import credits
from functions.models import json_views
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import responses

# No body: no validating resolver, no pydantic (decisions 18).
app = build_app(validation=False)


@app.get(
    "/v1/balance",
    summary="Get balance",
    description="Your interview credits left: one strongly consistent read. GET /v1/ledger says why it moved.",
    tags=["Credits"],
    responses=responses(200, "Balance", "The credits left"),
)
def get_balance() -> dict[str, Any]:
    return json_views.balance(credits.balance(current_user(app)))


handler = lambda_entry(app, get_balance)
