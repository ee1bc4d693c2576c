"""moto's server, embedded: DynamoDB, S3 and Secrets Manager on one local endpoint.

moto loses updates and overspends under concurrent conditional writes and transactions, so
every request goes into moto one at a time; real DynamoDB gives that isolation in AWS, and this
keeps local behaviour equal to the deployed guarantees.

moto 5.2.5 also keeps every DynamoDB item it ever creates or copies, and deep-copies whole tables
on each TransactWriteItems, so a long-running server grew with every create (to gigabytes over a
CI run); functions/local/moto_patches.py works around both before the server starts.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

from functions.local import moto_patches

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class SerializedApp:
    """Runs one WSGI request at a time, including the reading of its response body."""

    def __init__(self, app: WSGIApp) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with self._lock:
            return list(self._app(environ, start_response))


class MotoServer:
    def __init__(self, host: str, port: int) -> None:
        # werkzeug logs every moto request; the API server prints its own access line instead.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        moto_patches.apply()
        app = SerializedApp(DomainDispatcherApplication(create_backend_app))
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
