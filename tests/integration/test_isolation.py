"""One user never sees, changes or infers another user's data."""

from __future__ import annotations

from testkit.accounts import AccountFactory
from testkit.handlers import Api


def test_another_users_interview_is_indistinguishable_from_a_missing_one(api: Api, account: AccountFactory) -> None:
    owner, stranger = account(), account(name="Mallory")
    interview_id = api.create(owner).json()["id"]
    for method, body in (("GET", None), ("PATCH", {"title": "mine now"}), ("DELETE", None)):
        theirs = api.call(method, f"/v1/interviews/{interview_id}", token=stranger.token, body=body)
        missing = api.call(
            method, "/v1/interviews/00000000-0000-0000-0000-000000000000", token=stranger.token, body=body
        )
        assert theirs.status == missing.status == 404
        assert theirs.json() == missing.json()
    # And nothing changed for the owner.
    interview = api.call("GET", f"/v1/interviews/{interview_id}", token=owner.token).json()["interview"]
    assert interview["title"] == "Backend engineer — final round"


def test_patch_to_another_users_plan_is_rejected(api: Api, account: AccountFactory) -> None:
    owner, stranger = account(), account(name="Mallory")
    interview_id = api.create(owner).json()["id"]
    reply = api.call("PATCH", f"/v1/interviews/{interview_id}", token=owner.token, body={"planId": stranger.plan_id})
    assert (reply.status, reply.json()["error"]["code"]) == (400, "validation_failed")


def test_lists_show_only_the_callers_objects(api: Api, account: AccountFactory) -> None:
    owner, stranger = account(), account(name="Mallory")
    mine = {api.create(owner).json()["id"] for _ in range(3)}
    api.create(stranger)
    listed = {item["id"] for item in api.call("GET", "/v1/interviews", token=owner.token).json()["items"]}
    assert listed == mine
    plans = api.call("GET", "/v1/plans", token=owner.token).json()["items"]
    assert [plan["id"] for plan in plans] == [owner.plan_id]


def test_cursors_cannot_cross_users_lists_or_be_edited(api: Api, account: AccountFactory) -> None:
    owner, stranger = account(credits=5), account(name="Mallory")
    for _ in range(3):
        api.create(owner)
    cursor = api.call("GET", "/v1/interviews", token=owner.token, query="limit=1").json()["nextCursor"]
    assert cursor
    stolen = api.call("GET", "/v1/interviews", token=stranger.token, query=f"limit=1&cursor={cursor}")
    assert (stolen.status, stolen.json()["error"]["code"]) == (400, "validation_failed")
    other_filter = api.call("GET", "/v1/interviews", token=owner.token, query=f"status=PENDING&cursor={cursor}")
    assert other_filter.status == 400
    on_plans = api.call("GET", "/v1/plans", token=owner.token, query=f"cursor={cursor}")
    assert on_plans.status == 400
    payload, signature = cursor.split(".")
    edited = ("A" if payload[0] != "A" else "B") + payload[1:] + "." + signature
    assert api.call("GET", "/v1/interviews", token=owner.token, query=f"cursor={edited}").status == 400


def _readable(cursor: str) -> bytes:
    """Everything base64 could make of a cursor: each dot-separated piece decoded, and the whole."""
    import base64
    import binascii

    found = cursor.encode()
    for piece in [*cursor.split("."), cursor.replace(".", "")]:
        for decode in (base64.urlsafe_b64decode, base64.b64decode):
            try:
                found += b"\n" + decode(piece + "=" * (-len(piece) % 4))
            except (binascii.Error, ValueError):
                pass
    return found


def test_cursors_name_no_table_key_or_internal_id(api: Api, account: AccountFactory) -> None:
    from functions.domain import plans

    acc = account(credits=5)
    plans.create(acc.user_id, "Second plan", ["backend"], "SENIOR", "EN")
    for _ in range(2):
        api.create(acc)
    job = api.call("POST", "/v1/jobs", token=acc.token, body={"title": "Backend"}).json()["id"]
    for index in range(2):
        api.call("POST", "/v1/jobs", token=acc.token, body={"title": f"Job {index}"})
        api.call("POST", "/v1/candidates", token=acc.token, body={"name": f"Ada {index}", "jobIds": [job]})
    # Webhooks list through the same module (their URLs need a receiver: tests/e2e and test_webhook_costs).
    listings = [
        ("/v1/interviews", ""),
        ("/v1/interviews", "status=PENDING&"),
        ("/v1/plans", ""),
        ("/v1/candidates", ""),
        ("/v1/candidates", f"jobId={job}&"),
        ("/v1/jobs", ""),
    ]
    for path, query in listings:
        reply = api.call("GET", path, token=acc.token, query=query + "limit=1")
        assert reply.status == 200, (path, reply.body)
        cursor = reply.json()["nextCursor"]
        assert cursor, (path, query)
        readable = _readable(cursor)
        for secret in ("ownerId", "createdKey", "ownerStatus", '"sk"', "candidate#", "job#", acc.user_id, "usr_"):
            assert secret.encode() not in readable, (path, query, secret, readable)
        # Still a working cursor, and still bound to its user.
        assert api.call("GET", path, token=acc.token, query=f"{query}limit=1&cursor={cursor}").status == 200
