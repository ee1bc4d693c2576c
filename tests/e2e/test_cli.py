"""The `quollo` command as scripts use it: one JSON object on success, one line on stderr on failure."""

from __future__ import annotations

import json
import shlex
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from e2e_support import (
    HTTP_TIMEOUT,
    Server,
    run_quollo,
    start_server,
    stop_server,
)

from testkit.accounts import create_body
from testkit.server import free_ports, subprocess_env

QUICK_EXIT = 15  # seconds: a refusal to start must not hang


def _one_json_object(stdout: str) -> dict[str, Any]:
    lines = stdout.splitlines()
    assert len(lines) == 1, stdout
    body = json.loads(lines[0])
    assert isinstance(body, dict), body
    return body


def _fails_with_one_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode != 0, (done.stdout, done.stderr)
    assert done.stdout == "", done.stdout
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_admin_success_prints_one_json_object_with_the_documented_keys(server: Server) -> None:
    done = run_quollo("admin", "create-user", "--name", "Initech HR", "--credits", "4", env=server.env)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    user = _one_json_object(done.stdout)
    assert set(user) == {"userId", "balance"} and user["balance"] == 4

    done = run_quollo("admin", "create-token", user["userId"], env=server.env)
    token = _one_json_object(done.stdout)
    assert set(token) == {"tokenId", "token", "rateLimit"} and token["rateLimit"] == 120
    assert token["token"].startswith("qlo_live_") and len(token["token"]) == len("qlo_live_") + 32 + 6

    done = run_quollo(
        "admin",
        "create-plan",
        user["userId"],
        "--name",
        "SRE — on-call round",
        "--tag",
        "sre",
        "--tag",
        "kubernetes",
        "--seniority",
        "JUNIOR",
        "--language",
        "FR",
        env=server.env,
    )
    plan = _one_json_object(done.stdout)
    assert set(plan) == {"id", "name", "tags", "seniority", "language"}
    assert plan["name"] == "SRE — on-call round"
    assert plan["tags"] == ["sre", "kubernetes"] and plan["seniority"] == "JUNIOR" and plan["language"] == "FR"
    listed = server.request("GET", "/v1/plans", token["token"])
    assert listed.status_code == 200 and listed.json()["items"] == [plan], listed.text

    done = run_quollo("admin", "add-credits", user["userId"], "3", env=server.env)
    assert _one_json_object(done.stdout) == {"balance": 7}

    done = run_quollo("admin", "revoke-token", token["tokenId"], env=server.env)
    assert _one_json_object(done.stdout) == {"revoked": True}


@pytest.mark.parametrize(
    "args",
    [
        ("create-token", "usr_does_not_exist"),
        ("add-credits", "usr_does_not_exist", "5"),
        ("create-plan", "usr_does_not_exist", "--name", "Orphan plan"),
        ("revoke-token", "tok_does_not_exist"),
        ("start", "00000000-0000-4000-8000-000000000000"),
    ],
    ids=["create-token", "add-credits", "create-plan", "revoke-token", "start"],
)
def test_admin_unknown_id_fails_with_one_line_naming_it(server: Server, args: tuple[str, ...]) -> None:
    line = _fails_with_one_line(run_quollo("admin", *args, env=server.env))
    assert args[1] in line, line


@pytest.mark.parametrize(
    "args",
    [
        ("add-credits", "usr_e2e_cli", "abc"),
        ("add-credits", "usr_e2e_cli", "0"),
        ("add-credits", "usr_e2e_cli", "-2"),
        ("create-user", "--name", "Negative", "--credits", "-1"),
        ("create-user",),
        ("create-plan", "usr_e2e_cli", "--name", "Plan", "--seniority", "GURU"),
        ("no-such-command",),
        (),
    ],
    ids=[
        "credits-abc",
        "credits-0",
        "credits-negative",
        "user-negative",
        "user-no-name",
        "seniority",
        "command",
        "none",
    ],
)
def test_admin_bad_arguments_fail_with_one_line(server: Server, args: tuple[str, ...]) -> None:
    _fails_with_one_line(run_quollo("admin", *args, env=server.env))


def test_bad_arguments_change_nothing(server: Server) -> None:
    account = server.seeded_account("cli")
    _fails_with_one_line(run_quollo("admin", "add-credits", account.user_id, "0", env=server.env))
    # The seeded balance of 1 is intact: one interview, then none.
    assert server.create_interview(account).status_code == 201
    assert server.create_interview(account).status_code == 402


