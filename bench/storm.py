"""The model-based concurrency storm (tests/e2e/test_ledger_model.py), run longer than `make test` runs it.

`make test` gives it 30 s; here it runs for --storm-seconds against its own `quollo serve`, and the
report says how many operations it tried and what they answered, and whether `quollo admin audit`
and the independent balance check held.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TEST = "tests/e2e/test_ledger_model.py::test_random_interleavings_keep_credits_and_references_exact"


def measure(seconds: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        stats = Path(tmp) / "storm.json"
        env = os.environ | {"QUOLLO_STORM_SECONDS": str(seconds), "QUOLLO_STORM_REPORT": str(stats)}
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0", TEST],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=seconds + 600,
        )
        found: dict[str, Any] = json.loads(stats.read_text()) if stats.exists() else {}
    return found | {"seconds": seconds, "passed": done.returncode == 0, "tail": done.stdout.splitlines()[-3:]}


def render(storm: dict[str, Any]) -> str:
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(storm.get("statuses", {}).items()))
    verdict = "held" if storm["passed"] else "**FAILED** (" + " / ".join(storm["tail"]) + ")"
    return (
        "## Model-based concurrency storm\n\n"
        f"6 clients of random creates, PATCHes, deletes, candidate and job changes and credit grants on one account"
        f" for {storm['seconds']:.0f} s: {storm.get('operations', 0)} operations ({statuses}). The invariants"
        f" (`quollo admin audit`, balance = granted - interviews alive, the ledger's sum): {verdict}.\n"
    )
