"""Observability: business metrics in embedded metric format, and secrets kept out of every log line."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import boto3
import pytest

from functions.runtime.observability import logger
from testkit.accounts import AccountFactory, create_body
from testkit.handlers import Api

# The `metrics_out` fixture: the metrics printed since its last call.
type MetricsOut = Callable[[], dict[str, float]]


def _metrics(capsys: pytest.CaptureFixture[str]) -> dict[str, float]:
    """Sum of every EMF metric printed since the last call (Powertools prints one JSON line per flush)."""
    totals: dict[str, float] = {}
    for line in capsys.readouterr().out.splitlines():
        if not line.startswith("{") or '"_aws"' not in line:
            continue
        blob = json.loads(line)
        assert blob["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Quollo"
        for metric in blob["_aws"]["CloudWatchMetrics"][0]["Metrics"]:
            value = blob[metric["Name"]]
            totals[metric["Name"]] = totals.get(metric["Name"], 0) + sum(value if isinstance(value, list) else [value])
    return totals


@pytest.fixture
def metrics_out(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> MetricsOut:
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    monkeypatch.delenv("POWERTOOLS_DEV", raising=False)
    capsys.readouterr()
    return lambda: _metrics(capsys)


def test_a_create_counts_one_interview_and_one_debit_and_its_replay_counts_nothing(
    api: Api, account: AccountFactory, metrics_out: MetricsOut
) -> None:
    acc = account(credits=2)
    metrics_out()
    headers = {"Idempotency-Key": "order-1"}
    body = create_body(acc.plan_id, "t")
    assert api.call("POST", "/v1/interviews", token=acc.token, body=body, headers=headers).status == 201
    assert metrics_out() == {"InterviewsCreated": 1, "CreditsDebited": 1}
    assert api.call("POST", "/v1/interviews", token=acc.token, body=body, headers=headers).status == 201
    assert metrics_out() == {}


def test_a_test_interview_is_created_but_debits_nothing(
    api: Api, account: AccountFactory, metrics_out: MetricsOut
) -> None:
    acc = account()
    metrics_out()
    assert api.create(acc, isTest=True).status == 201
    assert metrics_out() == {"InterviewsCreated": 1}


def test_insufficient_balance_and_refunds_are_counted(
    api: Api, account: AccountFactory, metrics_out: MetricsOut
) -> None:
    acc = account(credits=1)
    interview_id = api.create(acc).json()["id"]
    metrics_out()
    assert api.create(acc).status == 402
    assert metrics_out() == {"InsufficientBalanceRejections": 1}
    assert api.call("DELETE", f"/v1/interviews/{interview_id}", token=acc.token).json()["refunded"] is True
    assert metrics_out() == {"CreditsRefunded": 1}


@pytest.mark.parametrize("authorization", [None, "Bearer qlo_live_forged", "Basic abc"])
def test_auth_failures_are_counted(
    api: Api, account: AccountFactory, metrics_out: MetricsOut, authorization: str | None
) -> None:
    account()
    metrics_out()
    headers = {"Authorization": authorization} if authorization else {}
    assert api.call("GET", "/v1/interviews", headers=headers).status == 401
    assert metrics_out() == {"AuthFailures": 1}


def test_reads_emit_no_metric(api: Api, account: AccountFactory, metrics_out: MetricsOut) -> None:
    acc = account()
    metrics_out()
    assert api.call("GET", "/v1/interviews", token=acc.token).status == 200
    assert metrics_out() == {}


def test_no_token_or_pin_ever_reaches_a_log_line(
    api: Api, account: AccountFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """Every record from every logger at DEBUG, rendered as the JSON line Lambda would store."""
    acc, other = account(credits=1), account()
    logger.setLevel(logging.DEBUG)
    try:
        with caplog.at_level(logging.DEBUG):
            created = api.create(acc)
            pin = created.json()["pin"]
            interview_id = created.json()["id"]
            api.call("GET", f"/v1/interviews/{interview_id}", token=acc.token)
            api.call("GET", f"/v1/interviews/{interview_id}", token=other.token)  # 404, not yours
            api.create(acc)  # 402
            api.call("GET", "/v1/interviews", token=acc.token[:-1] + ("0" if acc.token[-1] != "0" else "1"))
            api.call("GET", "/v1/interviews", token=acc.token, query="limit=0")
            boto3.client("dynamodb").delete_table(TableName="quollo-interviews")
            assert api.call("GET", "/v1/interviews", token=acc.token).status == 500
    finally:
        logger.setLevel(logging.INFO)
    lines = [logger.registered_formatter.format(record) for record in caplog.records]
    assert any("unexpected failure" in line for line in lines), "the 500 was logged"
    assert any(acc.user_id in line for line in lines), "the user id is appended once authenticated"
    for secret in (acc.token, other.token, acc.token.removeprefix("qlo_live_")):
        assert not [line for line in lines if secret in line]
    assert not [line for line in lines if f'"pin":"{pin}"' in line.replace(" ", "") or f"'pin': '{pin}'" in line]
