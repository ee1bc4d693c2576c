"""Fair use: a budget per token per minute that clients can read, and a slow lane for token guessing."""

from __future__ import annotations

import time

import pytest

from functions.data import users
from functions.domain import accounts, tokens
from functions.local import gateway
from testkit.accounts import Account, AccountFactory, create_body
from testkit.aws_calls import CallCounter
from testkit.clock import INTO_THE_MINUTE, FakeClock
from testkit.handlers import Api, an_address

ROUTES = [
    ("GET", "/v1/plans", None),
    ("GET", "/v1/interviews", None),
    ("POST", "/v1/interviews", "create"),
    ("GET", "/v1/interviews/{id}", None),
    ("PATCH", "/v1/interviews/{id}", {"title": "u"}),
    ("DELETE", "/v1/interviews/{id}", None),
]


@pytest.fixture(autouse=True)
def _inside_one_window(clock: FakeClock) -> None:
    """Counters are per clock minute: the code's clock stands still inside one until a test moves it."""


def _headers(reply: gateway.Reply) -> dict[str, str]:
    return {name.lower(): value for name, value in reply.headers.items()}


def _default_token(acc: Account) -> str:
    """A token as `quollo admin create-token` makes one: the default budget (the fixture's is larger)."""
    return accounts.create_token(acc.user_id)[1]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_every_authenticated_answer_says_where_the_token_stands(
    api: Api, account: AccountFactory, clock: FakeClock, method: str, path: str, body: str | dict[str, str] | None
) -> None:
    acc = account(credits=3)
    token = _default_token(acc)
    interview_id = api.call("POST", "/v1/interviews", token=token, body=create_body(acc.plan_id, "t")).json()["id"]
    if body == "create":
        body = create_body(acc.plan_id, "t")
    reply = api.call(method, path.replace("{id}", interview_id), token=token, body=body)
    assert reply.status < 300, reply.body
    headers = _headers(reply)
    assert headers["x-ratelimit-limit"] == "120"
    assert headers["x-ratelimit-remaining"] == "118"  # the create above, then this request
    reset = int(headers["x-ratelimit-reset"])
    assert 0 < reset - clock() <= 60 and reset % 60 == 0


def test_errors_after_authentication_carry_the_headers_too(api: Api, account: AccountFactory) -> None:
    acc = account()
    reply = api.call("GET", "/v1/interviews", token=_default_token(acc), query="limit=0")
    assert reply.status == 400 and _headers(reply)["x-ratelimit-remaining"] == "119"


def test_over_budget_is_a_429_with_retry_after_and_nothing_done(
    api: Api, account: AccountFactory, aws_calls: CallCounter
) -> None:
    acc = account(credits=5)
    token_id, token = accounts.create_token(acc.user_id, rate_limit=3)
    body = create_body(acc.plan_id, "t")
    answers = [api.call("POST", "/v1/interviews", token=token, body=body) for _ in range(3)]
    assert [reply.status for reply in answers] == [201, 201, 201]
    assert [_headers(reply)["x-ratelimit-remaining"] for reply in answers] == ["2", "1", "0"]
    aws_calls.reset()
    refused = api.call("POST", "/v1/interviews", token=token, body=body)
    assert refused.status == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    headers = _headers(refused)
    assert headers["x-ratelimit-limit"] == "3" and headers["x-ratelimit-remaining"] == "0"
    assert 1 <= int(headers["retry-after"]) <= 60
    assert aws_calls.calls == ["UpdateItem"], "nothing but the token's counter"
    assert users.get_balance(acc.user_id) == 2
    # Another token of the same user, and another user, keep their own budgets.
    assert api.call("GET", "/v1/plans", token=acc.token).status == 200
    other = account(name="Other")
    assert api.call("GET", "/v1/plans", token=other.token).status == 200


def test_the_budget_comes_back_when_the_minute_ends(api: Api, account: AccountFactory, clock: FakeClock) -> None:
    acc = account()
    token = accounts.create_token(acc.user_id, rate_limit=2)[1]
    assert [api.call("GET", "/v1/plans", token=token).status for _ in range(3)] == [200, 200, 429]
    clock.advance(60 - INTO_THE_MINUTE - 1)  # the window's last second
    refused = api.call("GET", "/v1/plans", token=token)
    assert refused.status == 429 and _headers(refused)["retry-after"] == "1"
    clock.advance(1)
    again = api.call("GET", "/v1/plans", token=token)
    assert again.status == 200 and _headers(again)["x-ratelimit-remaining"] == "1"


