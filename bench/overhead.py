"""Warm path: what the handler itself adds to a request, AWS time excluded.

Each request runs the route's Lambda handler in-process against the moto server. The SDK window of
every AWS call (botocore's `provide-client-params`, before the request is built, to `after-call`,
after the answer is parsed) is subtracted from the handler's wall time; what is left is ours:
the request checks, authentication logic, routing, validation, the domain rules, serialization,
logging and metrics.

`replayed`: the same requests with every AWS call answered at once from the last real answer to the
same operation on the same table, so the handler never waits. On the 2-core bench machine, code that
runs right after a blocking call to the moto server runs about twice as slow as the same code run
without waiting (the first figure includes that, as a Lambda waiting on DynamoDB may); the replayed
figure is our code's own CPU time, undisturbed.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import botocore.client

from bench import world
from bench.calls import handler_of
from bench.common import percentile, progress
from functions.local.gateway import LocalContext

TARGET_MS = 0.5


class _SdkClock:
    """Sums the time spent inside botocore calls on the clients it is attached to, and keeps the last
    answer to each operation on each table (for `_replaying`)."""

    def __init__(self) -> None:
        self.total = 0.0
        self._started: float | None = None
        self._table: str | None = None
        self.answers: dict[tuple[str, str | None], Any] = {}

    def start(self, params: dict[str, Any], **_: Any) -> None:
        self._table = params.get("TableName")
        self._started = time.perf_counter()

    def stop(self, model: Any, parsed: Any, **_: Any) -> None:
        if self._started is not None:
            self.total += time.perf_counter() - self._started
            self._started = None
            self.answers[(model.name, self._table)] = parsed

    def attach(self, client: Any) -> None:
        client.meta.events.register("provide-client-params.*.*", self.start, unique_id="bench-overhead-start")
        client.meta.events.register("after-call.*.*", self.stop, unique_id="bench-overhead-stop")


@contextmanager
def _replaying(answers: dict[tuple[str, str | None], Any]) -> Iterator[None]:
    """Every AWS call answered with the recorded answer, without a request (no handler mutates one)."""
    # botocore's private entry of every operation (the stubs leave it out): below it, no request is built.
    original = botocore.client.BaseClient._make_api_call  # type: ignore[attr-defined]

    def answer(_client: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        return answers[(operation_name, api_params.get("TableName"))]

    botocore.client.BaseClient._make_api_call = answer  # type: ignore[attr-defined]
    try:
        yield
    finally:
        botocore.client.BaseClient._make_api_call = original  # type: ignore[attr-defined]


def _percentiles(samples: list[float]) -> dict[str, float]:
    return {
        f"{name}_ms": round(percentile(samples, pct) * 1000, 3)
        for name, pct in (("p10", 10), ("median", 50), ("p90", 90))
    }


def measure(requests: int) -> dict[str, Any]:
    from functions.data.aws import dynamodb, s3, secrets_manager

    progress("warm overhead: preparing data")
    owner = world.account(credits=50)
    for i in range(30):
        world.create_interview(owner, f"Seeded {i}")
    pending_id = world.create_interview(owner, "To rename")
    cases: dict[str, tuple[str, Callable[[], dict[str, Any]]]] = {
        "list_interviews": ("list_interviews", lambda: world.event("list_interviews", owner, query="limit=20")),
        "update_interview": (
            "update_interview",
            lambda: world.event(
                "update_interview", owner, object_id=pending_id, body={"title": f"Renamed {random.randrange(10**6)}"}
            ),
        ),
    }
    clock = _SdkClock()
    for client in (dynamodb(), s3(), secrets_manager()):
        clock.attach(client)
    results: dict[str, Any] = {"requests": requests, "target_ms": TARGET_MS, "routes": {}, "replayed": {}}
    for label, (route, make_event) in cases.items():
        handler = handler_of(route)
        context = LocalContext(function_name=f"quollo-{route}")
        ours: list[float] = []
        for i in range(requests + 20):
            event = make_event()
            clock.total = 0.0
            began = time.perf_counter()
            response = handler(event, context)
            elapsed = time.perf_counter() - began
            if response["statusCode"] != 200:
                raise RuntimeError(f"{label} answered {response['statusCode']}: {response['body']}")
            if i >= 20:  # the first requests build clients, read the cursor key, fill caches
                ours.append(elapsed - clock.total)
        results["routes"][label] = _percentiles(ours)
        progress(f"warm overhead: {label}: {results['routes'][label]}")
        replayed: list[float] = []
        with _replaying(dict(clock.answers)):
            for _ in range(requests):
                event = make_event()
                began = time.perf_counter()
                response = handler(event, context)
                replayed.append(time.perf_counter() - began)
                if response["statusCode"] != 200:
                    raise RuntimeError(f"{label} replayed answered {response['statusCode']}: {response['body']}")
        results["replayed"][label] = _percentiles(replayed)
        progress(f"warm overhead: {label}, AWS answers replayed: {results['replayed'][label]}")
    return results
