"""Shared helpers: a moto server in its own process, the AWS environment, ports, statistics."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from functions.local.caches import forget_aws_state

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
    return names | {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }


def use_aws_env(port: int) -> None:
    """Point this process at a moto server, and forget clients and settings made for another one."""
    os.environ.update(aws_env(port))
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE"):
        os.environ.pop(name, None)
    forget_aws_state()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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
    proc = subprocess.Popen(  # noqa: S603
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


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return float(ordered[rank - 1])


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)
