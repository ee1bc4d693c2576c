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
from importlib import resources
from pathlib import Path

from botocore.exceptions import ClientError

from functions.local import gateway, seed, state
from functions.local.moto_server import MotoServer
from functions.local.wsgi import LocalServer
from functions.models.errors import DomainError
from functions.runtime.observability import logger

IDLE_TIMEOUT = 30  # seconds a connection may stay silent, mid-request or between requests
STOP_WAIT = 5  # seconds the event loop gets to close its sockets on Ctrl-C


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


def _respond(
    method: str, path: str, headers: list[tuple[str, str]], query: str, body: bytes | None, client_ip: str
) -> gateway.Reply:
    documentation = _documentation(path) if method == "GET" else None
    return documentation or gateway.invoke(method, path, headers, query, body, client_ip)


_SWAGGER_UI = """<!doctype html>
<html><head><meta charset="utf-8"><title>Quollo API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="ui"></div><script src="/docs/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({url: "/v1/openapi.json", dom_id: "#ui"});</script></body></html>
"""
# Swagger UI's files as Powertools ships them for its own offline Swagger UI (a 5.x, which reads
# OpenAPI 3.1; the swagger-ui-bundle package on PyPI ships 4.x, which renders no 3.1 operation):
# /docs works with no network and no CDN, and needs no dependency Powertools does not already bring.
_SWAGGER_ASSETS = {
    "/docs/swagger-ui.css": ("swagger-ui.min.css", "text/css; charset=utf-8"),
    "/docs/swagger-ui-bundle.js": ("swagger-ui-bundle.min.js", "text/javascript; charset=utf-8"),
}


@functools.cache
def _openapi() -> bytes:
    from functions.local.openapi import spec

    document = spec()
    # Swagger UI's "Try it out" calls the first server: this one, whatever its port, then the variable one.
    document["servers"] = [{"url": "/", "description": "this quollo serve"}, *document["servers"]]
    return (json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode()


@functools.cache
def _swagger_asset(name: str) -> bytes:
    return (resources.files("aws_lambda_powertools.event_handler.openapi.swagger_ui") / name).read_bytes()


def _documentation(path: str) -> gateway.Reply | None:
    """The spec and Swagger UI: served by the local server only (the deployed API has no such routes)."""
    if path == "/v1/openapi.json":
        return gateway.Reply(200, {"Content-Type": "application/json"}, _openapi())
    if path == "/docs":
        return gateway.Reply(200, {"Content-Type": "text/html; charset=utf-8"}, _SWAGGER_UI.encode())
    if path in _SWAGGER_ASSETS:
        name, content_type = _SWAGGER_ASSETS[path]
        return gateway.Reply(200, {"Content-Type": content_type}, _swagger_asset(name))
    return None


def _print_exports(base_url: str, aws_url: str, token: str | None) -> None:
    """Lines to paste into a shell: the API's address and token, and what `quollo admin` needs."""
    api = f"export BASE={base_url}" + (f" QUOLLO_TOKEN={token}" if token else "")
    print(f"\n# the API:\n{api}", flush=True)
    print(
        f"# quollo admin, against this server:\nexport AWS_ENDPOINT_URL={aws_url} AWS_ACCESS_KEY_ID=local "
        "AWS_SECRET_ACCESS_KEY=local AWS_DEFAULT_REGION=us-east-1\n",
        flush=True,
    )


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


def serve(
    host: str,
    port: int,
    aws_port: int,
    seed_file: Path | None,
    idle_timeout: int = IDLE_TIMEOUT,
    state_dir: Path | None = None,
) -> int:
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
    from functions.data.settings import allow_local_receivers
    from functions.local.processing_worker import ProcessingWorker
    from functions.local.provision import notify_recordings, provision
    from functions.local.wakeups import WriteWatch
    from functions.local.webhook_worker import WebhookWorker

    # Local only: an integrator's receiver on 127.0.0.1 may get webhooks (functions/domain/webhook_urls.py).
    allow_local_receivers()

    # moto's server tells the workers of the writes that concern them, so they need not poll often.
    writes = WriteWatch()
    moto = MotoServer("127.0.0.1", aws_port, writes.observe)
    moto.start()
    api = LocalServer(host, port, _respond, idle_timeout)
    thread = threading.Thread(target=api.run, name="api", daemon=True)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    # Ctrl-C stops the server even when it was started from a script's background job: a shell
    # without job control starts those with SIGINT ignored, which Python would otherwise keep.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    webhooks: WebhookWorker | None = None
    processing: ProcessingWorker | None = None
    loaded: dict[str, int] | None = None
    started = False  # only a server that loaded its state may overwrite it
    try:
        # Watching before the state loads: a queued retry it holds wakes the worker when it falls due.
        webhooks = WebhookWorker()
        writes.add(webhooks.watcher())
        # S3 -> recordings queue and the bus -> analysis queue, to the post-processing handlers.
        processing = ProcessingWorker()
        writes.add(processing.watcher())
        try:
            provision(notifications=False)
            loaded = state.load(state_dir) if state_dir else None
            created = seed.apply(seed_data) if loaded is None else []
            # From now on a stored recording is an upload (the seed's and the state's are not).
            notify_recordings()
        except state.StateError as exc:
            print(f"quollo serve: {exc}", file=sys.stderr)
            return 2
        except (DomainError, ClientError) as exc:
            message = exc.message if isinstance(exc, DomainError) else str(exc)
            print(f"quollo serve: cannot load the seed: {message}", file=sys.stderr)
            return 2
        webhooks.start()
        processing.start()
        thread.start()
        started = True
        base_url = f"http://{host}:{api.port}"
        if loaded is not None:
            print(
                f"Loaded the state in {state_dir}: {loaded['users']} users, {loaded['tokens']} tokens, "
                f"{loaded['plans']} plans, {loaded['interviews']} interviews; tokens of the last run still work",
                flush=True,
            )
        _print_welcome(base_url, created, seed_file is None)
        first_token = created[0]["tokens"][0]["token"] if created and created[0]["tokens"] else None
        _print_exports(base_url, f"http://127.0.0.1:{aws_port}", first_token)
        if state_dir is None:
            print("State is in memory only: it is gone when the server stops (keep it with --state DIR).", flush=True)
        else:
            print(f"State is kept in {state_dir} when the server stops.", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        while thread.is_alive():
            thread.join(0.5)
    except KeyboardInterrupt:
        print("\nStopping.", flush=True)
    finally:
        # A second Ctrl-C while shutting down must not turn a clean stop into a traceback.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if thread.is_alive():
            api.stop()
            thread.join(STOP_WAIT)
        api.close()
        if processing is not None:
            processing.stop()
        if webhooks is not None:
            webhooks.stop()
        if state_dir is not None and started:
            _save_state(state_dir)
        moto.stop()
    return 0


def _save_state(state_dir: Path) -> None:
    try:
        saved = state.save(state_dir)
    except (state.StateError, ClientError) as exc:
        print(f"quollo serve: the state was NOT saved: {exc}", file=sys.stderr, flush=True)
        return
    print(f"Saved the state in {state_dir}: {saved['users']} users, {saved['interviews']} interviews.", flush=True)


def _stop_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
