"""`quollo smoke` and `make smoke` against `quollo serve`: the check docs/deploy.md runs after every deploy.

The real CLI runs as a subprocess with nothing but the base URL and a token (no AWS settings), as an
operator runs it against a deployed stack; a receiver on 127.0.0.1 takes the webhook ping.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator

import pytest
from e2e_support import Server, run_quollo

from functions.domain import tokens
from testkit.accounts import Account
from testkit.server import ROOT, subprocess_env
from testkit.webhook_receiver import Receiver, receiving

STEPS = ["list plans", "create test interview", "read interview", "delete interview", "interview gone"]
WEBHOOK_STEPS = ["register webhook", "ping webhook", "ping delivered", "delete webhook"]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as running:
        yield running


def _smoke(server: Server, token: str, *args: str) -> subprocess.CompletedProcess[str]:
    # subprocess_env(): fake AWS credentials and no endpoint, so only HTTP can reach the server.
    return run_quollo(
        "smoke", "--base", server.base_url + "/", "--token", token, *args, env=subprocess_env(), timeout=90
    )


def _left_behind(server: Server, account: Account) -> dict[str, object]:
    """What the account holds after a run: a smoke test must leave it as it found it."""
    found: dict[str, object] = {}
    for name, path in (("interviews", "/v1/interviews"), ("webhooks", "/v1/webhooks"), ("balance", "/v1/balance")):
        answer = server.request("GET", path, account.token)
        assert answer.status_code == 200, answer.text
        found[name] = answer.json().get("items", answer.json().get("balance"))
    return found


def test_smoke_passes_every_step_and_leaves_the_account_as_it_was(server: Server, receiver: Receiver) -> None:
    account = server.seeded_account("smoke")  # no credit: a test interview costs none

    done = _smoke(server, account.token, "--receiver", receiver.url("/smoke"))

    assert done.returncode == 0, (done.stdout, done.stderr)
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    assert [line.split(" (")[0] for line in lines[:-1]] == [f"ok   {step}" for step in STEPS + WEBHOOK_STEPS]
    assert lines[-1] == "smoke: every step passed"
    assert account.token not in done.stdout
    [ping] = receiver.wait_for("/smoke", 1)
    assert json.loads(ping.body)["type"] == "webhook.ping"
    assert _left_behind(server, account) == {"interviews": [], "webhooks": [], "balance": 0}


def test_a_wrong_token_exits_non_zero_naming_the_step_without_printing_the_token(server: Server) -> None:
    unknown = tokens.generate()  # well formed, so the API looks it up and answers invalid_token

    done = _smoke(server, unknown)

    assert done.returncode == 1, (done.stdout, done.stderr)
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith("quollo smoke: list plans: GET /v1/plans: expected HTTP 200, got 401: invalid_token")
    assert unknown not in done.stdout + done.stderr


def test_a_receiver_refusing_the_ping_fails_that_step_and_the_webhook_is_deleted(
    server: Server, receiver: Receiver
) -> None:
    account = server.seeded_account("smoke_hook")
    receiver.answers["/refusing"] = [500] * 5

    done = _smoke(server, account.token, "--receiver", receiver.url("/refusing"))

    assert done.returncode == 1, (done.stdout, done.stderr)
    assert done.stderr == "quollo smoke: ping delivered: the receiver did not take the ping: HTTP 500\n"
    assert "ok   ping webhook" in done.stdout and "cleaned up /v1/webhooks/wh_" in done.stdout
    assert account.token not in done.stdout + done.stderr
    assert _left_behind(server, account) == {"interviews": [], "webhooks": [], "balance": 0}


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_smoke_runs_the_check_without_echoing_the_token(server: Server) -> None:
    account = server.seeded_account("smoke")
    # -o: the venv is what this test runs in; make must not sync it mid-session.
    done = subprocess.run(
        ["make", "-o", ".venv/.local-stamp", "smoke", f"BASE={server.base_url}", f"TOKEN={account.token}"],
        cwd=ROOT,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=90,
    )

    assert done.returncode == 0, (done.stdout, done.stderr)
    assert "smoke: every step passed" in done.stdout
    assert account.token not in done.stdout + done.stderr
