"""What an ATS sync needs: jobs found by externalId, and every duplicate's 409 `conflict` naming
the existing object in a field (`details`), not only in its message."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from testkit.accounts import AccountFactory
from testkit.handlers import Api

HOOK_URL = "https://1.1.1.1/quollo-sync"


def _made(api: Api, token: str, path: str, body: dict[str, Any]) -> str:
    reply = api.call("POST", path, token=token, body=body)
    assert reply.status == 201, reply.body
    return str(reply.json()["id"])


def _conflict(reply: Any, field: str, existing: str) -> None:
    assert reply.status == 409, reply.body
    error = reply.json()["error"]
    assert error["code"] == "conflict"
    assert error["details"] == {"field": field, "existingId": existing}


def test_a_duplicate_external_id_names_the_holder_in_details(api: Api, account: AccountFactory) -> None:
    acc = account(credits=2)
    candidate = _made(api, acc.token, "/v1/candidates", {"name": "Ada", "externalId": "C-1"})
    job = _made(api, acc.token, "/v1/jobs", {"title": "Backend", "externalId": "J-1"})
    _conflict(
        api.call("POST", "/v1/candidates", token=acc.token, body={"name": "B", "externalId": "C-1"}),
        "externalId",
        candidate,
    )
    _conflict(
        api.call("POST", "/v1/jobs", token=acc.token, body={"title": "F", "externalId": "J-1"}), "externalId", job
    )
    other = _made(api, acc.token, "/v1/jobs", {"title": "Frontend"})
    _conflict(api.call("PATCH", f"/v1/jobs/{other}", token=acc.token, body={"externalId": "J-1"}), "externalId", job)
    inline = api.create(acc, candidate={"name": "Twin", "externalId": "C-1"}, job={"title": "Ops"})
    _conflict(inline, "externalId", candidate)


def test_errors_without_details_have_none(api: Api, account: AccountFactory) -> None:
    acc = account()
    missing = api.call("GET", "/v1/jobs/nope", token=acc.token)
    assert missing.status == 404 and "details" not in missing.json()["error"]


def test_jobs_are_found_by_external_id_and_only_the_callers(api: Api, account: AccountFactory) -> None:
    acc, other = account(), account(name="Other")
    job = _made(api, acc.token, "/v1/jobs", {"title": "Backend", "externalId": "ATS-J 7"})
    _made(api, acc.token, "/v1/jobs", {"title": "Frontend", "externalId": "ATS-J 8"})
    found = api.call("GET", "/v1/jobs", token=acc.token, query="externalId=ATS-J%207")
    assert found.status == 200, found.body
    assert [item["id"] for item in found.json()["items"]] == [job] and found.json()["nextCursor"] is None
    assert api.call("GET", "/v1/jobs", token=acc.token, query="externalId=none").json()["items"] == []
    assert api.call("GET", "/v1/jobs", token=other.token, query="externalId=ATS-J%207").json()["items"] == []
    # No cursor is issued for the lookup: one sent with it is another query's.
    cursor = api.call("GET", "/v1/jobs", token=acc.token, query="limit=1").json()["nextCursor"]
    refused = api.call("GET", "/v1/jobs", token=acc.token, query=f"externalId=ATS-J%207&cursor={cursor}")
    assert refused.status == 400, refused.body


def test_a_second_webhook_with_the_same_url_is_409_naming_the_first(api: Api, account: AccountFactory) -> None:
    acc, other = account(credits=0), account(credits=0, name="Other")
    first = _made(api, acc.token, "/v1/webhooks", {"url": HOOK_URL})
    again = api.call("POST", "/v1/webhooks", token=acc.token, body={"url": HOOK_URL, "events": ["interview.created"]})
    _conflict(again, "url", first)
    # The stored (normalised) URL counts: a trailing dot on the host is the same endpoint.
    _conflict(
        api.call("POST", "/v1/webhooks", token=acc.token, body={"url": "https://1.1.1.1./quollo-sync"}), "url", first
    )
    # Another user may register it; once deleted, the URL is free again.
    _made(api, other.token, "/v1/webhooks", {"url": HOOK_URL})
    assert api.call("DELETE", f"/v1/webhooks/{first}", token=acc.token).status == 200
    _made(api, acc.token, "/v1/webhooks", {"url": HOOK_URL})
    assert len(api.call("GET", "/v1/webhooks", token=acc.token).json()["items"]) == 1


def test_racing_registrations_of_one_url_make_one_webhook(api: Api, account: AccountFactory) -> None:
    acc = account(credits=0)
    with ThreadPoolExecutor(max_workers=5) as pool:
        replies = list(
            pool.map(lambda _: api.call("POST", "/v1/webhooks", token=acc.token, body={"url": HOOK_URL}), range(5))
        )
    made = [reply.json()["id"] for reply in replies if reply.status == 201]
    assert len(made) == 1, [reply.body for reply in replies]
    for reply in replies:
        if reply.status != 201:
            _conflict(reply, "url", made[0])
    assert [item["id"] for item in api.call("GET", "/v1/webhooks", token=acc.token).json()["items"]] == made


def test_a_new_owners_first_registrations_racing_are_all_made(api: Api, account: AccountFactory) -> None:
    """Each of them may find the counter missing and another one create it meanwhile: that is no full cap."""
    acc = account(credits=0)

    def register(number: int) -> Any:
        return api.call("POST", "/v1/webhooks", token=acc.token, body={"url": f"{HOOK_URL}/{number}"})

    with ThreadPoolExecutor(max_workers=5) as pool:
        replies = list(pool.map(register, range(5)))
    assert [reply.status for reply in replies] == [201] * 5, [reply.body for reply in replies]
