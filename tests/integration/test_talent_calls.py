"""Candidates and jobs: the AWS calls per request, pinned, and the route table granting
exactly the DynamoDB actions each route's requests make, table by table (transaction items included)."""

from __future__ import annotations

from typing import Any

from testkit.accounts import AccountFactory
from testkit.aws_calls import CallCounter
from testkit.handlers import ActionLog, Api, granted, request_calls


def test_aws_calls_per_request_for_candidates_jobs_and_linked_interviews(
    api: Api, account: AccountFactory, aws_calls: CallCounter
) -> None:
    """auth 1 UpdateItem + the operation's minimum; these counts are in bench/report.md (a regression fails CI)."""
    acc = account(credits=10)
    calls = request_calls(api, aws_calls, acc.token, warm="/v1/jobs")

    def created(method: str, path: str, body: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
        seen = calls(method, path, body=body)
        listed = api.call("GET", path, token=acc.token, query="limit=100").json()["items"]
        return seen, listed[-1] if path != "/v1/interviews" else listed[0]

    auth = ["UpdateItem"]
    seen, job = created("POST", "/v1/jobs", {"title": "Backend"})
    # A write of one item (no externalId to claim) is its single-item call: half a transaction's capacity.
    assert seen == ["PutItem", *auth]
    assert calls("GET", f"/v1/jobs/{job['id']}") == ["GetItem", *auth]
    assert calls("GET", "/v1/jobs") == ["Query", *auth]
    assert calls("PATCH", f"/v1/jobs/{job['id']}", body={"externalId": "J-1"}) == sorted(
        ["GetItem", "TransactWriteItems", *auth]
    )
    assert calls("POST", "/v1/candidates", body={"name": "Ada", "jobIds": [job["id"]]}) == ["TransactWriteItems", *auth]
    candidate = api.call("GET", "/v1/candidates", token=acc.token).json()["items"][0]
    assert calls("GET", f"/v1/candidates/{candidate['id']}") == ["GetItem", *auth]
    assert calls("GET", "/v1/candidates") == ["Query", *auth]
    assert calls("GET", "/v1/candidates", query=f"jobId={job['id']}") == ["BatchGetItem", "Query", *auth]
    assert calls("PATCH", f"/v1/candidates/{candidate['id']}", body={"externalId": "C-1"}) == sorted(
        ["GetItem", "TransactWriteItems", *auth]
    )
    assert calls("GET", "/v1/candidates", query="externalId=C-1") == ["GetItem", "GetItem", *auth]
    assert calls("GET", "/v1/jobs", query="externalId=J-1") == ["GetItem", "GetItem", *auth]

    # Create interview: inline entities add nothing but items to the one transaction; an existing
    # candidate is read first (its jobs decide the interview's job).
    body = {"title": "t", "planId": acc.plan_id}
    inline = body | {"candidate": {"name": "Grace", "externalId": "C-2"}, "job": {"title": "Ops"}}
    assert calls("POST", "/v1/interviews", body=inline) == ["GetItem", "TransactWriteItems", *auth]
    by_id = body | {"candidateId": candidate["id"]}
    assert calls("POST", "/v1/interviews", body=by_id) == ["GetItem", "GetItem", "TransactWriteItems", *auth]
    interview = api.call("GET", "/v1/interviews", token=acc.token).json()["items"][0]
    assert interview["jobId"] == job["id"]
    assert calls("GET", "/v1/interviews", query=f"candidateId={candidate['id']}") == ["Query", *auth]
    assert calls("GET", "/v1/interviews", query=f"jobId={job['id']}") == ["Query", *auth]
    # PATCH of the links: read, then one transaction; without them, as before (one UpdateItem).
    assert calls("PATCH", f"/v1/interviews/{interview['id']}", body={"jobId": None}) == sorted(
        ["GetItem", "TransactWriteItems", *auth]
    )
    # Delete with a refund: the refund transaction refuses linked interviews, so a read and a second one.
    assert calls("DELETE", f"/v1/interviews/{interview['id']}") == sorted(
        ["TransactWriteItems", "GetItem", "TransactWriteItems", "GetItem", *auth]
    )
    assert calls("DELETE", f"/v1/candidates/{candidate['id']}") == sorted(["GetItem", "TransactWriteItems", *auth])
    assert calls("DELETE", f"/v1/jobs/{job['id']}") == sorted(["GetItem", "TransactWriteItems", *auth])


def test_the_route_table_grants_exactly_the_talent_actions_the_routes_make(
    api: Api, account: AccountFactory, action_log: ActionLog
) -> None:
    acc = account(credits=10)
    seen: dict[str, set[str]] = {}

    def call(name: str, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        action_log.actions.clear()
        reply = api.call(method, path, token=acc.token, **kwargs)
        assert reply.status < 500, reply.body
        seen.setdefault(name, set()).update(action for table, action in action_log.actions if table == "talent")
        return reply.json() if reply.body else {}

    job = call("create_job", "POST", "/v1/jobs", body={"title": "Backend", "externalId": "J"})
    call("create_job", "POST", "/v1/jobs", body={"title": "Again", "externalId": "J"})  # 409 reads the holder
    candidate = call(
        "create_candidate", "POST", "/v1/candidates", body={"name": "A", "externalId": "C", "jobIds": [job["id"]]}
    )
    call("create_candidate", "POST", "/v1/candidates", body={"name": "B", "externalId": "C"})
    call("get_job", "GET", f"/v1/jobs/{job['id']}")
    call("get_candidate", "GET", f"/v1/candidates/{candidate['id']}")
    for query in ("", "externalId=J"):
        call("list_jobs", "GET", "/v1/jobs", query=query)
    for query in ("", "externalId=C", f"jobId={job['id']}"):
        call("list_candidates", "GET", "/v1/candidates", query=query)
    call("update_job", "PATCH", f"/v1/jobs/{job['id']}", body={"externalId": "J2"})
    call("update_candidate", "PATCH", f"/v1/candidates/{candidate['id']}", body={"externalId": "C2", "jobIds": []})
    call("update_candidate", "PATCH", f"/v1/candidates/{candidate['id']}", body={"jobIds": [job["id"]]})
    base = {"title": "t", "planId": acc.plan_id}
    call("create_interview", "POST", "/v1/interviews", body=base | {"candidate": {"name": "N", "externalId": "C2"}})
    made = call(
        "create_interview",
        "POST",
        "/v1/interviews",
        body=base | {"candidateId": candidate["id"], "job": {"title": "J"}},
    )
    call("update_interview", "PATCH", f"/v1/interviews/{made['id']}", body={"candidateId": None})
    call("delete_interview", "DELETE", f"/v1/interviews/{made['id']}")
    call("delete_candidate", "DELETE", f"/v1/candidates/{candidate['id']}")
    call("delete_job", "DELETE", f"/v1/jobs/{job['id']}")
    for name, actions in seen.items():
        assert actions == granted(name, "talent"), name
