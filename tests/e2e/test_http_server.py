"""The local server's HTTP layer over raw sockets: HEAD, keep-alive, slow and broken clients, framing
errors, chunked bodies, the error format of what the server itself answers, and /docs offline."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator

import pytest
from e2e_support import (
    HTTP_TIMEOUT,
    RawClient,
    RawResponse,
    Server,
    http_request,
    output_since,
    start_server,
    stop_server,
)

from functions.models.webhooks_api import EVENT_TYPES
from functions.routes import ROUTES
from testkit.accounts import Account, create_body
from testkit.api_errors import assert_error
from testkit.server import STOP_DEADLINE

# API Gateway's payload limit, which the local server enforces too (10 MiB).
MAX_BODY = 10 * 1024 * 1024
ACCESS_LINE = re.compile(r"^(\S+) (\S+) (\d{3}) \d+\.\dms$", re.MULTILINE)
# The operations of the route table, and the event payloads (OpenAPI 3.1 `webhooks`) listed by event
# name, as Swagger UI lists them.
OPERATIONS = {
    *((route.method.lower(), route.path) for route in ROUTES),
    *(("post", event) for event in (*EVENT_TYPES, "webhook.ping")),
}


@pytest.fixture(scope="module")
def account(server: Server) -> Account:
    return server.new_account(credits=2)


def _assert_our_error(response: RawResponse, status: int, code: str) -> None:
    """The API's error answer (testkit.api_errors), from the local server itself: its Server header."""
    assert_error(response, status, code)
    assert response.header("Server") == "quollo-local", response.headers


def _create_body(account: Account, title: str) -> bytes:
    return json.dumps(create_body(account.plan_id, title)).encode()


# --- 1. HEAD, keep-alive, broken clients --------------------------------------------------------


@pytest.mark.parametrize("target", ["/v1/plans", "/v1/interviews/some-id", "/nowhere", "/docs"])
def test_head_answers_carry_no_body_and_the_connection_serves_the_next_request(server: Server, target: str) -> None:
    with RawClient(server.base_url) as client:
        head = client.exchange(http_request("HEAD", target), head=True)
        assert head.status in (200, 404, 405), head
        assert client.nothing_more_within(0.5), f"HEAD {target} sent a body: {client.buffer[:200]!r}"

        after = client.exchange(http_request("GET", "/v1/plans"))
        _assert_our_error(after, 401, "unauthenticated")


def test_client_mistakes_leave_no_traceback_and_the_server_keeps_answering(server: Server, account: Account) -> None:
    mark = len(server.lines)
    authorized = [("Authorization", f"Bearer {account.token}")]
    # A request the server is still working on when the client resets the connection.
    for _ in range(5):
        client = RawClient(server.base_url)
        client.send(http_request("GET", "/v1/plans", authorized))
        client.reset()
    # Half a body, then a reset; half a request line, then a close; a connection that says nothing.
    client = RawClient(server.base_url)
    client.send(http_request("POST", "/v1/interviews", [("Content-Length", "100")], b'{"title"'))
    client.reset()
    client = RawClient(server.base_url)
    client.send(b"GET /v1/pl")
    client.close()
    RawClient(server.base_url).close()
    # Not HTTP at all (a TLS client hello on the plain port), and an unparsable Content-Length.
    with RawClient(server.base_url) as client:
        client.send(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64 + b"\r\n\r\n")
        assert client.closed_by_server_within(HTTP_TIMEOUT)
    with RawClient(server.base_url) as client:
        client.send(http_request("POST", "/v1/interviews", [("Content-Length", "abc")]))
        client.closed_by_server_within(HTTP_TIMEOUT)

    assert server.request("GET", "/v1/plans", account.token).status_code == 200
    printed = output_since(server, mark, "GET /v1/plans 200 ")
    assert "Traceback" not in printed, printed


def test_every_request_prints_one_access_line(server: Server) -> None:
    # Each request carries this test's own mark in its query, so an access line that an earlier test's
    # request prints late (the server prints it after the answer has reached the client) is not ours.
    probe = f"probe={uuid.uuid4().hex}"
    requests = [
        ("GET", f"/v1/plans?limit=5&{probe}"),
        ("HEAD", f"/v1/plans?{probe}"),
        ("GET", f"/v1/openapi.json?{probe}"),
    ]
    mark = len(server.lines)
    with RawClient(server.base_url) as client:
        for method, target in requests:
            client.exchange(http_request(method, target), head=method == "HEAD")
    printed = output_since(server, mark, f"GET /v1/openapi.json?{probe} 200 ")
    lines = [line for line in ACCESS_LINE.findall(printed) if probe in line[1]]
    assert lines == [
        ("GET", f"/v1/plans?limit=5&{probe}", "401"),
        ("HEAD", f"/v1/plans?{probe}", "405"),
        ("GET", f"/v1/openapi.json?{probe}", "200"),
    ]
    # Only requests of this test end in its probe: no request printed twice, none printed without it.
    assert printed.count(probe) == len(requests), printed