def test_wrong_lifecycle_steps_are_refused_and_change_nothing(server: Server, tmp_path: Path) -> None:
    owner = server.seeded_account("cli_lifecycle")
    interview_id = server.create_interview(owner).json()["id"]

    line = _fails_with_one_line(run_quollo("admin", "finish", interview_id, env=server.env))
    assert "PENDING" in line and interview_id in line, line

    (tmp_path / "list.json").write_text("[]", encoding="utf-8")
    files = ["--results", "list.json", "--participants", "list.json"]
    _fails_with_one_line(run_quollo("admin", "process", interview_id, env=server.env))
    ready = [
        "ready",
        interview_id,
        "--summary",
        "too early",
        *[str(tmp_path / arg) if "." in arg else arg for arg in files],
    ]
    _fails_with_one_line(run_quollo("admin", *ready, env=server.env))
    got = server.request("GET", f"/v1/interviews/{interview_id}", owner.token).json()
    assert got["interview"]["status"] == "PENDING" and got["record"] is None


def test_admin_without_a_reachable_endpoint_fails_with_one_line() -> None:
    (closed,) = free_ports(1)
    env = subprocess_env(f"http://127.0.0.1:{closed}") | {"AWS_MAX_ATTEMPTS": "1"}
    line = _fails_with_one_line(run_quollo("admin", "add-credits", "usr_x", "1", env=env))
    assert str(closed) in line, line


@pytest.mark.parametrize("flag", ["--port", "--aws-port"])
def test_serve_on_a_taken_port_exits_quickly_and_names_the_port(flag: str) -> None:
    port, aws_port = free_ports(2)
    taken = port if flag == "--port" else aws_port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", taken))
        holder.listen()
        started = time.monotonic()
        done = run_quollo(
            "serve", "--port", str(port), "--aws-port", str(aws_port), env=subprocess_env(), timeout=QUICK_EXIT
        )
    elapsed = time.monotonic() - started
    assert done.returncode != 0, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    assert str(taken) in done.stderr and flag in done.stderr, done.stderr
    assert elapsed < 10, f"took {elapsed:.1f}s to refuse"


def _serve_with_seed(seed: Path) -> subprocess.CompletedProcess[str]:
    port, aws_port = free_ports(2)
    return run_quollo(
        "serve", "--port", str(port), "--aws-port", str(aws_port), "--seed", str(seed), env=subprocess_env(), timeout=30
    )


def test_serve_with_a_missing_seed_file_says_so() -> None:
    done = _serve_with_seed(Path("/nonexistent.json"))
    assert done.returncode != 0
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    assert "/nonexistent.json" in done.stderr, done.stderr


@pytest.mark.parametrize(
    ("users", "named"),
    [
        ([{"name": "Acme", "credits": "ten"}], "credits"),
        ([{"name": "Acme", "tokens": ["qlo_live_typo"]}], "token"),
        ([{"id": "usr_same", "name": "Acme"}, {"id": "usr_same", "name": "Globex"}], "usr_same"),
    ],
    ids=["schema-broken", "malformed-token", "duplicate-user-id"],
)
def test_serve_with_a_bad_seed_names_the_problem_without_a_traceback(
    tmp_path: Path, users: list[dict[str, object]], named: str
) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"users": users}), encoding="utf-8")
    done = _serve_with_seed(seed)
    assert done.returncode != 0
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    assert named in done.stderr, done.stderr


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl to run the printed line as a user would")
def test_serve_without_a_seed_prints_a_demo_token_and_a_curl_line_that_works() -> None:
    demo = start_server(None)
    try:
        assert f"Quollo API listening on {demo.base_url}" in demo.output
        assert len(demo.seeded) == 1 and demo.seeded[0]["balance"] > 0 and len(demo.seeded[0]["planIds"]) == 2
        token = demo.seeded[0]["tokens"][0]["token"]
        assert token in demo.output.split("Try:")[0]
        (curl_line,) = [line.strip() for line in demo.output.splitlines() if line.strip().startswith("curl ")]
        done = subprocess.run(
            [*shlex.split(curl_line), "-w", "\n%{http_code}", "--max-time", str(HTTP_TIMEOUT)],
            capture_output=True,
            text=True,
            timeout=HTTP_TIMEOUT + 5,
        )
        body, status = done.stdout.rsplit("\n", 1)
        assert status == "201", done.stdout + done.stderr
        assert json.loads(body)["balanceAfter"] == demo.seeded[0]["balance"] - 1
    finally:
        stop_server(demo)


def test_list_tokens_shows_ids_and_state_never_the_secret(server: Server) -> None:
    account = server.new_account()
    second = server.admin_ok("create-token", account.user_id)
    server.admin_ok("revoke-token", account.token_id)

    done = run_quollo("admin", "list-tokens", account.user_id, env=server.env)
    listed = _one_json_object(done.stdout)
    assert account.token not in done.stdout and second["token"] not in done.stdout
    by_id = {token["tokenId"]: token for token in listed["tokens"]}
    assert set(by_id) == {account.token_id, second["tokenId"]}
    assert by_id[account.token_id]["revoked"] is True and by_id[second["tokenId"]]["revoked"] is False
    assert all(
        set(token) == {"tokenId", "createdAt", "revoked", "revokedAt", "rateLimit"} for token in listed["tokens"]
    )
    assert "does not exist" in _fails_with_one_line(run_quollo("admin", "list-tokens", "usr_nobody", env=server.env))


