"""The local server (`quollo serve`) under 4 concurrent clients, and the credits concurrency check."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import requests

from bench.common import load, median, ms, percentile, progress, seed_user
from testkit.accounts import create_body
from testkit.aws import FAKE_CREDENTIALS, REGION
from testkit.server import serving

CLIENTS = 4


@contextmanager
def local_server(seed: dict[str, Any]) -> Iterator[tuple[str, int]]:
    """`quollo serve` on free ports with `seed`; yields (base URL, moto port)."""
    with serving(seed, deadline=90) as server:
        yield server.base_url, server.aws_port


def _load(total: int, call: Callable[[requests.Session], requests.Response], expected: int) -> dict[str, Any]:
    """`total` requests spread over CLIENTS threads, each with its own keep-alive session."""
    seen = load(total, CLIENTS, call)
    return {
        "requests": total,
        "clients": CLIENTS,
        "requests_per_second": round(total / seen.wall, 1),
        "p50_ms": ms(median(seen.latencies)),
        "p99_ms": ms(percentile(seen.latencies, 99)),
        "statuses": {str(k): v for k, v in seen.statuses.items()},
        "all_expected": seen.statuses[expected] == total,
    }


def measure(requests_per_op: int) -> dict[str, Any]:
    from functions.domain import tokens

    busy_token, race_token = tokens.generate(), tokens.generate()
    seed = {
        "users": [
            seed_user("usr_bench_load", "Load", requests_per_op + 100, busy_token, "plan_load"),
            seed_user("usr_bench_race", "Race", 10, race_token, "plan_race"),
        ]
    }
    progress("throughput: starting quollo serve")
    with local_server(seed) as (base, aws_port):
        auth = {"Authorization": f"Bearer {busy_token}"}
        body = create_body("plan_load", "Backend engineer")
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
    # (The listen-backlog proposal this used to measure is applied: waitress listens with a backlog of 128.)
    return {"create": create, "list": listing, "concurrency": race}


def _race(base: str, token: str, aws_port: int, attempts: int = 50) -> dict[str, Any]:
    barrier = threading.Barrier(attempts)
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    auth = {"Authorization": f"Bearer {token}"}
    body = create_body("plan_race", "Race")

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

    client = boto3.client(
        "dynamodb",
        endpoint_url=f"http://127.0.0.1:{aws_port}",
        region_name=REGION,
        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )
    found = client.get_item(TableName=schema.USERS.default_name, Key={"userId": {"S": user_id}}, ConsistentRead=True)
    return int(found["Item"]["balance"]["N"])
