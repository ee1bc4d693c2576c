"""The HTTP side of `quollo serve`: waitress, and a WSGI adapter to the gateway's `(method, path, headers,
query, body) -> Reply` calling convention.

waitress reads each request completely (headers and body, chunked or not) on its event loop before a
worker thread sees it, so a slow or stalled client costs a socket, not a thread; it closes connections
idle for longer than `idle_timeout`; and it answers what it cannot parse itself, in our error format here.
"""

from __future__ import annotations

import logging
import socket
import sys
import time
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser, ParsingError, TransferEncodingNotImplemented, get_header_lines
from waitress.rfc7230 import HEADER_FIELD_RE
from waitress.server import create_server
from waitress.task import ErrorTask, WSGITask
from waitress.utilities import RequestHeaderFieldsTooLarge

from functions.local.gateway import Reply
from functions.models.errors import error_body

# What the server does with one request: method, path, header fields as sent, query string, body.
# (method, raw path, header fields as sent, query string, body, the client's address)
Respond = Callable[[str, str, list[tuple[str, str]], str, bytes | None, str], Reply]
StartResponse = Callable[[str, list[tuple[str, str]]], Any]

IDENT = "quollo-local"  # the whole Server header: no software or version for a scanner to match
MAX_BODY = 10 * 1024 * 1024  # API Gateway's payload limit
THREADS = 8  # moto serializes the data calls anyway; a few threads keep a slow handler from stalling the rest
BACKLOG = 128  # a burst of new connections queues in the kernel instead of being reset
_HEADERS = "quollo.headers"
_CHUNKED = "quollo.chunked"
_INTERNAL_ERROR = error_body("internal_error", "Unexpected server-side failure.").encode()
# Hop-by-hop fields are the server's to send (waitress refuses them from an application), and so is
# the Content-Length of the body it writes.
_NOT_COPIED = frozenset({"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "content-length"})


def _access_line(method: str, target: str, status: int, started: float) -> None:
    elapsed = (time.perf_counter() - started) * 1000
    print(f"{method} {target} {status} {elapsed:.1f}ms", flush=True)


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:  # a status the standard library does not name
        return f"{status} Unknown"


def wsgi_app(respond: Respond) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """A WSGI application answering with `respond`; it reads our own environ keys, so it runs on `serve` only."""

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        method = environ["REQUEST_METHOD"]
        target = environ["REQUEST_URI"]
        # The request target as sent, not waitress's percent-decoded PATH_INFO: API Gateway matches
        # routes and fills pathParameters from the raw path, and so does the gateway stand-in.
        parts = urlsplit(target)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else None
        headers: list[tuple[str, str]] = environ[_HEADERS]
        if environ[_CHUNKED]:
            # waitress has de-chunked the body; the handler sees what API Gateway hands a function:
            # the whole body and its length.
            headers = [pair for pair in headers if pair[0].lower() != "transfer-encoding"]
            headers.append(("Content-Length", str(length)))
        try:
            # The client's address, as API Gateway's requestContext.identity.sourceIp carries it.
            reply = respond(method, parts.path, headers, parts.query, body, environ.get("REMOTE_ADDR") or "127.0.0.1")
        except Exception as exc:  # the handlers render their own 500s; this is the server's own failure
            sys.stderr.write(f"local gateway failure: {exc!r}\n")
            reply = Reply(500, {"Content-Type": "application/json"}, _INTERNAL_ERROR)
        response_headers = [(name, value) for name, value in reply.headers.items() if name.lower() not in _NOT_COPIED]
        # Content-Length of the body a GET would get, also on a HEAD (RFC 9110 §9.3.2), whose body is empty.
        response_headers.append(("Content-Length", str(len(reply.body))))
        start_response(_status_line(reply.status), response_headers)
        _access_line(method, target, reply.status, started)
        return [] if method == "HEAD" else [reply.body]

    return application


class _Parser(HTTPRequestParser):  # type: ignore[misc]  # waitress ships no type information
    """waitress's parser, also keeping the header fields as sent.

    The WSGI environ folds a repeated header into one comma-joined value and drops names with an
    underscore; API Gateway hands a function every field (`multiValueHeaders`), and the handlers
    answer 400 to a repeated Authorization, Content-Type or Idempotency-Key, which they could not
    tell from a comma inside one value.
    """

    raw_headers: list[tuple[str, str]]

    def parse_header(self, header_plus: bytes) -> None:
        try:
            super().parse_header(header_plus)
        except TransferEncodingNotImplemented as exc:
            # waitress answers a coding it does not decode (gzip, ...) with 501, a server error: a client
            # would retry a request that can never succeed as sent. RFC 9112 §6.3 asks for a 400 when
            # chunked is not the final coding, and no other coding is read here: a 400 for both.
            raise ParsingError(_TRANSFER_ENCODING) from exc
        # waitress has accepted the block, so every line matches its header-field pattern.
        fields = []
        for line in get_header_lines(header_plus.split(b"\r\n", 1)[1]):
            match = HEADER_FIELD_RE.match(line)
            name, value = match.group("name", "value")
            fields.append((name.decode("latin-1"), value.strip(b" \t").decode("latin-1")))
        codings = [
            coding
            for name, value in fields
            if name.lower() == "transfer-encoding"
            for coding in value.split(",")
            if coding.strip(" \t")
        ]
        if len(codings) > 1:
            # "chunked" twice, in one field or two: waitress de-chunks once, a proxy in front may do either
            # (request smuggling); chunked is never applied twice to one body (RFC 9112 §7).
            raise ParsingError(_TRANSFER_ENCODING)
        self.raw_headers = fields


class _Task(WSGITask):  # type: ignore[misc]
    def get_environment(self) -> dict[str, Any]:
        environ: dict[str, Any] = super().get_environment()
        environ[_HEADERS] = list(self.request.raw_headers)
        environ[_CHUNKED] = self.request.chunked
        return environ


# waitress family -> (code, message) of infra/constructs/api.py's gateway responses for the same case.
_PAYLOAD_TOO_LARGE = ("validation_failed", "Request body too large")  # REQUEST_TOO_LARGE
_CLIENT_ERROR = ("bad_request", "The request could not be processed")  # DEFAULT_4XX
_SERVER_ERROR = ("internal_error", "Unexpected server-side failure")  # DEFAULT_5XX
_TRANSFER_ENCODING = "Transfer-Encoding must be chunked, once, or absent (the body sent as is, with its Content-Length)"


class _JsonErrorTask(ErrorTask):  # type: ignore[misc]
    """What waitress answers itself (a request it cannot parse, too large, or an application failure),
    rendered as the API's JSON error body instead of waitress's text/plain page: a client handles
    every error of the API the same way, as it does behind API Gateway, whose own answers are mapped
    to this body too (infra/constructs/api.py)."""

    def execute(self) -> None:
        started = time.perf_counter()
        error = self.request.error
        status: int = error.code
        if status == 413:
            code, message = _PAYLOAD_TOO_LARGE
        elif status < 500:
            code, message = _CLIENT_ERROR
        else:
            code, message = _SERVER_ERROR
        if status != 500:
            # waitress's reason ("Content-Length is invalid", "exceeds max_body of ...") is about the
            # request; a 500's may describe the server, and the API never tells those.
            message = f"{message}: {str(error.body).rstrip('.')}."
        body = error_body(code, message).encode()
        self.status = _status_line(status)
        self.response_headers.append(("Content-Type", "application/json"))
        self.set_close_on_finish()
        self.content_length = len(body)
        method = getattr(self.request, "command", None) or "-"
        self.write(b"" if method == "HEAD" else body)
        # A head too large to parse was replaced by a stand-in request line: print no path for it.
        parsed = not isinstance(error, RequestHeaderFieldsTooLarge)
        target = getattr(self.request, "request_uri", None) if parsed else None
        _access_line(method if parsed else "-", target or "-", status, started)


class _Channel(HTTPChannel):  # type: ignore[misc]
    parser_class = _Parser
    task_class = _Task
    error_task_class = _JsonErrorTask


class LocalServer:
    """waitress on one listening socket, run on a thread of the caller's and stopped from any other."""

    def __init__(self, host: str, port: int, respond: Respond, idle_timeout: int) -> None:
        # Bound here, as the standard library's server did: IPv4 only, and an OSError when the address
        # is taken. waitress would bind every address `host` resolves to (IPv6 too for "localhost").
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((host, port))
        except OSError:
            listener.close()
            raise
        self.port: int = listener.getsockname()[1]
        self._map: dict[int, Any] = {}
        self._server = create_server(
            wsgi_app(respond),
            map=self._map,
            sockets=[listener],
            ident=IDENT,
            threads=THREADS,
            backlog=BACKLOG,
            max_request_body_size=MAX_BODY + 1,  # waitress refuses a body of this size or more
            channel_timeout=idle_timeout,
            # Idle channels are looked for every cleanup_interval seconds: a connection lives at most
            # idle_timeout + cleanup_interval idle, and 30 s (waitress's default) would double a short timeout.
            cleanup_interval=max(1, min(30, idle_timeout // 2)),
            # A client that resets or vanishes is routine; waitress would log each with a traceback.
            log_socket_errors=False,
            # Held-open connections must not stop the server from accepting (waitress's default is 100),
            # and past 1024 descriptors select() fails where poll() does not.
            connection_limit=1000,
            asyncore_use_poll=True,
            # The handler sees the header fields as sent, X-Forwarded-* included, as behind API Gateway.
            clear_untrusted_proxy_headers=False,
        )
        self._server.channel_class = _Channel
        # "Task queue depth is N" on every burst larger than THREADS is expected locally, not a warning.
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)

    def run(self) -> None:
        self._server.run()

    def stop(self) -> None:
        """End run() from another thread: the event loop closes every socket itself, then returns."""
        self._server.trigger.pull_trigger(lambda: wasyncore.close_all(self._map))

    def close(self) -> None:
        """Wait for the worker threads to finish the requests in hand, and free the sockets."""
        self._server.task_dispatcher.shutdown()
        wasyncore.close_all(self._map, ignore_all=True)  # a no-op after stop()
