"""A webhook receiver on 127.0.0.1 for the tests: records every delivery and answers as scripted.

The standard library's HTTP server on a thread: it needs nothing but to accept POSTs and remember them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    at: float  # time.monotonic() on arrival
    answered: int


class Receiver:
    """`url(path)` is where to register; `answers[path]` lists the statuses for the next requests (then 204);
    `drip[path]` answers a byte at a time, that many seconds apart (a receiver holding the sender)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.answers: dict[str, list[int]] = {}
        self.drip: dict[str, float] = {}
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver._changed:
                    scripted = receiver.answers.get(self.path) or []
                    status = scripted.pop(0) if scripted else 204
                    receiver.received.append(
                        Received(
                            self.path,
                            {name.lower(): value for name, value in self.headers.items()},
                            body,
                            time.monotonic(),
                            status,
                        )
                    )
                    receiver._changed.notify_all()
                pause = receiver.drip.get(self.path)
                if pause is not None:
                    self._drip(status, pause)
                    return
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _drip(self, status: int, pause: float) -> None:
                try:
                    for byte in f"HTTP/1.1 {status} Slow\r\nContent-Length: 0\r\n\r\n".encode():
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(pause)
                except OSError:
                    pass  # the sender gave up: what the drip is for
                self.close_connection = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="receiver", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def on(self, path: str) -> list[Received]:
        with self._lock:
            return [request for request in self.received if request.path == path]

    def wait_for(
        self, path: str, count: int, timeout: float = 20, where: Callable[[Received], bool] = lambda _: True
    ) -> list[Received]:
        """The first `count` deliveries to `path` that match `where`; fails after `timeout` seconds."""
        until = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [r for r in self.received if r.path == path and where(r)]
                if len(found) >= count:
                    return found
                left = until - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(found)} of {count} deliveries to {path} within {timeout}s: {found}")
                self._changed.wait(left)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def receiving() -> Iterator[Receiver]:
    receiver = Receiver()
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()
