"""The create's ClientRequestToken: the same for a retry of the same transaction, another for a new decision.

DynamoDB answers a TransactWriteItems that reuses a token with other items within 10 minutes with
IdempotentParameterMismatchException (moto does not check it), so a create decided again from a fresh
read (its candidate changed under it) must not send its new items under the first attempt's token,
while an SDK or conflict retry of the very same items must keep it (a lost answer then replays as the
success it was, one debit).
"""

from __future__ import annotations

import json
from typing import Any

from functions.data import aws, users
from testkit.accounts import AccountFactory
from testkit.dynamodb_faults import InstallConflicts
from testkit.handlers import Api


class _Tokens:
    """Each TransactWriteItems' token and items, from botocore's before-call hook (nothing of ours patched)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def __call__(self, params: dict[str, Any], **_: Any) -> None:
        body = json.loads(params["body"])
        self.sent.append((body.get("ClientRequestToken", ""), json.dumps(body["TransactItems"], sort_keys=True)))


def _post(api: Api, token: str, path: str, body: dict[str, Any]) -> str:
    reply = api.call("POST", path, token=token, body=body)
    assert reply.status == 201, reply.body
    return str(reply.json()["id"])


def test_a_create_decided_again_sends_its_new_items_under_a_new_token(api: Api, account: AccountFactory) -> None:
    acc = account(credits=3)
    first_job = _post(api, acc.token, "/v1/jobs", {"title": "Backend"})
    second_job = _post(api, acc.token, "/v1/jobs", {"title": "Frontend"})
    candidate = _post(api, acc.token, "/v1/candidates", {"name": "Ann", "jobIds": [first_job]})
    tokens = _Tokens()
    moved = False

    def move_the_candidate_first(params: dict[str, Any], **kwargs: Any) -> None:
        # Between the create's read of Ann and its write, her jobs change: the write is refused as
        # stale and the create decides again, linking her new first job.
        nonlocal moved
        if not moved:
            moved = True
            changed = api.call("PATCH", f"/v1/candidates/{candidate}", token=acc.token, body={"jobIds": [second_job]})
            assert changed.status == 200, changed.body
            tokens.sent.clear()  # the PATCH's own transaction, if it made one
        tokens(params)

    client = aws.dynamodb()
    client.meta.events.register("before-call.dynamodb.TransactWriteItems", move_the_candidate_first)
    try:
        created = api.create(acc, candidateId=candidate)
    finally:
        client.meta.events.unregister("before-call.dynamodb.TransactWriteItems", move_the_candidate_first)

    assert created.status == 201, created.body
    assert created.json()["jobId"] == second_job
    assert len(tokens.sent) == 2, "the create was not decided twice: the race was not tried"
    (first_token, first_items), (second_token, second_items) = tokens.sent
    assert first_items != second_items
    assert first_token != second_token
    assert users.get_balance(acc.user_id) == 2


def test_a_conflict_retry_of_the_same_items_keeps_the_token(
    api: Api, account: AccountFactory, conflicts: InstallConflicts
) -> None:
    acc = account(credits=3)
    tokens = _Tokens()
    client = aws.dynamodb()
    client.meta.events.register("before-call.dynamodb.TransactWriteItems", tokens)
    conflicts(1)
    try:
        created = api.create(acc)
    finally:
        client.meta.events.unregister("before-call.dynamodb.TransactWriteItems", tokens)
    assert created.status == 201, created.body
    assert len(tokens.sent) == 2
    assert tokens.sent[0] == tokens.sent[1]
    assert tokens.sent[0][0]
    assert users.get_balance(acc.user_id) == 2