# --- 2. slow clients and the idle timeout -------------------------------------------------------


def test_fifty_clients_holding_half_sent_bodies_do_not_block_a_normal_request(server: Server, account: Account) -> None:
    slow = [RawClient(server.base_url) for _ in range(50)]
    try:
        for client in slow:
            client.send(
                http_request(
                    "POST",
                    "/v1/interviews",
                    [("Authorization", f"Bearer {account.token}"), ("Content-Type", "application/json")]
                    + [("Content-Length", "1000")],
                    b'{"title": "half',
                )
            )
        # No pause: the 50 connections are in the server's accept queue, their bytes sent, before the
        # normal request connects, so it is accepted after them, behind them if they could block it.
        started = time.monotonic()
        answer = server.request("GET", "/v1/plans", account.token)
        elapsed = time.monotonic() - started
        assert answer.status_code == 200, answer.text
        assert elapsed < 3, f"a normal request waited {elapsed:.1f}s behind 50 slow clients"
    finally:
        for client in slow:
            client.close()


@pytest.fixture(scope="module")
def impatient_server() -> Iterator[Server]:
    """A second server whose connections time out after 2 s of silence (the demo seed)."""
    running = start_server(None, ["--idle-timeout", "2"])
    try:
        yield running
    finally:
        stop_server(running)


def test_the_idle_timeout_closes_a_stalled_connection(impatient_server: Server) -> None:
    with RawClient(impatient_server.base_url) as stalled, RawClient(impatient_server.base_url) as idle:
        stalled.send(http_request("POST", "/v1/interviews", [("Content-Length", "100")], b'{"ti'))
        idle.exchange(http_request("GET", "/v1/plans"))
        started = time.monotonic()
        assert stalled.closed_by_server_within(10), "a stalled request outlived --idle-timeout 2"
        assert idle.closed_by_server_within(10), "an idle keep-alive connection outlived --idle-timeout 2"
        waited = time.monotonic() - started
        assert waited >= 1.5, f"closed after {waited:.1f}s, before the 2 s idle timeout"
    # A connection that keeps talking is not cut.
    with RawClient(impatient_server.base_url) as busy:
        for _ in range(4):
            assert busy.exchange(http_request("GET", "/v1/plans")).status == 401
            time.sleep(1)


def test_sigterm_stops_the_server_cleanly(impatient_server: Server) -> None:
    # Runs last in this module: the fixture's teardown then sees an exited process with status 0.
    impatient_server.process.send_signal(signal.SIGTERM)
    assert impatient_server.process.wait(STOP_DEADLINE) == 0, impatient_server.output
    assert "Stopping." in impatient_server.output and "Traceback" not in impatient_server.output


# --- 3. and 5. framing errors get an answer, in our error format ---------------------------------


@pytest.mark.parametrize(
    ("request_bytes", "status", "code"),
    [
        (http_request("POST", "/v1/interviews", [("Content-Length", "abc")]), 400, "bad_request"),
        (http_request("POST", "/v1/interviews", [("Content-Length", "-1")]), 400, "bad_request"),
        (http_request("POST", "/v1/interviews", [("Content-Length", "99999999999")]), 413, "validation_failed"),
        (http_request("POST", "/v1/interviews", [("Content-Length", str(MAX_BODY + 1))]), 413, "validation_failed"),
        (http_request("GET", "/v1/plans", [("X-Padding", "a" * 300_000)]), 431, "bad_request"),
        (b"GET\r\nHost: 127.0.0.1\r\n\r\n", 400, "bad_request"),
        (http_request("GET", "/v1/plans", [("Bad Header", "x")]), 400, "bad_request"),
        (http_request("POST", "/v1/interviews", [("Transfer-Encoding", "gzip")]), 400, "bad_request"),
        (http_request("POST", "/v1/interviews", [("Transfer-Encoding", "gzip, chunked")]), 400, "bad_request"),
        (
            http_request("POST", "/v1/interviews", [("Transfer-Encoding", "chunked"), ("Transfer-Encoding", "gzip")]),
            400,
            "bad_request",
        ),
        (
            http_request("POST", "/v1/interviews", [("Transfer-Encoding", "chunked")] * 2, b"0\r\n\r\n"),
            400,
            "bad_request",
        ),
        (
            http_request("POST", "/v1/interviews", [("Transfer-Encoding", "chunked")], b"zz\r\nnot hex\r\n0\r\n\r\n"),
            400,
            "bad_request",
        ),
    ],
    ids=[
        "content-length-abc",
        "content-length-negative",
        "content-length-huge",
        "body-over-10-MiB",
        "header-too-large",
        "no-request-line",
        "bad-header-name",
        "unknown-transfer-encoding",
        "gzip-then-chunked",
        "two-transfer-encoding-fields",
        "chunked-twice",
        "bad-chunk-size",
    ],
)
def test_requests_the_server_cannot_read_get_our_json_error(
    server: Server, request_bytes: bytes, status: int, code: str
) -> None:
    with RawClient(server.base_url) as client:
        client.send(request_bytes)
        response = client.response()
        _assert_our_error(response, status, code)
        assert client.closed_by_server_within(HTTP_TIMEOUT)
    # What the client sent wrong is never called a server fault.
    assert "server-side" not in response.json()["error"]["message"], response.body