def test_set_rate_limit_changes_the_budget_on_the_next_request(api: Api, account: AccountFactory) -> None:
    acc = account()
    for _ in range(2):
        assert api.call("GET", "/v1/plans", token=acc.token).status == 200
    # (the fixture's token starts with a large budget; set it small, then large again)
    accounts.set_rate_limit(acc.token_id, 2)
    assert api.call("GET", "/v1/plans", token=acc.token).status == 429
    accounts.set_rate_limit(acc.token_id, 10)
    assert _headers(api.call("GET", "/v1/plans", token=acc.token))["x-ratelimit-remaining"] == "6"


def test_failed_authentication_is_limited_per_source_ip(
    api: Api, account: AccountFactory, aws_calls: CallCounter
) -> None:
    acc = account()

    def from_ip(ip: str, token: str) -> gateway.Reply:
        return gateway.invoke("GET", "/v1/plans", {"Authorization": f"Bearer {token}"}, client_ip=ip)

    guessing, other = an_address(), an_address()
    guesses = [from_ip(guessing, tokens.generate()) for _ in range(30)]
    assert {reply.status for reply in guesses} == {401}
    aws_calls.reset()
    slowed = from_ip(guessing, tokens.generate())
    assert slowed.status == 429 and slowed.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(_headers(slowed)["retry-after"]) <= 60
    assert aws_calls.calls == ["UpdateItem"], "the token's lookup only: failures past the limit are not counted"
    assert from_ip(other, tokens.generate()).status == 401  # other addresses are not slowed
    assert from_ip(other, acc.token).status == 200


def test_a_valid_token_is_never_refused_for_other_clients_failures_at_its_address(
    api: Api, account: AccountFactory, aws_calls: CallCounter, clock: FakeClock
) -> None:
    """Integrations behind one NAT share an address: another client's bad tokens must not lock them out."""
    acc = account()
    nat = an_address()

    def from_nat(token: str | None) -> gateway.Reply:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        return gateway.invoke("GET", "/v1/plans", headers, client_ip=nat)

    assert {from_nat(tokens.generate()).status for _ in range(30)} == {401}
    bad = tokens.generate()
    assert from_nat(bad).status == 429
    aws_calls.reset()
    served = from_nat(acc.token)
    assert served.status == 200, served.body
    assert sorted(aws_calls.calls) == ["Query", "UpdateItem"], "a valid token costs what it always costs"
    # Failures from that address stay refused, and cheap: a token already refused, or none, costs no call.
    aws_calls.reset()
    assert from_nat(bad).status == 429
    assert from_nat(None).status == 429
    assert aws_calls.calls == []
    # Until the window ends: the next minute starts afresh.
    clock.advance(60)
    assert from_nat(tokens.generate()).status == 401


def test_a_request_costs_one_call_for_authentication_and_counting(
    api: Api, account: AccountFactory, aws_calls: CallCounter
) -> None:
    acc = account()
    aws_calls.reset()
    assert api.call("GET", "/v1/plans", token=acc.token).status == 200
    assert sorted(aws_calls.calls) == ["Query", "UpdateItem"]


def test_a_late_request_from_the_previous_minute_does_not_reset_the_current_one(moto_aws: None) -> None:
    """A request that read the clock just before a minute ended but arrives after one of the next
    minute is counted in the newer minute, never erasing its counter (the data layer's contract)."""
    from functions.data import tokens as token_store
    from testkit.accounts import create_account

    acc = create_account(1, "Late")
    token_hash = tokens.fingerprint(acc.token)
    now = int(time.time() // 60)
    first = token_store.use(token_hash, now + 1)
    late = token_store.use(token_hash, now)
    after = token_store.use(token_hash, now + 1)
    assert first is not None and late is not None and after is not None
    assert (first.used, late.used, after.used) == (1, 2, 3)
