"""The local server's memory (`quollo serve`) over 10,000 creates: the server process's RSS.

Every create is a TransactWriteItems (plan check, debit, interview put). moto 5.2.5 kept a deep
copy of every table each transaction touched, so the server grew with each create;
functions/local/moto_patches.py is the workaround. The same run on a server whose patches are
switched off (in the child process only) gives the reference, over fewer creates: it grows with
creates x table size, so 10,000 of them would need tens of gigabytes.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from bench.common import load, progress, seed_user, use_aws_env
from testkit.accounts import create_body
from testkit.server import LocalServer, serving

CLIENTS = 4
BATCH = 500  # creates between two RSS samples; the credits topped up before each batch
TARGET_GROWTH_MB = 100
UNPATCHED_RSS_LIMIT_MB = 4000  # stop the reference run early rather than exhaust a shared machine
USER_ID = "usr_bench_memory"
PLAN_ID = "plan_memory"

# The CLI with functions.local.moto_patches.apply() made a no-op: moto as shipped.
_UNPATCHED = (
    "import sys; from functions.local import moto_patches; moto_patches.apply = lambda: None; "
    "from functions.local.cli import main; sys.exit(main(sys.argv[1:]))"
)


# One or more 2xx access lines (threads print concurrently, so two can share a line), the stop, or
# the 401 that answered testkit.server's start-up probe (GET /v1/plans without a token).
_ACCESS_2XX = re.compile(r"^(?:[A-Z]+ \S+ 2\d\d [\d.]+ms)+$|^Stopping\.$|^GET /v1/plans 401 [\d.]+ms$")


def rss_mb(pid: int) -> float:
    """Resident set size of a process, MB (Linux /proc; `ps` elsewhere)."""
    status = Path(f"/proc/{pid}/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    out = subprocess.run(["ps", "-o", "rss=", "-p", str(pid)], capture_output=True, text=True, check=True)
    return round(int(out.stdout.strip()) / 1024, 1)


@contextmanager
def _server(seed: dict[str, Any], patched: bool, errors: list[str]) -> Iterator[tuple[str, int, int]]:
    """`quollo serve` on free ports; yields (base URL, moto port, server pid).

    `errors` receives the server's output other than its welcome and 2xx access lines.
    """
    command = [] if patched else [sys.executable, "-c", _UNPATCHED]
    server: LocalServer | None = None
    try:
        # moto as published holds gigabytes after its run: freeing them on exit takes longer than the 15 s
        # a user's Ctrl-C gets (the shipped, patched server is held to that).
        with serving(seed, command=command, deadline=90, stop_deadline=15 if patched else 120) as server:
            yield server.base_url, server.aws_port, server.process.pid
    finally:
        if server is not None:
            lines = server.output.splitlines()
            body = lines[lines.index("Press Ctrl-C to stop.") + 1 :] if "Press Ctrl-C to stop." in lines else lines
            errors.extend(line for line in body if line.strip() and not _ACCESS_2XX.match(line))


def _creates(base: str, token: str, count: int) -> Counter[int]:
    """`count` creates over CLIENTS keep-alive sessions; their statuses."""
    auth = {"Authorization": f"Bearer {token}"}
    body = create_body(PLAN_ID, "Backend engineer")
    url = f"{base}/v1/interviews"
    return load(count, CLIENTS, lambda session: session.post(url, json=body, headers=auth, timeout=120)).statuses


def _run(creates: int, patched: bool) -> dict[str, Any]:
    from functions.domain import accounts, tokens

    label = "patched" if patched else "unpatched"
    token = tokens.generate()
    seed = {"users": [seed_user(USER_ID, "Memory", 0, token, PLAN_ID)]}
    samples: list[dict[str, Any]] = []
    statuses: Counter[int] = Counter()
    stopped = None
    errors: list[str] = []
    began = time.monotonic()
    with _server(seed, patched, errors) as (base, aws_port, pid):
        use_aws_env(aws_port)
        with requests.Session() as warm:  # warm every container the clients use, as a running server is
            for _ in range(CLIENTS):
                warm.get(f"{base}/v1/interviews", headers={"Authorization": f"Bearer {token}"}, timeout=30)
        samples.append({"creates": 0, "rss_mb": rss_mb(pid), "seconds": 0.0})
        done = 0
        while done < creates:
            batch = min(BATCH, creates - done)
            accounts.add_credits(USER_ID, batch)  # the top-up, as `quollo admin add-credits` does it
            batch_began = time.monotonic()
            statuses.update(_creates(base, token, batch))
            done += batch
            elapsed = time.monotonic() - batch_began
            sample = {
                "creates": done,
                "rss_mb": rss_mb(pid),
                "seconds": round(time.monotonic() - began, 1),
                "batch_creates_per_second": round(batch / elapsed, 1),
            }
            samples.append(sample)
            progress(
                f"memory ({label}): {done} creates, RSS {sample['rss_mb']} MB, {sample['batch_creates_per_second']}/s"
            )
            if not patched and sample["rss_mb"] > UNPATCHED_RSS_LIMIT_MB:
                stopped = f"stopped at {done} creates: RSS over {UNPATCHED_RSS_LIMIT_MB} MB"
                break
    at = {s["creates"]: s["rss_mb"] for s in samples}
    last = samples[-1]
    after = [s["rss_mb"] for s in samples if s["creates"] >= min(1000, last["creates"])]
    result: dict[str, Any] = {
        "creates": last["creates"],
        "clients": CLIENTS,
        "batch": BATCH,
        "statuses": {str(k): v for k, v in statuses.items()},
        "all_created": statuses[201] == last["creates"],
        "rss_start_mb": at[0],
        "rss_1000_mb": at.get(1000),
        "rss_end_mb": last["rss_mb"],
        "growth_mb": round(last["rss_mb"] - at[0], 1),
        "growth_per_1000_creates_mb": round((last["rss_mb"] - at[0]) / last["creates"] * 1000, 1),
        # Spread of the samples from 1,000 creates on: how flat "flat" is.
        "rss_min_max_from_1000_mb": [min(after), max(after)],
        "seconds": last["seconds"],
        "first_batch_creates_per_second": samples[1]["batch_creates_per_second"],
        "last_batch_creates_per_second": last["batch_creates_per_second"],
        "samples": samples,
        "server_errors": errors[-20:],  # what the server printed besides 2xx access lines (the last 20)
    }
    if stopped:
        result["stopped"] = stopped
    return result


def measure(creates: int, unpatched_creates: int) -> dict[str, Any]:
    progress(f"memory: {creates} creates on quollo serve as shipped (moto patched)")
    result: dict[str, Any] = {"patched": _run(creates, patched=True), "target_growth_mb": TARGET_GROWTH_MB}
    patched = result["patched"]
    result["ok"] = patched["all_created"] and patched["growth_mb"] <= TARGET_GROWTH_MB
    if unpatched_creates:
        progress(f"memory: {unpatched_creates} creates on moto as shipped by PyPI (patches off in the child)")
        result["unpatched"] = _run(unpatched_creates, patched=False)
    result["load_average_at_end"] = os.getloadavg()
    return result
