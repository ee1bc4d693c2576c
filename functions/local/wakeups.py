"""What wakes the background workers of `quollo serve`, so that an idle server does not poll moto 20 times a second.

The workers poll moto (the interviews stream, the queues), as Lambda's event sources poll on AWS.
Polling every 0.2 s cost an idle server about 8% of a core, paid by every `quollo serve` the e2e
suite starts. But moto is embedded: every write that can give a worker something to do, whoever
makes it (a route's handler, a client's PUT to a pre-signed URL, `quollo admin` in another process,
a worker's own retry), is a request to this process's moto server. So moto's server tells the
workers (`WriteWatch.observe`), and a worker sleeps between polls until told or until its idle
pause ends (`IdlePauses`): 0.2 s after work, as before, doubling to 1 s while there is none.

What no request announces, the pauses bound: a message that a failed handler left on its queue (the
worker wakes itself when its visibility timeout ends) and anything this module misreads. The reading
is by the request's shape, not by moto's internals, and errs towards waking: a needless wake-up costs
one poll, a missed one at most the last pause (1 s).
"""

from __future__ import annotations

import heapq
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# After a poll that found work, the next comes this soon (the workers' former fixed period), so a
# burst or a chain of work is handled at the old pace; each idle poll doubles the pause, up to IDLE_MAX.
BUSY_SECONDS = 0.2
# The longest pause between idle polls: the latency of what no request announces.
IDLE_MAX_SECONDS = 1.0
# A message sent with a delay (or hidden for a while) becomes visible when moto's clock passes its
# due time; the worker wakes this much later, so that the poll finds it rather than falling idle.
DUE_SLACK_SECONDS = 0.05

_DYNAMODB_WRITES = frozenset(
    {
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "BatchWriteItem",
        "TransactWriteItems",
        "ExecuteStatement",
        "BatchExecuteStatement",
        "ExecuteTransaction",
    }
)
_SQS_WRITES = frozenset({"SendMessage", "SendMessageBatch", "ChangeMessageVisibility", "ChangeMessageVisibilityBatch"})


class Wakeup:
    """What a worker sleeps on between polls: set now by a write, or for later by a delayed message."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._set = False
        self._due: list[float] = []  # a heap of the time.monotonic() of wake-ups to come

    def set(self, after: float = 0.0) -> None:
        with self._changed:
            if after <= 0:
                self._set = True
            else:
                heapq.heappush(self._due, time.monotonic() + after)
            self._changed.notify_all()

    def wait(self, timeout: float) -> bool:
        """Sleeps until set (or a due time comes) or `timeout` passes; True when woken, and clears it.

        A write during the poll that follows sets it again, so none is lost between two polls.
        """
        until = time.monotonic() + timeout
        with self._changed:
            while True:
                now = time.monotonic()
                while self._due and self._due[0] <= now:
                    heapq.heappop(self._due)
                    self._set = True
                if self._set:
                    self._set = False
                    return True
                end = min(until, self._due[0]) if self._due else until
                if end <= now:
                    return False
                self._changed.wait(end - now)


@dataclass
class IdlePauses:
    """The pause before a worker's next poll: BUSY_SECONDS after work, doubling while idle, up to IDLE_MAX_SECONDS."""

    busy: float = BUSY_SECONDS
    idle_max: float = IDLE_MAX_SECONDS
    _pause: float = field(default=BUSY_SECONDS, init=False)

    def next(self, worked: bool) -> float:
        self._pause = self.busy if worked else min(self.idle_max, self._pause * 2)
        return self._pause


@dataclass
class Watcher:
    """Which writes wake one worker: to these tables, these queues, S3 objects, events on a bus."""

    wakeup: Wakeup
    tables: frozenset[str] = frozenset()
    queues: frozenset[str] = frozenset()  # queue names
    uploads: bool = False
    bus_events: bool = False


class WriteWatch:
    """Told of every request moto served (functions/local/moto_server.py); wakes the workers it concerns."""

    def __init__(self) -> None:
        self._watchers: list[Watcher] = []

    def add(self, watcher: Watcher) -> None:
        self._watchers.append(watcher)

    def observe(self, method: str, target: str, body: bytes | None) -> None:
        """A request moto answered with success: its method, X-Amz-Target (empty for S3) and body.

        `body` is None when it was not read (S3's bodies are never read here; they can be recordings).
        """
        service, _, action = target.partition(".")
        if not target:
            # S3, the only service here without a target: a PUT or POST stores an object (or a part of one).
            if method in ("PUT", "POST"):
                self._wake(lambda w: w.uploads)
        elif service.startswith("DynamoDB_") and action in _DYNAMODB_WRITES:
            # A write to a table with a stream names the table; the body is small, a substring test enough.
            self._wake(lambda w: body is None or any(t.encode() in body for t in w.tables))
        elif service == "AmazonSQS" and action in _SQS_WRITES:
            self._queue_write(action, body)
        elif service == "AWSEvents" and action == "PutEvents":
            self._wake(lambda w: w.bus_events)

    def _queue_write(self, action: str, body: bytes | None) -> None:
        try:
            request: Mapping[str, Any] = json.loads(body) if body is not None else {}
        except ValueError:
            request = {}
        queue = str(request.get("QueueUrl", "")).rsplit("/", 1)[-1]
        entries = request.get("Entries") if action.endswith("Batch") else [request]
        # When the messages become visible: now, or after their delay or their new visibility timeout.
        seconds = [_visible_after(entry) for entry in entries or [{}] if isinstance(entry, Mapping)] or [0.0]
        for watcher in self._watchers:
            if not queue or queue in watcher.queues:
                for after in set(seconds):
                    watcher.wakeup.set(after + DUE_SLACK_SECONDS if after > 0 else 0.0)

    def _wake(self, concerns: Callable[[Watcher], bool]) -> None:
        for watcher in self._watchers:
            if concerns(watcher):
                watcher.wakeup.set()


def _visible_after(entry: Mapping[str, Any]) -> float:
    try:
        return float(entry.get("DelaySeconds") or entry.get("VisibilityTimeout") or 0)
    except (TypeError, ValueError):
        return 0.0
