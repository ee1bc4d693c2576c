"""Warm path: what the handler itself adds to a request, AWS time excluded.

Each request runs the route's Lambda handler in-process against the moto server. The SDK window of
every AWS call (botocore's `provide-client-params`, before the request is built, to `after-call`,
after the answer is parsed) is subtracted from the handler's wall time; what is left is ours:
the request checks, authentication logic, routing, validation, the domain rules, serialization,
logging and metrics.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from bench import world
from bench.calls import handler_of
from bench.common import percentile, progress
from functions.local.gateway import LocalContext

TARGET_MS = 0.5


class _SdkClock:
    """Sums the time spent inside botocore calls on the clients it is attached to."""

    def __init__(self) -> None:
        self.total = 0.0
        self._started: float | None = None

    def start(self, **_: Any) -> None:
        self._started = time.perf_counter()

    def stop(self, **_: Any) -> None:
        if self._started is not None:
            self.total += time.perf_counter() - self._started
            self._started = None

    def attach(self, client: Any) -> None:
        client.meta.events.register("provide-client-params.*.*", self.start, unique_id="bench-overhead-start")
        client.meta.events.register("after-call.*.*", self.stop, unique_id="bench-overhead-stop")


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
                "update_interview", owner, interview_id=pending_id, body={"title": f"Renamed {random.randrange(10**6)}"}
            ),
        ),
    }
    clock = _SdkClock()
    for client in (dynamodb(), s3(), secrets_manager()):
        clock.attach(client)
    results: dict[str, Any] = {"requests": requests, "target_ms": TARGET_MS, "routes": {}}
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
        results["routes"][label] = {
            f"{name}_ms": round(percentile(ours, pct) * 1000, 3)
            for name, pct in (("p10", 10), ("median", 50), ("p90", 90))
        }
        progress(f"warm overhead: {label}: {results['routes'][label]}")
    return results
