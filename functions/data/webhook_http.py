"""The HTTP POST of one webhook delivery to an integrator's receiver.

The connection goes to an address the URL check approved (functions/domain/webhook_urls.py) while
TLS verifies the certificate for the URL's host (server_hostname), so a DNS answer that changes
between the check and the send (rebinding) cannot redirect it. No redirects, no retries (the queue
retries).

The standard library's socket, ssl and http.client rather than urllib3's pool: the send has one
wall-clock budget (TIMEOUT_SECONDS for connect, TLS, request and status line), and urllib3's
Timeout(total=...) only bounds each socket operation, so a receiver dripping one byte every few
seconds held a send past the delivery Lambda's timeout. Owning the socket lets us (1) recompute the
socket timeout from the time left before each step and (2) arm a watchdog that shuts the socket down
at the deadline, which unblocks any read in progress whatever http.client is doing. Success is
decided on the status line: the body is never read.
"""

from __future__ import annotations

import http.client
import os
import socket
import ssl
import threading
import time
from functools import cache
from string import printable
from urllib.parse import quote

from functions.data.settings import settings
from functions.models.entities.webhooks import WebhookTarget as Target
from functions.records import record

TIMEOUT_SECONDS = 10.0
_PRINTABLE_ASCII = "".join(c for c in printable if c not in " \t\n\r\x0b\x0c")


@record
class Answer:
    status: int | None  # None: no HTTP answer (timeout, refused connection, TLS failure)
    error: str | None
    duration_ms: int


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.started = time.monotonic()
        self.at = self.started + seconds

    def left(self) -> float:
        left = self.at - time.monotonic()
        if left <= 0:
            raise TimeoutError()
        return left

    def elapsed_ms(self) -> int:
        return int((time.monotonic() - self.started) * 1000)


@cache
def _tls() -> ssl.SSLContext:
    # Certificate and hostname verification against the system's trust store; built once per process.
    return ssl.create_default_context()


def budget() -> float:
    return settings().webhook_send_seconds or TIMEOUT_SECONDS


def post(target: Target, headers: dict[str, str], body: bytes) -> Answer:
    """One POST; never raises: every failure is an Answer without status (the caller logs it as an attempt)."""
    deadline = _Deadline(budget())
    raw: socket.socket | None = None
    sock: socket.socket | None = None
    watchdog: threading.Timer | None = None
    duplicate = -1
    try:
        raw = socket.create_connection((target.addresses[0], target.port), timeout=deadline.left())
        duplicate = os.dup(raw.fileno())  # the watchdog's handle: TLS wrapping takes over `raw`'s own
        watchdog = threading.Timer(deadline.left(), _shut, args=(duplicate,))
        watchdog.daemon = True
        watchdog.start()
        sock = raw
        if target.scheme == "https":
            raw.settimeout(deadline.left())
            sock = _tls().wrap_socket(raw, server_hostname=target.host)
        connection = http.client.HTTPConnection(target.host, target.port)
        connection.sock = sock  # already connected (and verified): http.client sends over it as is
        sock.settimeout(deadline.left())
        host_header = target.host if target.port in (80, 443) else f"{target.host}:{target.port}"
        connection.request(
            "POST",
            # http.client sends the request line as ASCII: non-ASCII is percent-encoded as urllib3 did
            quote(target.path, safe=_PRINTABLE_ASCII),
            body=body,
            headers={
                **headers,
                "Host": host_header,
                "Content-Type": "application/json",
                "User-Agent": "Quollo-Webhooks/1.0",
                "Connection": "close",
            },
        )
        sock.settimeout(deadline.left())
        response = connection.getresponse()  # the status line and headers; the body is not read
        deadline.left()  # an answer completed only because the watchdog cut the socket is no answer
        connection.close()
        return Answer(response.status, None, deadline.elapsed_ms())
    except Exception as exc:  # any failure is a failed attempt, logged, never a crash
        return Answer(None, _describe(exc, deadline), deadline.elapsed_ms())
    finally:
        if watchdog is not None:
            watchdog.cancel()
            watchdog.join()
        if duplicate >= 0:
            os.close(duplicate)
        for opened in (sock, raw):  # the TLS socket took over the raw one's descriptor; closing both is safe
            if opened is not None:
                opened.close()


def _shut(fd: int) -> None:
    """At the deadline: end the connection under whatever read or write is blocked on it."""
    handle = socket.socket(fileno=fd)
    try:
        handle.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed by the peer
    finally:
        handle.detach()  # post() closes the descriptor


def _describe(exc: Exception, deadline: _Deadline) -> str:
    if isinstance(exc, TimeoutError) or time.monotonic() >= deadline.at:
        return f"no answer within {deadline.seconds:g} s"
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return "TLS handshake failed"
    # The class name, not the message: messages can carry internal addresses.
    return f"connection failed ({type(exc).__name__})"
