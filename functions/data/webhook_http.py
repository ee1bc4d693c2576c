"""The HTTP POST of one webhook delivery to an integrator's receiver.

urllib3 (already in every Lambda runtime, under botocore) rather than a client library because the
connection must go to an address the URL check approved: the pool connects to that IP while TLS
verifies the certificate for the URL's host (server_hostname / assert_hostname), so a DNS answer
that changes between the check and the send (rebinding) cannot redirect it. No redirects, no retries
(the queue retries), one 10-second budget for connect, send and answer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import urllib3

from functions.models.entities import WebhookTarget as Target

TIMEOUT_SECONDS = 10.0
_KEEP_BODY = 1024  # enough of a receiver's answer to tell what went wrong, never more


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: no HTTP answer (timeout, refused connection, TLS failure)
    error: str | None
    duration_ms: int


def post(target: Target, headers: dict[str, str], body: bytes) -> Answer:
    started = time.monotonic()
    host_header = target.host if target.port in (80, 443) else f"{target.host}:{target.port}"
    timeout = urllib3.Timeout(total=TIMEOUT_SECONDS)
    pool: urllib3.HTTPConnectionPool
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            target.addresses[0],
            target.port,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
            timeout=timeout,
            retries=False,
        )
    else:  # http to 127.0.0.1 / localhost: `quollo serve` only (functions/domain/webhook_urls.py)
        pool = urllib3.HTTPConnectionPool(target.addresses[0], target.port, timeout=timeout, retries=False)
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers={
                **headers,
                "Host": host_header,
                "Content-Type": "application/json",
                "User-Agent": "Quollo-Webhooks/1.0",
            },
            redirect=False,
            retries=False,
            preload_content=False,
        )
        try:
            response.read(_KEEP_BODY)
        finally:
            response.release_conn()
        return Answer(response.status, None, _elapsed(started))
    except urllib3.exceptions.HTTPError as exc:
        return Answer(None, _describe(exc), _elapsed(started))
    finally:
        pool.close()


def _elapsed(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _describe(exc: Exception) -> str:
    if isinstance(exc, urllib3.exceptions.TimeoutError):
        return f"no answer within {TIMEOUT_SECONDS:g} s"
    if isinstance(exc, urllib3.exceptions.SSLError):
        return "TLS handshake failed"
    # The class name, not the message: messages can carry internal addresses.
    return f"connection failed ({type(exc).__name__})"