def test_a_body_of_exactly_10_mib_reaches_the_handler(server: Server) -> None:
    with RawClient(server.base_url) as client:
        client.send(http_request("POST", "/v1/interviews", [("Content-Length", str(MAX_BODY))]))
        client.send(b"x" * MAX_BODY)
        # The handler answers (authentication comes first), not the server's 413.
        _assert_our_error(client.response(), 401, "unauthenticated")


# --- 4. chunked request bodies ------------------------------------------------------------------


def test_a_chunked_create_body_reaches_the_handler(server: Server, account: Account) -> None:
    body = _create_body(account, "Chunked final round")
    chunks = b"".join(f"{len(part):x}\r\n".encode() + part + b"\r\n" for part in (body[:10], body[10:])) + b"0\r\n\r\n"
    headers = [
        ("Authorization", f"Bearer {account.token}"),
        ("Content-Type", "application/json"),
        ("Transfer-Encoding", "chunked"),
    ]
    with RawClient(server.base_url) as client:
        created = client.exchange(http_request("POST", "/v1/interviews", headers, chunks))
        assert created.status == 201, created.body
        interview_id = created.json()["id"]
        listed = client.exchange(http_request("GET", "/v1/interviews", headers[:1]))
    assert listed.status == 200, listed.body
    assert {item["id"]: item["title"] for item in listed.json()["items"]}[interview_id] == "Chunked final round"


def test_header_fields_reach_the_handler_as_sent(server: Server, account: Account) -> None:
    # A WSGI environ folds a repeated field into one comma-joined value; the handler must still see
    # two Authorization fields (and refuse them), as behind API Gateway.
    with RawClient(server.base_url) as client:
        twice = [("Authorization", f"Bearer {account.token}")] * 2
        _assert_our_error(client.exchange(http_request("GET", "/v1/plans", twice)), 400, "validation_failed")
        assert client.exchange(http_request("GET", "/v1/plans", twice[:1])).status == 200


# --- 6. the Server header -----------------------------------------------------------------------


def test_the_server_header_names_no_software_version(server: Server) -> None:
    with RawClient(server.base_url) as client:
        for target in ("/v1/plans", "/docs", "/nowhere"):
            response = client.exchange(http_request("GET", target))
            assert response.header("Server") == "quollo-local", (target, response.headers)
            assert response.header("Via") is None, (target, response.headers)


# --- 7. /docs works offline ---------------------------------------------------------------------


def test_docs_reference_only_local_assets(server: Server) -> None:
    page = server.request("GET", "/docs")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html"), page.text
    assert "//" not in re.sub(r"<script>.*?</script>", "", page.text, flags=re.DOTALL), page.text
    assets = re.findall(r'(?:href|src)="([^"]+)"', page.text)
    assert assets, page.text
    for asset in assets:
        assert asset.startswith("/docs/"), asset
        response = server.request("GET", asset)
        assert response.status_code == 200 and len(response.content) > 10_000, (asset, response.status_code)
        expected = "text/css" if asset.endswith(".css") else "text/javascript"
        assert response.headers["Content-Type"].startswith(expected), (asset, response.headers)


def test_swagger_ui_renders_every_operation_with_no_network(server: Server) -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("chromium is missing: `make browser` installs it")
    with tempfile.TemporaryDirectory(prefix="quollo-chromium-") as profile:
        done = subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                f"--user-data-dir={profile}",
                # No network: every host name fails to resolve, but for the local server's address.
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                "--virtual-time-budget=10000",
                "--dump-dom",
                server.base_url + "/docs",
            ],
            capture_output=True,
            text=True,
            timeout=90,
        )
    dom = done.stdout
    assert done.returncode == 0, done.stderr[-2000:]
    rendered = set(re.findall(r'class="opblock opblock-(\w+).*?data-path="([^"]+)"', dom, flags=re.DOTALL))
    assert rendered == OPERATIONS, (rendered, dom[-3000:])
    assert "Quollo" in dom
