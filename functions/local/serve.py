"""`quollo serve`: the API on localhost, over an embedded moto, with no AWS account."""

from __future__ import annotations

import errno
import functools
import json
import os
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from botocore.exceptions import ClientError

from functions.local import gateway, seed
from functions.local.moto_server import MotoServer
from functions.models.errors import DomainError
from functions.runtime.observability import logger


class PortInUse(Exception):
    pass


def _check_port(host: str, port: int, flag: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                raise PortInUse(f"port {port} on {host} is already in use; choose another with {flag}") from exc
            raise


def _local_aws_environment(aws_port: int) -> None:
    # Fake credentials always: the local server must never sign requests for a real account.
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{aws_port}",
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "POWERTOOLS_TRACE_DISABLED": "true",
            # Embedded-format metric lines would drown the access log; set it to "false" to see them.
            "POWERTOOLS_METRICS_DISABLED": os.environ.get("POWERTOOLS_METRICS_DISABLED", "true"),
            "POWERTOOLS_METRICS_NAMESPACE": os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "Quollo"),
            # The server prints one access line per request; function logs only for warnings and errors.
            "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
        }
    )
    os.environ.pop("AWS_SESSION_TOKEN", None)
    os.environ.pop("AWS_PROFILE", None)


class _ApiServer(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 resets a burst of new connections while threads are busy.
    request_queue_size = 128


class _ApiHandler(BaseHTTPRequestHandler):
    server_version = "quollo-local"
    protocol_version = "HTTP/1.1"

    def _handle(self) -> None:
        started = time.perf_counter()
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = list(self.headers.items())
        try:
            reply = _documentation(parts.path) if self.command == "GET" else None
            reply = reply or gateway.invoke(self.command, parts.path, headers, parts.query, body)
        except Exception as exc:  # the handlers render their own 500s; this is the server's own failure
            sys.stderr.write(f"local gateway failure: {exc!r}\n")
            reply = gateway.Reply(
                500,
                {"Content-Type": "application/json"},
                b'{"error": {"code": "internal_error", "message": "Unexpected server-side failure."}}',
            )
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)
        elapsed = (time.perf_counter() - started) * 1000
        print(f"{self.command} {self.path} {reply.status} {elapsed:.1f}ms", flush=True)

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = do_HEAD = do_OPTIONS = _handle

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass  # one line per request is printed by _handle


_SWAGGER_UI = """<!doctype html>
<html><head><meta charset="utf-8"><title>Quollo API</title>
<link rel="stylesheet" href="https://unpkg.com/swagger-ui-dist@5/swagger-ui.css"></head>
<body><div id="ui"></div><script src="https://unpkg.com/swagger-ui-dist@5/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({url: "/v1/openapi.json", dom_id: "#ui"});</script></body></html>
"""


@functools.cache
def _openapi() -> bytes:
    from functions.local.openapi import render

    return render().encode()


def _documentation(path: str) -> gateway.Reply | None:
    """The spec and Swagger UI: served by the local server only (the deployed API has no such routes)."""
    if path == "/v1/openapi.json":
        return gateway.Reply(200, {"Content-Type": "application/json"}, _openapi())
    if path == "/docs":
        return gateway.Reply(200, {"Content-Type": "text/html; charset=utf-8"}, _SWAGGER_UI.encode())
    return None


def _print_welcome(base_url: str, created: list[dict[str, object]], demo: bool) -> None:
    print(f"Quollo API listening on {base_url}", flush=True)
    for user in created:
        print(json.dumps(user), flush=True)
    if created and created[0]["tokens"]:
        token = created[0]["tokens"][0]["token"]  # type: ignore[index]
        plan_ids = created[0]["planIds"]
        plan = plan_ids[0] if plan_ids else "PLAN_ID"  # type: ignore[index]
        kind = "demo user" if demo else "first seeded user"
        print(f"\nToken of the {kind}: {token}\nTry:\n", flush=True)
        body = json.dumps(
            {"title": "Backend engineer — final round", "planId": plan, "intervieweeName": "Jane Doe"},
            ensure_ascii=False,
        )
        print(
            f"  curl -s -X POST {base_url}/v1/interviews -H 'Authorization: Bearer {token}' "
            f"-H 'Content-Type: application/json' -d '{body}'\n",
            flush=True,
        )
    print(f"OpenAPI: {base_url}/v1/openapi.json · Swagger UI: {base_url}/docs", flush=True)
    print("Press Ctrl-C to stop.", flush=True)


def serve(host: str, port: int, aws_port: int, seed_file: Path | None) -> int:
    try:
        _check_port(host, port, "--port")
        _check_port("127.0.0.1", aws_port, "--aws-port")
    except PortInUse as exc:
        print(f"quollo serve: {exc}", file=sys.stderr)
        return 2
    seed_data = seed.load(seed_file) if seed_file else seed.DEMO  # read before anything starts
    _local_aws_environment(aws_port)
    logger.setLevel(os.environ["POWERTOOLS_LOG_LEVEL"])
    # Imported after the environment is set: the provisioning code reads settings on first use.
    from functions.local.provision import provision

    moto = MotoServer("127.0.0.1", aws_port)
    moto.start()
    api = _ApiServer((host, port), _ApiHandler)
    thread = threading.Thread(target=api.serve_forever, name="api", daemon=True)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        try:
            provision()
            created = seed.apply(seed_data)
        except (DomainError, ClientError) as exc:
            message = exc.message if isinstance(exc, DomainError) else str(exc)
            print(f"quollo serve: cannot load the seed: {message}", file=sys.stderr)
            return 2
        thread.start()
        _print_welcome(f"http://{host}:{api.server_port}", created, seed_file is None)
        while thread.is_alive():
            thread.join(0.5)
    except KeyboardInterrupt:
        print("\nStopping.", flush=True)
    finally:
        # A second Ctrl-C while shutting down must not turn a clean stop into a traceback.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if thread.is_alive():
            api.shutdown()
        api.server_close()
        moto.stop()
    return 0


def _stop_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