def test_revoke_token_given_the_secret_says_so_without_echoing_it(server: Server) -> None:
    account = server.new_account()
    done = run_quollo("admin", "revoke-token", account.token, env=server.env)
    line = _fails_with_one_line(done)
    assert "token id" in line and "list-tokens" in line, line
    assert account.token not in done.stderr and account.token[-10:] not in done.stderr
    assert server.request("GET", "/v1/plans", account.token).status_code == 200


def test_admin_without_a_region_names_the_variables_to_set(tmp_path: Path) -> None:
    env = {key: value for key, value in subprocess_env().items() if key not in ("AWS_DEFAULT_REGION", "AWS_REGION")}
    env["AWS_CONFIG_FILE"] = str(tmp_path / "none")
    line = _fails_with_one_line(run_quollo("admin", "add-credits", "usr_x", "1", env=env))
    assert "AWS_DEFAULT_REGION" in line and "AWS_ENDPOINT_URL" in line, line


def test_admin_messages_carry_no_python_reprs(server: Server) -> None:
    owner = server.new_account(credits=1)
    interview_id = server.create_interview(owner).json()["id"]
    line = _fails_with_one_line(run_quollo("admin", "process", interview_id, env=server.env))
    assert "None" not in line and "PENDING" in line, line


def _exports(output: str) -> dict[str, str]:
    """The variables of every `export A=1 B=2` line the server printed (what a user pastes)."""
    found: dict[str, str] = {}
    for line in output.splitlines():
        words = shlex.split(line.strip())
        if words[:1] == ["export"]:
            found.update(word.split("=", 1) for word in words[1:])  # type: ignore[misc]
    return found


def test_serve_prints_paste_ready_exports_for_the_api_and_for_quollo_admin() -> None:
    demo = start_server(None)
    try:
        exports = _exports(demo.output)
        assert exports["BASE"] == demo.base_url
        assert exports["QUOLLO_TOKEN"] == demo.seeded[0]["tokens"][0]["token"]
        assert exports["AWS_ENDPOINT_URL"] == demo.aws_url
        plans = requests.get(
            exports["BASE"] + "/v1/plans",
            headers={"Authorization": f"Bearer {exports['QUOLLO_TOKEN']}"},
            timeout=HTTP_TIMEOUT,
        )
        assert plans.status_code == 200, plans.text
        admin_env = subprocess_env() | {k: v for k, v in exports.items() if k.startswith("AWS_")}
        user_id = demo.seeded[0]["userId"]
        done = run_quollo("admin", "add-credits", user_id, "1", env=admin_env)
        assert done.returncode == 0 and _one_json_object(done.stdout)["balance"] == demo.seeded[0]["balance"] + 1
    finally:
        stop_server(demo)


def test_serve_with_state_keeps_tokens_interviews_recordings_and_cursors_across_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state"
    first = start_server(None, ["--state", str(state)])
    try:
        token = first.seeded[0]["tokens"][0]["token"]
        auth = {"Authorization": f"Bearer {token}"}
        plan = first.seeded[0]["planIds"][0]
        body = create_body(plan, "Kept")
        made = [
            requests.post(first.base_url + "/v1/interviews", json=body, headers=auth, timeout=HTTP_TIMEOUT)
            for _ in range(3)
        ]
        test = requests.post(
            first.base_url + "/v1/interviews", json={**body, "isTest": True}, headers=auth, timeout=HTTP_TIMEOUT
        )
        assert [r.status_code for r in [*made, test]] == [201, 201, 201, 201]
        page = requests.get(first.base_url + "/v1/interviews?limit=2", headers=auth, timeout=HTTP_TIMEOUT).json()
        balance = made[-1].json()["balanceAfter"]
    finally:
        stop_server(first)
    assert (state / "state.json").exists()

    second = start_server(None, ["--state", str(state)])
    try:
        assert "state" in second.output.lower() and second.seeded == [], second.output
        again = requests.get(
            second.base_url + "/v1/interviews",
            params={"limit": 2, "cursor": page["nextCursor"]},
            headers=auth,
            timeout=HTTP_TIMEOUT,
        )
        assert again.status_code == 200, again.text
        listed = requests.get(second.base_url + "/v1/interviews?limit=100", headers=auth, timeout=HTTP_TIMEOUT).json()
        assert {item["id"] for item in listed["items"]} == {r.json()["id"] for r in [*made, test]}
        got = requests.get(f"{second.base_url}/v1/interviews/{test.json()['id']}", headers=auth, timeout=HTTP_TIMEOUT)
        video = requests.get(got.json()["record"]["videoUrl"], timeout=HTTP_TIMEOUT)
        assert video.status_code == 200 and len(video.content) > 0
        created = requests.post(second.base_url + "/v1/interviews", json=body, headers=auth, timeout=HTTP_TIMEOUT)
        assert created.json()["balanceAfter"] == balance - 1
    finally:
        stop_server(second)
