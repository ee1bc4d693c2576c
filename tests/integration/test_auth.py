"""Bearer-token authentication through the handlers."""

from __future__ import annotations

import boto3
import pytest

from functions.domain import accounts, tokens
from testkit.accounts import AccountFactory
from testkit.aws_calls import CallCounter
from testkit.handlers import Api


def test_missing_header_is_unauthenticated(api: Api, account: AccountFactory) -> None:
    account()
    reply = api.call("GET", "/v1/interviews")
    assert reply.status == 401
    assert reply.json()["error"]["code"] == "unauthenticated"


def test_wrong_scheme_is_unauthenticated(api: Api, account: AccountFactory) -> None:
    acc = account()
    reply = api.call("GET", "/v1/interviews", headers={"Authorization": f"Basic {acc.token}"})
    assert (reply.status, reply.json()["error"]["code"]) == (401, "unauthenticated")
    reply = api.call("GET", "/v1/interviews", headers={"Authorization": "Bearer "})
    assert (reply.status, reply.json()["error"]["code"]) == (401, "unauthenticated")


def test_mistyped_token_is_rejected_before_any_database_read(
    api: Api, account: AccountFactory, aws_calls: CallCounter
) -> None:
    acc = account()
    mistyped = acc.token[:-1] + ("A" if acc.token[-1] != "A" else "B")
    aws_calls.reset()
    reply = api.call("GET", "/v1/interviews", token=mistyped)
    assert (reply.status, reply.json()["error"]["code"]) == (401, "invalid_token")
    assert aws_calls.calls == []


def test_unknown_well_formed_token_is_invalid(api: Api, account: AccountFactory) -> None:
    account()
    reply = api.call("GET", "/v1/interviews", token=tokens.generate())
    assert (reply.status, reply.json()["error"]["code"]) == (401, "invalid_token")


# Both paths: the token's counter (tokens.use) must not keep a revoked token alive on any route.
@pytest.mark.parametrize("path", ["/v1/interviews", "/v1/plans"])
def test_revocation_holds_on_the_very_next_request(api: Api, account: AccountFactory, path: str) -> None:
    acc = account()
    assert api.call("GET", path, token=acc.token).status == 200
    accounts.revoke_token(acc.token_id)
    reply = api.call("GET", path, token=acc.token)
    assert (reply.status, reply.json()["error"]["code"]) == (401, "invalid_token")


def test_tokens_are_stored_only_as_sha256_hashes(account: AccountFactory) -> None:
    acc = account()
    items = boto3.client("dynamodb").scan(TableName="quollo-tokens")["Items"]
    stored = repr(items)
    assert acc.token not in stored
    assert tokens.fingerprint(acc.token) in stored


def test_token_format_carries_a_checksum() -> None:
    token = tokens.generate()
    assert token.startswith("qlo_live_") and len(token) == len("qlo_live_") + 32 + 6
    assert tokens.is_well_formed(token)
    assert not tokens.is_well_formed(token[:-6] + "000000")
    assert not tokens.is_well_formed("qlo_live_short")


def test_an_interviews_pin_never_authenticates(api: Api, account: AccountFactory) -> None:
    """A 4-digit pin is guessable: as a bearer token, a header or a query parameter, it opens nothing."""
    acc = account()
    created = api.create(acc).json()
    pin, path = created["pin"], f"/v1/interviews/{created['id']}"
    attempts = [
        api.call("GET", path, headers={"Authorization": f"Bearer {pin}"}),
        api.call("GET", path, headers={"Authorization": pin}),
        api.call("GET", path, headers={"X-Interview-Pin": pin}),
        api.call("GET", path, query=f"pin={pin}"),
    ]
    assert [reply.status for reply in attempts] == [401, 401, 401, 401]
    assert all("pin" not in reply.json() for reply in attempts)
