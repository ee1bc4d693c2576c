"""Helpers for the black-box tests: a real `quollo serve` subprocess on free ports, HTTP and `quollo admin`."""

from __future__ import annotations

import json
import re
import socket
import struct
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from testkit.accounts import SAMPLE_TITLE, Account, create_body
from testkit.aws import REGION
from testkit.server import QUOLLO, ROOT, LocalServer, ServerError, subprocess_env
from testkit.server import start_server as start_local_server
from testkit.server import stop_server as stop_local_server

EXAMPLE_SEED = ROOT / "examples" / "seed.json"
# A deadline per request, not a wait: 20 racing creates on a server starved at load 10 took past 15 s.
HTTP_TIMEOUT = 60
# Users the session's seed adds to the example seed, one per test that needs its own balance, so
# that tests do not spend a second per `quollo admin` call just to set up (key -> credits).
TEST_USERS = {
    "lifecycle": 1,
    "pages": 45,
    "patch": 1,
    "refund": 2,
    "revoke": 0,
    "owner": 1,
    "intruder": 0,
    "routes": 0,
    "race_create": 5,
    "race_delete": 1,
    "cli": 1,
    "cli_lifecycle": 1,
    # tests/e2e/test_candidates_jobs.py
    "talent": 100,
    "talent_other": 5,
    "talent_broke": 0,
    "talent_race": 5,
    "talent_pages": 47,
    # tests/e2e/test_smoke.py: no credit, as a test interview costs none
    "smoke": 0,
    "smoke_hook": 0,
}
Rows = list[dict[str, Any]]
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def run_quollo(*args: str, env: dict[str, str], timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(QUOLLO), *args], env=env, capture_output=True, text=True, timeout=timeout, cwd=ROOT)


def parse_json(stdout: str) -> Any:
    try:
        return json.loads(stdout)
    except ValueError:
        return None


def assert_timestamps(value: Any, where: str = "body") -> None:
    """Every `...At` field anywhere in a JSON value is ISO 8601 UTC with milliseconds and Z (or null)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key.endswith("At") and item is not None:
                assert isinstance(item, str) and TIMESTAMP.match(item), f"{where}.{key} = {item!r}"
            assert_timestamps(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            assert_timestamps(item, f"{where}[{index}]")


class Server(LocalServer):
    """A running `quollo serve`, with HTTP and `quollo admin` against it."""

    # --- HTTP -------------------------------------------------------------------------------
    def request(
        self, method: str, path: str, token: str | None = None, session: requests.Session | None = None, **kwargs: Any
    ) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        send = session.request if session is not None else requests.request
        return send(method, self.base_url + path, headers=headers, timeout=HTTP_TIMEOUT, **kwargs)

    def create_interview(
        self, account: Account, title: str = SAMPLE_TITLE, session: requests.Session | None = None
    ) -> requests.Response:
        body = create_body(account.plan_id, title)
        return self.request("POST", "/v1/interviews", account.token, session=session, json=body)

    # --- admin ------------------------------------------------------------------------------
    @property
    def env(self) -> dict[str, str]:
        return subprocess_env(self.aws_url)

    def admin(self, *args: str) -> tuple[int, Any, str]:
        """`quollo admin ARGS` against this server's moto: (exit code, stdout as JSON or None, stderr)."""
        done = run_quollo("admin", *args, env=self.env)
        return done.returncode, parse_json(done.stdout), done.stderr

    def admin_ok(self, *args: str) -> Any:
        code, body, stderr = self.admin(*args)
        assert code == 0 and body is not None, f"quollo admin {' '.join(args)} -> {code}, stderr: {stderr}"
        return body

    def admin_ready(self, interview_id: str, tmp: Path, summary: str, results: Rows, people: Rows) -> Any:
        """`quollo admin ready`: the record's results and participants written as files in `tmp` first."""
        files = {"results.json": json.dumps(results).encode(), "participants.json": json.dumps(people).encode()}
        for name, content in files.items():
            (tmp / name).write_bytes(content)
        paths = [str(tmp / name) for name in ("results.json", "participants.json")]
        flags = ["--summary", summary, "--results", paths[0], "--participants", paths[1]]
        return self.admin_ok("ready", interview_id, *flags)

    def seeded_account(self, key: str) -> Account:
        """One of the TEST_USERS, as the server printed it at start-up (token generated by the seed)."""
        user = next(user for user in self.seeded if user["userId"] == f"usr_e2e_{key}")
        token = user["tokens"][0]
        plan_id = user["planIds"][0]
        return Account(user_id=user["userId"], token=token["token"], token_id=token["tokenId"], plan_id=plan_id)

    def new_account(self, credits: int = 0, name: str = "E2E recruiter") -> Account:
        user = self.admin_ok("create-user", "--name", name, "--credits", str(credits))
        token = self.admin_ok("create-token", user["userId"], "--rate-limit", "10000")
        plan = self.admin_ok("create-plan", user["userId"], "--name", "Backend engineer", "--tag", "backend")
        return Account(user_id=user["userId"], token=token["token"], token_id=token["tokenId"], plan_id=plan["id"])


