"""moto's server, embedded: DynamoDB, S3 and Secrets Manager on one local endpoint.

moto loses updates and overspends under concurrent conditional writes and transactions, so
every request goes into moto one at a time; real DynamoDB gives that isolation in AWS, and this
keeps local behaviour equal to the deployed guarantees.

moto 5.2.5 also keeps every DynamoDB item it ever creates or copies, and deep-copies whole tables
on each TransactWriteItems, so a long-running server grew with every create (to gigabytes over a
CI run); functions/local/moto_patches.py works around both before the server starts.

Every write that gives the background workers something to do is a request to this server, so it
tells an observer of each request it served (functions/local/wakeups.py), which wakes them.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

from functions.local import moto_patches

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
# Told of each request served with success: its method, X-Amz-Target ("" for S3) and body (None: not read).
Observer = Callable[[str, str, bytes | None], None]


class SerializedApp:
    """Runs one WSGI request at a time, including the reading of its response body."""

    def __init__(self, app: WSGIApp, observer: Observer | None = None) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._observer = observer

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        if self._observer is None:
            with self._lock:
                return list(self._app(environ, start_response))
        target = str(environ.get("HTTP_X_AMZ_TARGET") or "")
        body = _read_body(environ) if target else None  # S3's bodies (recordings) are never read twice
        statuses: list[str] = []

        def record_status(status: str, *args: Any) -> Any:
            statuses.append(status)
            return start_response(status, *args)

        with self._lock:
            answer = list(self._app(environ, record_status))
        # After the lock: what the request wrote is in moto by now, so a worker woken here finds it.
        if statuses and statuses[-1][:1] == "2":
            self._observer(str(environ.get("REQUEST_METHOD") or ""), target, body)
        return answer


def _read_body(environ: dict[str, Any]) -> bytes | None:
    """The body of a JSON API request (small: SQS caps it at 1 MiB), put back for moto to read."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if length <= 0:
        return None if environ.get("HTTP_TRANSFER_ENCODING") else b""
    body: bytes = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    return body


class MotoServer:
    def __init__(self, host: str, port: int, observer: Observer | None = None) -> None:
        # werkzeug logs every moto request; the API server prints its own access line instead.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        moto_patches.apply()
        app = SerializedApp(DomainDispatcherApplication(create_backend_app), observer)
        self._server: BaseWSGIServer = make_server(host, port, app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_port)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
