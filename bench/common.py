"""Shared helpers: a moto server in its own process, the AWS environment, statistics."""

from __future__ import annotations

import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from functions.local.caches import forget_aws_state
from testkit.aws import fake_aws_env, use_fake_aws

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
_STARTED = time.monotonic()


def progress(message: str) -> None:
    print(f"[bench {time.monotonic() - _STARTED:6.1f}s] {message}", flush=True)


def aws_env(port: int) -> dict[str, str]:
    """What every process that talks to the local moto server needs (fake credentials always)."""
    from functions.data import schema

    # The names as the stack sets them on every function: deployed code has no fallback names.
    names = {spec.env_var: spec.default_name for spec in schema.TABLES}
    names[schema.RECORDS_BUCKET_ENV] = schema.RECORDS_BUCKET_DEFAULT
    names[schema.CURSOR_SECRET_ENV] = schema.CURSOR_SECRET_DEFAULT
    # Queue names, not the URLs the stack passes: provisioning creates them by name (a function
    # then looks a URL up once per process, which the deployed ones never do).
    names[schema.WEBHOOK_QUEUE_ENV] = schema.WEBHOOK_QUEUE_DEFAULT
    names[schema.WEBHOOK_DLQ_ENV] = schema.WEBHOOK_DLQ_DEFAULT
    # Post-processing's bus and dead-letter queue (a name likewise), which provisioning creates too.
    names[schema.EVENT_BUS_ENV] = schema.EVENT_BUS_DEFAULT
    names[schema.PROCESSING_DLQ_ENV] = schema.PROCESSING_DLQ_DEFAULT
    return names | fake_aws_env(f"http://127.0.0.1:{port}") | {"POWERTOOLS_TRACE_DISABLED": "true"}


def use_aws_env(port: int) -> None:
    """Point this process at a moto server, and forget clients and settings made for another one."""
    use_fake_aws(aws_env(port))
    forget_aws_state()


_MOTO = """
import sys, time
from functions.local.moto_server import MotoServer
server = MotoServer("127.0.0.1", 0)
server.start()
print(server.port, flush=True)
sys.stdin.read()  # until the parent closes our stdin (or dies)
server.stop()
"""


@contextmanager
def moto_process() -> Iterator[int]:
    """The project's serialized moto server, in a separate process; yields its port."""
    proc = subprocess.Popen(
        [PYTHON, "-c", _MOTO],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.strip():
            raise RuntimeError("moto server did not start")
        yield int(line)
    finally:
        if proc.stdin:
            proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def seed_user(user_id: str, name: str, credits: int, token: str, plan_id: str) -> dict[str, Any]:
    """A user of a `quollo serve --seed` file, with one token and one plan."""
    return {
        "id": user_id,
        "name": name,
        "credits": credits,
        # The bench loads the server far past a real token's 120 a minute: measure the server, not the limit.
        "rateLimit": 100_000,
        "tokens": [token],
        "plans": [{"id": plan_id, "name": "Backend"}],
    }


@dataclass
class Load:
    """What `load` saw: every status, every latency (seconds) and the wall time."""

    statuses: Counter[int] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    wall: float = 0.0


def load(total: int, clients: int, call: Callable[[requests.Session], requests.Response]) -> Load:
    """`total` requests spread over `clients` threads, each with its own keep-alive session."""
    seen = Load()
    lock = threading.Lock()
    remaining = [total]

    def client() -> None:
        with requests.Session() as session:
            while True:
                with lock:
                    if remaining[0] == 0:
                        return
                    remaining[0] -= 1
                began = time.perf_counter()
                status = call(session).status_code
                elapsed = time.perf_counter() - began
                with lock:
                    seen.latencies.append(elapsed)
                    seen.statuses[status] += 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seen.wall = time.perf_counter() - began
    return seen


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return float(ordered[rank - 1])


def spread(values: Sequence[float], digits: int = 3) -> list[float]:
    """min, p25, median, p75 and max, rounded: a figure's spread within the rounds of one run."""
    figures = (min(values), percentile(values, 25), median(values), percentile(values, 75), max(values))
    return [round(figure, digits) for figure in figures]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)
