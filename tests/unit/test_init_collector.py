"""A Lambda init runs without the cyclic garbage collector, which comes back with its objects frozen.

Each case starts a fresh interpreter as Lambda starts one (AWS_LAMBDA_INITIALIZATION_TYPE set), imports
an entry module, reads the collector, invokes the handler once, and reads it again. The handler's answer
does not matter here: a first invocation that fails must hand the collector back as one that succeeds does.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from functions.data import schema
from functions.routes import ROUTES

ENTRIES = Path(__file__).resolve().parents[2] / "functions" / "entries"
# Every entry that is not an HTTP route has a handler of its own; the routes share lambda_entry's.
WORKERS = sorted(
    path.stem for path in ENTRIES.glob("*.py") if path.stem != "__init__" and path.stem not in {r.name for r in ROUTES}
)

_ONE_INVOCATION = """
import gc, importlib, json, sys
frozen_at_start = gc.get_freeze_count()  # the interpreter's own, before any module of ours
module = importlib.import_module(sys.argv[1])
during_init = gc.isenabled()

# Imported once the init has been read: the local server's stand-in for Lambda's context object.
from functions.local.gateway import LocalContext

context = LocalContext(function_name="quollo-test")
try:
    module.handler(json.loads(sys.argv[2]), context)
except Exception:
    pass
after_first = (gc.isenabled(), gc.get_freeze_count() - frozen_at_start)
try:
    module.handler(json.loads(sys.argv[2]), context)
except Exception:
    pass
print(json.dumps({"during_init": during_init, "after_first": after_first, "after_second": gc.isenabled()}))
"""


def _invoke_once(entry: str, lambda_init: bool) -> dict[str, Any]:
    env = {
        "AWS_DEFAULT_REGION": "eu-west-1",
        # A closed port, one attempt: any AWS call fails at once; the collector is what is looked at.
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_MAX_ATTEMPTS": "1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        schema.RECORDS_BUCKET_ENV: "records",
    }
    if lambda_init:
        env["AWS_LAMBDA_INITIALIZATION_TYPE"] = "on-demand"
    # No Authorization header: a route answers 401; a worker finds no records or fails on the event.
    event = {"httpMethod": "GET", "path": "/v1/balance", "headers": {}, "requestContext": {}, "Records": []}
    done = subprocess.run(
        [sys.executable, "-c", _ONE_INVOCATION, f"functions.entries.{entry}", json.dumps(event)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("entry", ["get_balance", *WORKERS])
def test_a_lambda_init_runs_without_the_collector_and_the_first_invocation_freezes_and_restarts_it(entry: str) -> None:
    seen = _invoke_once(entry, lambda_init=True)
    assert seen["during_init"] is False
    enabled, frozen = seen["after_first"]
    assert enabled is True
    # The init's objects (modules, classes, the libraries' tables): tens of thousands, never scanned again.
    assert frozen > 20_000
    assert seen["after_second"] is True


def test_outside_a_lambda_init_the_collector_is_left_alone() -> None:
    """quollo serve, the tests and the CLI import the same modules: they keep the default collector."""
    seen = _invoke_once("get_balance", lambda_init=False)
    assert seen == {"during_init": True, "after_first": [True, 0], "after_second": True}