def write_seed(path: Path) -> Path:
    """The example seed file with TEST_USERS appended (no tokens: the server generates and prints them)."""
    seed = json.loads(EXAMPLE_SEED.read_text(encoding="utf-8"))
    seed["users"] = seed["users"] + [
        {
            "id": f"usr_e2e_{key}",
            "name": f"E2E {key}",
            "credits": credits,
            "plans": [{"id": f"plan_e2e_{key}", "name": "Backend engineer", "tags": ["backend"]}],
        }
        for key, credits in TEST_USERS.items()
    ]
    path.write_text(json.dumps(seed, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def start_server(seed: Path | None, extra_args: Sequence[str] = (), env: dict[str, str] | None = None) -> Server:
    try:
        return start_local_server(seed, extra_args, server_type=Server, env=env)
    except ServerError as error:
        pytest.fail(str(error))


def stop_server(server: Server) -> None:
    try:
        stop_local_server(server)
    except ServerError as error:
        pytest.fail(str(error))
    process = server.process
    assert process.returncode == 0, f"quollo serve exited {process.returncode} on Ctrl-C; output:\n{server.output}"
    assert "Traceback" not in server.output, server.output


# --- raw HTTP ---------------------------------------------------------------------------------
# `requests` hides what the server does with a malformed request, a HEAD answer or a stalled
# connection; these helpers speak HTTP/1.1 over a plain socket instead.


@dataclass
class RawResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        values = [value for key, value in self.headers if key.lower() == name.lower()]
        assert len(values) <= 1, f"{name} sent {len(values)} times: {self.headers}"
        return values[0] if values else None

    def json(self) -> Any:
        return json.loads(self.body)


class RawClient:
    """One TCP connection to the server; responses are parsed by Content-Length or read to EOF."""

    def __init__(self, base_url: str, timeout: float = HTTP_TIMEOUT) -> None:
        host, port = base_url.removeprefix("http://").rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        self.buffer = b""

    def __enter__(self) -> RawClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.sock.close()

    def reset(self) -> None:
        """Close with a TCP RST instead of a FIN, as a crashed or impatient client does."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        self.buffer += chunk
        return bool(chunk)

    def response(self, head: bool = False) -> RawResponse:
        """The next response on the connection; `head=True` for the answer to a HEAD (no body follows)."""
        while b"\r\n\r\n" not in self.buffer:
            if not self._fill():
                raise ConnectionError(f"connection closed before a full response head: {self.buffer!r}")
        head_bytes, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        status_line, *header_lines = head_bytes.decode("latin-1").split("\r\n")
        match = re.fullmatch(r"HTTP/1\.[01] (\d{3}) .*", status_line)
        assert match, f"not a status line: {status_line!r} (head {head_bytes[:300]!r})"
        headers = [tuple(line.split(": ", 1)) for line in header_lines]
        response = RawResponse(int(match[1]), [(name, value) for name, value in headers], b"")
        length = response.header("Content-Length")
        if head or response.status in (204, 304):
            return response
        if length is None:
            while self._fill():
                pass
            response.body, self.buffer = self.buffer, b""
            return response
        while len(self.buffer) < int(length):
            if not self._fill():
                raise ConnectionError(f"connection closed after {len(self.buffer)} of {length} body bytes")
        response.body, self.buffer = self.buffer[: int(length)], self.buffer[int(length) :]
        return response

    def exchange(self, data: bytes, head: bool = False) -> RawResponse:
        self.send(data)
        return self.response(head=head)

    def nothing_more_within(self, seconds: float) -> bool:
        """True when no byte arrives (and the connection stays open) for `seconds`."""
        if self.buffer:
            return False
        self.sock.settimeout(seconds)
        try:
            self._fill()  # a byte, or the end of the connection: either way, not silence
            return False
        except TimeoutError:
            return True
        finally:
            self.sock.settimeout(HTTP_TIMEOUT)

    def closed_by_server_within(self, seconds: float) -> bool:
        """True when the server closes the connection (FIN or RST) within `seconds`, whatever it sent first."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self.sock.settimeout(left)
            try:
                if not self._fill():
                    return True
            except TimeoutError:
                return False
            except ConnectionResetError:
                return True
        return False


def http_request(method: str, target: str, headers: Sequence[tuple[str, str]] = (), body: bytes = b"") -> bytes:
    """The bytes of one HTTP/1.1 request, exactly as given (no Content-Length is added)."""
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", *(f"{name}: {value}" for name, value in headers)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def output_since(server: Server, mark: int, last: str, timeout: float = 10) -> str:
    """What the server printed after `mark` (a len(server.lines)), up to the line holding `last`.

    Waits (at most `timeout` s) for that line: the access line of the test's last request, say.
    """
    until = time.monotonic() + timeout
    while True:
        lines = list(server.lines[mark:])
        for index, line in enumerate(lines):
            if last in line:
                return "".join(lines[: index + 1])
        assert time.monotonic() < until, f"{last!r} not printed within {timeout}s; printed:\n{''.join(lines)}"
        time.sleep(0.05)


def until(what: str, check: Callable[[], Any], timeout: float = 20) -> Any:
    """What `check` returns once it is truthy, polled every 0.1 s for at most `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"{what}: not within {timeout}s"
        time.sleep(0.1)


def interview_record(server: Server, account: Account, interview_id: str) -> Any:
    """The interview's record as `GET /v1/interviews/{id}` shows it (None before it finishes)."""
    got = server.request("GET", f"/v1/interviews/{interview_id}", account.token)
    assert got.status_code == 200, got.text
    return got.json()["record"]


def record_in(server: Server, account: Account, interview_id: str, status: str) -> Callable[[], Any]:
    """A check for `until`: the record once it is in `status`, else None."""

    def check() -> Any:
        record = interview_record(server, account, interview_id)
        return record if record and record["status"] == status else None

    return check


def queue_drained(server: Server, queue: str, timeout: float = 30) -> None:
    """Waits until the server's queue `queue` holds nothing: no message waiting, delayed, hidden or in flight.

    The local workers delete a message once its handler is done with it (and queue any retry before
    that), so an empty queue means every message queued so far has been handled or dropped: the
    positive signal a test waits for before it asserts that nothing more happened.
    """
    sqs = boto3.client("sqs", endpoint_url=server.aws_url, region_name=REGION)
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    names: list[Any] = [f"ApproximateNumberOfMessages{kind}" for kind in ("", "Delayed", "NotVisible")]
    deadline = time.monotonic() + timeout
    while any(int(n) for n in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"].values()):
        assert time.monotonic() < deadline, f"the queue {queue} still held messages after {timeout}s"
        time.sleep(0.1)
