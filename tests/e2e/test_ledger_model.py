"""Model-based concurrency test of credits and references, over HTTP, checked by `quollo admin audit`.

Several clients, each with its own seeded random stream, run random operations on one account for a
bounded time: creates (plain, by candidateId or jobId, with an inline candidate or job, keyed),
PATCHes of an interview's links, plan and schedule, deletes (keyed or not), candidates and jobs
created, changed and deleted, and credits added with `quollo admin`. Any answer but a 5xx is allowed:
races make many requests fail on purpose. Then the invariants must hold exactly:
- the balance is the credits granted minus the interviews that exist (none is ever started here);
- every candidate's and job's reference count is what points at it, no interview points at a
  missing candidate or job, every externalId has its entity (`quollo admin audit` exits 0);
- and the audit does find a corrupted count (the same store, one counter bumped by hand).

QUOLLO_STORM_SECONDS sets the length (default 15; longer runs find rarer interleavings: `make bench`
runs it for 300 s, bench/storm.py).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import requests
from e2e_support import Server, parse_json, run_quollo

from testkit.accounts import Account, create_body

CLIENTS = 6
SECONDS = float(os.environ.get("QUOLLO_STORM_SECONDS", "15"))
INITIAL_CREDITS = 20
GRANTS = 3  # `quollo admin add-credits` calls, by one client, during the storm
_EXTERNAL_IDS = ["ext-a", "ext-b", "ext-c"]  # a small pool, so that externalIds collide


class _World:
    """What the clients have seen exist: ids to aim the next operations at (some will be gone by then)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.interviews: list[str] = []
        self.candidates: list[str] = []
        self.jobs: list[str] = []
        self.granted = INITIAL_CREDITS
        self.statuses: Counter[str] = Counter()

    def pick(self, rng: random.Random, kind: str) -> str | None:
        with self.lock:
            ids: list[str] = getattr(self, kind)
            return rng.choice(ids) if ids else None

    def add(self, kind: str, entity_id: str) -> None:
        with self.lock:
            getattr(self, kind).append(entity_id)


def _client(server: Server, account: Account, world: _World, seed: int, deadline: float) -> int:
    rng = random.Random(seed)
    session = requests.Session()
    grants = GRANTS if seed == 0 else 0
    done = 0

    def call(method: str, path: str, body: Any = None, key: str | None = None) -> requests.Response:
        headers = {"Idempotency-Key": key} if key else None
        reply = server.request(method, path, account.token, session=session, json=body, headers=headers)
        assert reply.status_code < 500, (method, path, body, reply.status_code, reply.text)
        with world.lock:
            world.statuses[f"{method} {reply.status_code}"] += 1
        return reply

    def maybe_id(kind: str) -> str | None:
        return world.pick(rng, kind) if rng.random() < 0.8 else None

    def external() -> str | None:
        return rng.choice(_EXTERNAL_IDS) if rng.random() < 0.3 else None

    def create_interview() -> None:
        body: dict[str, Any] = create_body(account.plan_id, "Model")
        shape = rng.choice(["plain", "candidateId", "jobId", "candidate", "job", "keyed"])
        key = None
        if shape in ("candidateId", "jobId"):
            body[shape] = world.pick(rng, "candidates" if shape == "candidateId" else "jobs") or "missing"
        elif shape == "candidate":
            body["candidate"] = {"name": "Inline", "externalId": external()}
        elif shape == "job":
            body["job"] = {"title": "Inline", "externalId": external()}
        elif shape == "keyed":
            key = f"k-{seed}-{rng.randrange(4)}"  # replays, and 422s when the body differs
            body["title"] = rng.choice(["Model", "Other"])
        reply = call("POST", "/v1/interviews", body, key)
        if reply.status_code == 201:
            made = reply.json()
            world.add("interviews", made["id"])
            for kind, field in (("candidates", "candidateId"), ("jobs", "jobId")):
                if made.get(field):
                    world.add(kind, made[field])

    def patch_interview() -> None:
        interview = world.pick(rng, "interviews")
        if interview is None:
            return
        body = rng.choice(
            [
                {"candidateId": maybe_id("candidates")},
                {"jobId": maybe_id("jobs")},
                {"candidateId": maybe_id("candidates"), "jobId": maybe_id("jobs")},
                {"planId": account.plan_id},
                {"scheduleTime": "2031-01-01T10:00:00Z"},
            ]
        )
        call("PATCH", f"/v1/interviews/{interview}", body)

    def delete_interview() -> None:
        interview = world.pick(rng, "interviews")
        if interview is not None:
            call("DELETE", f"/v1/interviews/{interview}", key=f"d-{interview}" if rng.random() < 0.5 else None)

    def create_candidate() -> None:
        jobs = [j for j in (world.pick(rng, "jobs") for _ in range(rng.randrange(3))) if j]
        reply = call("POST", "/v1/candidates", {"name": "Cand", "jobIds": jobs, "externalId": external()})
        if reply.status_code == 201:
            world.add("candidates", reply.json()["id"])

    def change_candidate() -> None:
        candidate = world.pick(rng, "candidates")
        if candidate is not None:
            jobs = [j for j in (world.pick(rng, "jobs") for _ in range(rng.randrange(3))) if j]
            body = rng.choice([{"jobIds": jobs}, {"externalId": external()}, {"name": "Renamed"}])
            call("PATCH", f"/v1/candidates/{candidate}", body)

    def delete_candidate() -> None:
        candidate = world.pick(rng, "candidates")
        if candidate is not None:
            call("DELETE", f"/v1/candidates/{candidate}")

    def create_job() -> None:
        reply = call("POST", "/v1/jobs", {"title": "Job", "externalId": external()})
        if reply.status_code == 201:
            world.add("jobs", reply.json()["id"])

    def change_job() -> None:
        job = world.pick(rng, "jobs")
        if job is not None:
            call("PATCH", f"/v1/jobs/{job}", rng.choice([{"externalId": external()}, {"title": "Retitled"}]))

    def delete_job() -> None:
        job = world.pick(rng, "jobs")
        if job is not None:
            call("DELETE", f"/v1/jobs/{job}")

    operations = [
        (create_interview, 5),
        (patch_interview, 4),
        (delete_interview, 3),
        (create_candidate, 2),
        (change_candidate, 2),
        (delete_candidate, 1),
        (create_job, 2),
        (change_job, 1),
        (delete_job, 1),
    ]
    functions, weights = zip(*operations, strict=True)
    while time.monotonic() < deadline:
        if grants and rng.random() < 0.02:
            amount = rng.randrange(1, 4)
            added = server.admin_ok("add-credits", account.user_id, str(amount))
            # Other clients spend between the grant and the balance it reports, so the figure is only
            # known to be a count; the grant itself is checked by the invariants at the end.
            assert isinstance(added["balance"], int) and added["balance"] >= 0
            with world.lock:
                world.granted += amount
            grants -= 1
        rng.choices(functions, weights)[0]()
        done += 1
    session.close()
    return done


