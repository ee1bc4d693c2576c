"""The local server (`quollo serve`) under 4 concurrent clients, and the credits concurrency check."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from bench.common import ROOT, aws_env, free_port, median, ms, percentile, progress

CLIENTS = 4


@contextmanager
def local_server(seed: dict[str, Any], backlog: int | None = None) -> Iterator[tuple[str, int]]:
    """`quollo serve` on free ports with `seed`; yields (base URL, moto port).

    `backlog` measures a proposed change without making it: the server's listen backlog
    (socketserver's default is 5) raised in the child process before the CLI runs.
    """
    port, aws_port = free_port(), free_port()
    with tempfile.TemporaryDirectory(prefix="quollo-bench-serve-") as tmp:
        seed_file = Path(tmp) / "seed.json"
        seed_file.write_text(json.dumps(seed))
        log = Path(tmp) / "serve.log"
        args = ["serve", "--port", str(port), "--aws-port", str(aws_port), "--seed", str(seed_file)]
        command = [str(Path(sys.executable).parent / "quollo"), *args]
        if backlog is not None:
            patch = (
                "import sys, http.server; http.server.ThreadingHTTPServer.request_queue_size = int(sys.argv[1]); "
                "from functions.local.cli import main; sys.exit(main(sys.argv[2:]))"
            )
            command = [sys.executable, "-c", patch, str(backlog), *args]
        with log.open("w") as out:
            proc = subprocess.Popen(  # noqa: S603
                command,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            deadline = time.monotonic() + 90
            while "Quollo API listening" not in log.read_text():
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"quollo serve did not start: {log.read_text()[-2000:]}")
                time.sleep(0.1)
            yield f"http://127.0.0.1:{port}", aws_port
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _load(total: int, call: Callable[[requests.Session], requests.Response], expected: int) -> dict[str, Any]:
    """`total` requests spread over CLIENTS threads, each with its own keep-alive session."""
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
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
                    latencies.append(elapsed)
                    statuses[status] += 1

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    return {
        "requests": total,
        "clients": CLIENTS,
        "requests_per_second": round(total / wall, 1),
        "p50_ms": ms(median(latencies)),
        "p99_ms": ms(percentile(latencies, 99)),
        "statuses": {str(k): v for k, v in statuses.items()},
        "all_expected": statuses[expected] == total,
    }


def measure(requests_per_op: int) -> dict[str, Any]:
    from functions.domain import tokens

    busy_token, race_token = tokens.generate(), tokens.generate()
    seed = {
        "users": [
            {
                "id": "usr_bench_load",
                "name": "Load",
                "credits": requests_per_op + 100,
                "tokens": [busy_token],
                "plans": [{"id": "plan_load", "name": "Backend"}],
            },
            {
                "id": "usr_bench_race",
                "name": "Race",
                "credits": 10,
                "tokens": [race_token],
                "plans": [{"id": "plan_race", "name": "Backend"}],
            },
        ]
    }
    progress("throughput: starting quollo serve")
    with local_server(seed) as (base, aws_port):
        auth = {"Authorization": f"Bearer {busy_token}"}
        body = {"title": "Backend engineer", "planId": "plan_load", "intervieweeName": "Jane Doe"}
        # Warm every container the clients will use, as a running server would be.
        with requests.Session() as warm:
            for _ in range(CLIENTS):
                warm.get(f"{base}/v1/interviews", headers=auth, timeout=30)
        create = _load(
            requests_per_op,
            lambda s: s.post(f"{base}/v1/interviews", json=body, headers=auth, timeout=30),
            201,
        )
        progress(f"throughput: create {create['requests_per_second']} req/s, p50 {create['p50_ms']} ms")
        listing = _load(
            requests_per_op,
            lambda s: s.get(f"{base}/v1/interviews", params={"limit": 20}, headers=auth, timeout=30),
            200,
        )
        progress(f"throughput: list {listing['requests_per_second']} req/s, p50 {listing['p50_ms']} ms")
        race = _race(base, race_token, aws_port)
        progress(f"throughput: 50 creates on 10 credits: {race}")
    result = {"create": create, "list": listing, "concurrency": race}
    if race["connection_resets_retried"]:
        progress("throughput: same race with a listen backlog of 128 (proposal, measured in the child only)")
        race_seed = {"users": [seed["users"][1]]}
        with local_server(race_seed, backlog=128) as (base, aws_port):
            result["concurrency_backlog_128"] = _race(base, race_token, aws_port)
        progress(f"throughput: with backlog 128: {result['concurrency_backlog_128']}")
    return result


def _race(base: str, token: str, aws_port: int, attempts: int = 50) -> dict[str, Any]:
    barrier = threading.Barrier(attempts)
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    auth = {"Authorization": f"Bearer {token}"}
    body = {"title": "Race", "planId": "plan_race", "intervieweeName": "Jane Doe"}

    resets = [0]

    def one() -> None:
        with requests.Session() as session:
            barrier.wait()
            for attempt in range(5):
                try:
                    status = session.post(f"{base}/v1/interviews", json=body, headers=auth, timeout=60).status_code
                    break
                except requests.ConnectionError:
                    # Refused at connect (listen backlog full): the request never reached a handler.
                    with lock:
                        resets[0] += 1
                    time.sleep(0.05 * (attempt + 1))
            else:
                status = -1
        with lock:
            statuses[status] += 1

    threads = [threading.Thread(target=one) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    listed = requests.get(f"{base}/v1/interviews", params={"limit": 100}, headers=auth, timeout=30).json()
    balance = _balance(aws_port, "usr_bench_race")
    created = statuses[201]
    return {
        "attempts": attempts,
        "credits": 10,
        "statuses": {str(k): v for k, v in statuses.items()},
        "created": created,
        "connection_resets_retried": resets[0],
        "interviews_listed": len(listed["items"]),
        "balance_after": balance,
        "ok": created == 10 and len(listed["items"]) == 10 and balance == 0 and statuses[402] == attempts - 10,
    }


def _balance(aws_port: int, user_id: str) -> int:
    import boto3

    from functions.data import schema

    env = aws_env(aws_port)
    client = boto3.client(
        "dynamodb",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - moto's fake credentials
    )
    found = client.get_item(TableName=schema.USERS.default_name, Key={"userId": {"S": user_id}}, ConsistentRead=True)
    return int(found["Item"]["balance"]["N"])
