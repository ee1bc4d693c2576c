"""quollo serve's copies of the handler modules (functions/local/containers.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# A fresh interpreter loads the first copy of every handler module from its own thread at once, as a
# server's first requests and its workers do; it prints the failures.
_RACE = """
import sys, threading
sys.setswitchinterval(1e-6)
from functions import routes
from functions.local.containers import load_copy
modules = [route.module for route in routes.ROUTES]
workers = ("webhook_delivery", "webhook_fanout", "recording_uploaded")
modules += [f"functions.entries.{name}" for name in workers]
errors = []
def load(module):
    try:
        load_copy(module, "race")
    except Exception as exc:
        errors.append(repr(exc))
threads = [threading.Thread(target=load, args=(module,)) for module in modules]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(len(errors), errors[:1])
"""


def test_first_copies_loaded_from_many_threads_at_once_all_load() -> None:
    root = Path(__file__).resolve().parents[2]
    for _ in range(4):  # without the loading lock, 3 runs in 5 failed
        ran = subprocess.run([sys.executable, "-c", _RACE], cwd=root, capture_output=True, text=True, timeout=120)
        assert ran.returncode == 0, ran.stderr
        assert ran.stdout.strip() == "0 []", ran.stdout
