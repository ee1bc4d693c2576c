"""GET /v1/ledger: every change of the caller's balance, newest first, one page at a time."""

from typing import Any

from functions.domain import credits
from functions.models import json_views
from functions.runtime.app import build_app, current_user, lambda_entry
from functions.runtime.openapi_docs import responses
from functions.runtime.query_params import Cursor, Limit

# No body: no validating resolver, no pydantic (decisions 18).
app = build_app(validation=False)


@app.get(
    "/v1/ledger",
    summary="List ledger entries",
    description="Every change of your balance, newest first: a debit per interview created (-1), a refund per "
    "PENDING interview deleted (+1), a grant per top-up (+N). Each is written with the change it records, so the "
    "amounts sum to the balance, and the newest entry's balanceAfter is the balance.",
    tags=["Credits"],
    responses=responses(200, "LedgerList", "A page of ledger entries", 400),
)
def list_ledger(
    limit: Limit = 20,
    cursor: Cursor = None,
) -> dict[str, Any]:
    movements, next_cursor = credits.ledger_page(current_user(app), limit, cursor)
    return json_views.page(movements, next_cursor, json_views.ledger_entry)


handler = lambda_entry(app, list_ledger)
