"""Cursor pagination over one Query: full pages, newest first, nothing missing or repeated."""

from __future__ import annotations

from functions.domain import accounts, interviews
from functions.models.api import InterviewCreate
from testkit.accounts import AccountFactory, create_body
from testkit.handlers import Api, walk_pages


def _walk(api: Api, token: str, query: str) -> list[list[str]]:
    return walk_pages(api, token, "/v1/interviews", query)


def test_45_interviews_at_limit_20_come_back_as_20_20_5(api: Api, account: AccountFactory) -> None:
    acc = account(credits=45)
    created = [api.create(acc).json()["id"] for _ in range(45)]
    pages = _walk(api, acc.token, "limit=20")
    assert [len(page) for page in pages] == [20, 20, 5]
    flat = [item for page in pages for item in page]
    assert flat == list(reversed(created))  # newest first, no duplicates, nothing missing


def test_status_filter_pages_are_full(api: Api, account: AccountFactory) -> None:
    acc = account(credits=200)
    # Seeded through the domain, not the handler: this test is about listing, and 200 requests
    # through auth, rate limits and validation took most of the suite's slowest test (22 s quiet).
    request = InterviewCreate.model_validate(create_body(acc.plan_id))
    created = [interviews.create(acc.user_id, request).interview.id for _ in range(200)]
    started = set(created[::4][:45])
    for interview_id in started:
        interviews.start(interview_id)
    pages = _walk(api, acc.token, "limit=20&status=IN_PROGRESS")
    assert [len(page) for page in pages] == [20, 20, 5]
    assert {item for page in pages for item in page} == started
    pending = _walk(api, acc.token, "limit=100&status=PENDING")
    assert sum(len(page) for page in pending) == 155


def test_default_page_size_is_20(api: Api, account: AccountFactory) -> None:
    acc = account(credits=25)
    for _ in range(25):
        api.create(acc)
    body = api.call("GET", "/v1/interviews", token=acc.token).json()
    assert len(body["items"]) == 20 and body["nextCursor"]


def test_plans_paginate_too(api: Api, account: AccountFactory) -> None:
    acc = account()
    from functions.domain import plans

    for index in range(4):
        plans.create(acc.user_id, f"Plan {index}", [], None, "de")
    first = api.call("GET", "/v1/plans", token=acc.token, query="limit=3").json()
    second = api.call("GET", "/v1/plans", token=acc.token, query=f"limit=3&cursor={first['nextCursor']}").json()
    ids = [plan["id"] for plan in first["items"] + second["items"]]
    assert len(ids) == len(set(ids)) == 5 and second["nextCursor"] is None
    german = next(plan for plan in first["items"] + second["items"] if plan["name"] == "Plan 0")
    assert german == {"id": german["id"], "name": "Plan 0", "tags": [], "seniority": None, "language": "DE"}


def test_new_user_lists_are_empty(api: Api, moto_aws: None) -> None:
    user = accounts.create_user("Empty", 0)
    _, token = accounts.create_token(user.id)
    assert api.call("GET", "/v1/interviews", token=token).json() == {"items": [], "nextCursor": None}
