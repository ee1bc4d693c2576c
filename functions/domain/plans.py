"""Plans: listing for the API, creation for `quollo admin`."""

from __future__ import annotations

import uuid

from functions.data import plans as store
from functions.data import users
from functions.domain import clock, cursors
from functions.models.entities.plans import Plan
from functions.models.errors import UnknownUser, ValidationFailed
from functions.models.text import text_problem
from functions.models.vocabulary import SENIORITIES

_CURSOR_SCOPE = "plans"


def list_page(owner_id: str, limit: int, cursor: str | None) -> tuple[list[Plan], str | None]:
    start_key = cursors.decode(cursor, owner_id, _CURSOR_SCOPE)
    page = store.query(owner_id, limit, start_key)
    return page.items, cursors.encode(page.last_key, owner_id, _CURSOR_SCOPE)


def create(
    owner_id: str,
    name: str,
    tags: list[str],
    seniority: str | None,
    language: str,
    plan_id: str | None = None,
) -> Plan:
    if not name or len(name) > 200:
        raise ValidationFailed("plan name must be 1..200 characters")
    if problem := text_problem(name):
        raise ValidationFailed(f"plan name {problem}")
    if seniority is not None and seniority not in SENIORITIES:
        raise ValidationFailed(f"seniority must be one of {', '.join(SENIORITIES)}")
    if len(language) != 2 or not language.isalpha():
        raise ValidationFailed("language must be a 2-letter code such as EN")
    if users.get_user(owner_id) is None:
        raise UnknownUser(f"user {owner_id} does not exist")
    plan = Plan(
        id=plan_id or f"plan_{uuid.uuid4().hex}",
        owner_id=owner_id,
        name=name,
        tags=list(tags),
        seniority=seniority,
        language=language.upper(),
    )
    store.put_plan(plan, clock.now())
    return plan
