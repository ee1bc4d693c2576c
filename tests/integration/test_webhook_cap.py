"""The 10-webhook cap per user: a counter item changed in each endpoint's own transaction (create and
delete), retried on the TransactionConflicts real DynamoDB raises, counted once for an owner whose
endpoints predate the counter; the AWS calls per request and the actions the route table grants."""

from __future__ import annotations

import uuid
from typing import Any

from functions.data import aws
from functions.data.settings import settings
from functions.domain.webhook_registration import MAX_WEBHOOKS
from testkit.accounts import Account, AccountFactory
from testkit.aws_calls import CallCounter
from testkit.dynamodb_faults import InstallConflicts
from testkit.handlers import ActionLog, Api, granted, request_calls

URL = "https://93.184.215.14/hook"


def _url() -> str:
    """A URL of its own: a second registration of one URL is a 409 (tests/integration/test_sync_details.py)."""
    return f"{URL}/{uuid.uuid4().hex}"


def _create(api: Api, acc: Account) -> Any:
    return api.call("POST", "/v1/webhooks", token=acc.token, body={"url": _url()})


def _listed(api: Api, acc: Account) -> list[str]:
    reply = api.call("GET", "/v1/webhooks", token=acc.token, query="limit=100")
    assert reply.status == 200, reply.body
    return [item["id"] for item in reply.json()["items"]]


def test_create_and_delete_are_retried_on_transaction_conflicts_and_count_exactly(
    api: Api, account: AccountFactory, conflicts: InstallConflicts
) -> None:
    acc = account()
    created = [_create(api, acc)]  # a new owner's first one also creates the counter
    hook = conflicts(times=3)
    created += [_create(api, acc) for _ in range(MAX_WEBHOOKS - 1)]
    assert [reply.status for reply in created] == [201] * MAX_WEBHOOKS
    assert hook.attempts == MAX_WEBHOOKS - 1 + 3  # three were cancelled and run again
    conflicts(times=2)
    first = created[0].json()["id"]
    assert api.call("DELETE", f"/v1/webhooks/{first}", token=acc.token).status == 200
    assert _create(api, acc).status == 201
    refused = _create(api, acc)
    assert refused.status == 400 and "10 webhooks already" in refused.json()["error"]["message"]
    assert len(_listed(api, acc)) == MAX_WEBHOOKS


def test_conflicts_that_outlast_the_retry_budget_answer_409_with_nothing_stored(
    api: Api, account: AccountFactory, conflicts: InstallConflicts
) -> None:
    acc = account()
    conflicts(times=10_000)
    refused = _create(api, acc)
    assert refused.status == 409 and refused.json()["error"]["code"] == "concurrent_update", refused.body
    assert "webhooks" in refused.json()["error"]["message"]
    assert _listed(api, acc) == []


def test_endpoints_stored_before_the_counter_are_counted_once_and_the_cap_holds(
    api: Api, account: AccountFactory
) -> None:
    acc = account()
    for number in range(MAX_WEBHOOKS):  # as the previous version stored them: no counter item
        aws.dynamodb().put_item(
            TableName=settings().webhooks_table,
            Item={
                "ownerId": {"S": acc.user_id},
                "webhookId": {"S": f"wh_{number:032x}"},
                "url": {"S": URL},
                "events": {"L": [{"S": "interview.created"}]},
                "enabled": {"BOOL": True},
                "secret": {"S": "whsec_" + "A" * 44},
                "createdAt": {"S": "2026-01-01T00:00:00.000Z"},
            },
        )
    assert _create(api, acc).status == 400
    assert api.call("DELETE", f"/v1/webhooks/wh_{0:032x}", token=acc.token).status == 200
    assert _create(api, acc).status == 201
    assert _create(api, acc).status == 400
    assert len(_listed(api, acc)) == MAX_WEBHOOKS


def test_the_counter_is_no_webhook_to_any_route(api: Api, account: AccountFactory) -> None:
    acc = account()
    assert _create(api, acc).status == 201
    for method, suffix in (("GET", ""), ("DELETE", ""), ("POST", "/ping"), ("POST", "/rotate-secret")):
        answer = api.call(method, f"/v1/webhooks/%23count{suffix}", token=acc.token)
        assert answer.status in (400, 404), (method, suffix, answer.body)
    assert len(_listed(api, acc)) == 1


def test_create_and_delete_cost_one_transaction_each(api: Api, account: AccountFactory, aws_calls: CallCounter) -> None:
    acc = account()
    assert _create(api, acc).status == 201  # a new owner's first one also creates the counter (once)
    calls = request_calls(api, aws_calls, acc.token, warm="/v1/webhooks")
    assert calls("POST", "/v1/webhooks", body={"url": _url()}) == ["TransactWriteItems", "UpdateItem"]
    hook = _listed(api, acc)[1]
    assert calls("DELETE", f"/v1/webhooks/{hook}") == ["TransactWriteItems", "UpdateItem"]


def test_the_route_table_grants_exactly_the_webhook_actions_create_and_delete_make(
    api: Api, account: AccountFactory, action_log: ActionLog
) -> None:
    acc = account()
    legacy = account(name="Legacy")
    seen: dict[str, set[str]] = {"create_webhook": set(), "delete_webhook": set()}

    def call(name: str, method: str, path: str, who: Account, **kwargs: Any) -> Any:
        action_log.actions.clear()
        reply = api.call(method, path, token=who.token, **kwargs)
        assert reply.status < 500, reply.body
        seen[name] |= {action for table, action in action_log.actions if table == "webhooks"}
        return reply

    ids = [call("create_webhook", "POST", "/v1/webhooks", acc, body={"url": _url()}).json()["id"] for _ in range(10)]
    call("create_webhook", "POST", "/v1/webhooks", acc, body={"url": _url()})  # refused: reads the counter
    # A URL taken: reads its claim and its holder.
    taken = api.call("GET", f"/v1/webhooks/{ids[1]}", token=acc.token).json()["url"]
    call("create_webhook", "POST", "/v1/webhooks", acc, body={"url": taken})
    call("delete_webhook", "DELETE", f"/v1/webhooks/{ids[0]}", acc)
    # An owner whose endpoint predates the counter: counted once, by a create or by a delete.
    for number in range(2):
        aws.dynamodb().put_item(
            TableName=settings().webhooks_table,
            Item={"ownerId": {"S": legacy.user_id}, "webhookId": {"S": f"wh_{number:032x}"}},
        )
    call("delete_webhook", "DELETE", f"/v1/webhooks/wh_{0:032x}", legacy)
    aws.dynamodb().delete_item(
        TableName=settings().webhooks_table, Key={"ownerId": {"S": legacy.user_id}, "webhookId": {"S": "#count"}}
    )
    call("create_webhook", "POST", "/v1/webhooks", legacy, body={"url": _url()})
    for name, actions in seen.items():
        assert actions == granted(name, "webhooks"), name