def _every_item(server: Server, token: str, path: str) -> list[dict[str, Any]]:
    """Every item of a listing, following nextCursor to the end."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"limit": 100} | ({"cursor": cursor} if cursor else {})
        page = server.request("GET", path, token, params=params).json()
        items += page["items"]
        if not (cursor := page["nextCursor"]):
            return items


def _audit(server: Server, user_id: str) -> subprocess.CompletedProcess[str]:
    return run_quollo("admin", "audit", user_id, env=server.env, timeout=120)


def test_random_interleavings_keep_credits_and_references_exact(server: Server) -> None:
    account = server.new_account(credits=INITIAL_CREDITS, name="Model storm")
    world = _World()
    deadline = time.monotonic() + SECONDS
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        operations = sum(pool.map(lambda seed: _client(server, account, world, seed, deadline), range(CLIENTS)))
    print(f"{operations} operations in {SECONDS:.0f} s: {dict(sorted(world.statuses.items()))}")
    if report := os.environ.get("QUOLLO_STORM_REPORT"):  # make bench's longer run (bench/storm.py)
        Path(report).write_text(json.dumps({"operations": operations, "statuses": dict(world.statuses)}))
    assert operations > 0

    audited = _audit(server, account.user_id)
    assert audited.returncode == 0, audited.stderr
    assert parse_json(audited.stdout)["ok"] is True

    # Independently of the audit: the balance is what was granted minus the interviews alive.
    alive = _every_item(server, account.token, "/v1/interviews")
    balance = server.admin_ok("add-credits", account.user_id, "1")["balance"] - 1
    assert balance == world.granted - len(alive), (balance, world.granted, len(alive))
    # The ledger agrees: its amounts sum to the balance and its newest entry's balanceAfter is the balance.
    entries = _every_item(server, account.token, "/v1/ledger")
    now = server.request("GET", "/v1/balance", account.token).json()["balance"]
    assert sum(e["amount"] for e in entries) == now == entries[0]["balanceAfter"] == balance + 1
    for interview in alive:
        for field, path in (("candidateId", "/v1/candidates/"), ("jobId", "/v1/jobs/")):
            if interview.get(field):
                assert server.request("GET", path + interview[field], account.token).status_code == 200, interview


def test_the_audit_names_a_corrupted_count_and_exits_non_zero(server: Server) -> None:
    account = server.new_account(credits=2, name="Audited")
    job = server.request("POST", "/v1/jobs", account.token, json={"title": "Backend"}).json()["id"]
    created = server.request(
        "POST",
        "/v1/interviews",
        account.token,
        json=create_body(account.plan_id, "t", jobId=job),
    )
    assert created.status_code == 201, created.text
    assert _audit(server, account.user_id).returncode == 0

    # Corrupt the store as a bug would: the job's count one too high, the balance one too low.
    dynamodb = boto3.client("dynamodb", endpoint_url=server.aws_url, region_name="us-east-1")
    dynamodb.update_item(
        TableName="quollo-talent",
        Key={"ownerId": {"S": account.user_id}, "sk": {"S": f"job#{job}"}},
        UpdateExpression="ADD refs :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
    )
    dynamodb.update_item(
        TableName="quollo-users",
        Key={"userId": {"S": account.user_id}},
        UpdateExpression="ADD balance :minus",
        ExpressionAttributeValues={":minus": {"N": "-1"}},
    )
    audited = _audit(server, account.user_id)
    assert audited.returncode == 3, (audited.returncode, audited.stderr)
    found = parse_json(audited.stdout)["discrepancies"]
    assert sorted(d["rule"] for d in found) == ["balance", "ledger", "refs"], found
    assert any(job in d["detail"] and "refs=2" in d["detail"] for d in found), found
    assert f"{account.user_id}: balance:" in audited.stderr

    # Everyone: the same user's discrepancies among all users', and a clean user adds none.
    everyone = run_quollo("admin", "audit", env=server.env, timeout=120)
    assert everyone.returncode == 3
    assert {d["userId"] for d in parse_json(everyone.stdout)["discrepancies"]} >= {account.user_id}
