"""Cold start per route: a fresh interpreter imports the handler module and handles one event.

Timed from just before `Popen` to the moment the child's result line arrives; the child also
reports `time.monotonic()` stamps (one clock for every process on Linux) to split that into
interpreter start-up, imports and the first request. The floor, in the same rounds: a fresh
interpreter that imports boto3, creates a DynamoDB client and does one GetItem.

Every child runs what ships, laid out as Lambda lays it out: `python -I -S -B` (nothing of the
venv, no site-packages) with an explicit sys.path of the function asset (`var/task`, built by
infra/packaging.py), our dependency layer's `python/` (`opt/python`, infra/layer.py, which carries
uv.lock's boto3) and the runtime's boto3/botocore in a folder of their own (`var/runtime`), as
tests/infra/test_infra_layer.py does. The routes import boto3 from the layer; the floor, a
boto3-only function without our layer, from var/runtime.

Library bounds, in the same shipped rounds: children that do exactly what the floor does but first
import (and construct) library stacks and nothing of ours, each stack a superset of the one before
(BOUNDS). The distance between two of them is what a library alone adds to every route's ratio.
"""

from __future__ import annotations

import compileall
import json
import os
import random
import re
import shutil
import subprocess
import tempfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from bench import world
from bench.common import ROOT, aws_env, median, ms, percentile, progress, spread
from functions.routes import ROUTES
from infra.function_env import FUNCTION_ENVIRONMENT
from infra.layer import DependencyLayer, build_dependency_layer, host_platform, installed_versions, locked_versions
from infra.packaging import build_lambda_asset, interpreter_for
from testkit.accounts import Account
from testkit.lambda_runtime import install_runtime_sdk

FLOOR = "floor"
# Every route of the route table; REQUESTS (below) says how to call each one.
ROUTE_NAMES = tuple(route.name for route in ROUTES)
EPOCH_1980 = 315532800  # 1980-01-01T00:00:00Z, the date the CDK CLI gives every file in an asset zip
# RouteFunctions.PYTHON_VERSION, the Lambda runtime's; not imported, as that module loads the CDK (node).
PYTHON_VERSION = "3.12"
# -I: no PYTHON* variables, no user site, no script directory; -S: no site-packages (the venv's);
# -B: no .pyc written, as on Lambda's read-only code and layer directories. -I ignores
# PYTHONDONTWRITEBYTECODE, hence -B.
CHILD_FLAGS = ("-I", "-S", "-B")

# Bytecode variants of the code asset. All run with -B (Lambda's code directory is read-only, so a
# stale .pyc is recompiled on every cold start, never rewritten), beside the same layer and SDK.
SHIPPED = "unchecked-hash"
# Not a bytecode variant: the shipped asset with the Powertools Tracer on, as `cdk deploy` does by
# default (LAMBDA_TASK_ROOT set, no POWERTOOLS_TRACE_DISABLED: the X-Ray SDK loads and patches boto3).
TRACED = "tracer-on"
# Not a bytecode variant: the shipped asset with AWS_LAMBDA_INITIALIZATION_TYPE=snap-start, as the
# snapshotted init of `-c snapstart=true` runs. Its import phase is the init Lambda snapshots; its
# first-request phase is what a restored environment does: the after-restore hooks, then the request.
SNAPSTART = "snapstart"
VARIANTS = {
    SHIPPED: (
        "the function asset as infra/packaging.py builds it (unchecked-hash bytecode, files dated 1980) plus our"
        " layer (infra/layer.py from uv.lock, boto3/botocore included, unchecked-hash), before a runtime folder"
    ),
    TRACED: "as shipped, with the Powertools Tracer on (the stack's default; `-c tracer=false` turns it off)",
    SNAPSTART: (
        "as shipped, run as a SnapStart restore runs it: the init (imports and, as `snap-start`, the clients)"
        " before the snapshot; after it the hooks run after each restore (random re-seeded), then the first request"
    ),
    "stale-timestamp": "default compileall, then files dated 1980 as in a CDK zip: every .pyc is stale",
    "no-pyc": "no .pyc at all, files dated 1980",
}

_CHILD_PRELUDE = """
import time
_t0 = time.monotonic()
# The process's CPU clock (CLOCK_PROCESS_CPUTIME_ID, in ns: the scheduler's own count, not 10 ms ticks),
# read at each stamp; _c0 is what the interpreter's start-up took before this line.
_c0 = time.process_time_ns()
import gc
# The CPU time the cyclic collector takes, summed by gc.callbacks and read beside each CPU stamp, so that
# a span's collections can be told from its other work (a Lambda init of ours runs none:
# functions/runtime/init_collector.py).
_gc = [0, 0]
def _gc_clock(phase, info):
    if phase == "start":
        _gc[1] = time.process_time_ns()
    else:
        _gc[0] += time.process_time_ns() - _gc[1]
gc.callbacks.append(_gc_clock)
import json, os, sys
# -I -S left only the standard library; Lambda's order: function code, layer, runtime's SDK.
sys.path[:0] = json.loads(os.environ["BENCH_SYS_PATH"])
event = json.loads(os.environ["BENCH_EVENT"])
"""

# Proof that nothing came from elsewhere (the venv above all): every loaded module's file is under
# one of the sys.path entries we gave or the standard library.
_CHILD_PROVENANCE = """
_allowed = tuple(p.rstrip("/") + "/" for p in json.loads(os.environ["BENCH_SYS_PATH"]))
_allowed += (os.path.dirname(os.__file__) + "/",)
foreign = sorted({f for m in list(sys.modules.values())
                  if isinstance(f := getattr(m, "__file__", None), str) and not f.startswith(_allowed)})
origins = {name: getattr(sys.modules.get(name), "__file__", None)
           for name in ("functions", "pydantic", "boto3", "aws_lambda_powertools")}
"""

# Added to the route child when BENCH_MODULES_OUT is set (one untimed run per route, before the
# rounds): the names of the library modules it loaded (from the layer or the runtime's SDK, the
# entries of sys.path after the function asset), in load order. Standard-library modules that only
# our code imports are left out: they are ours to avoid; those the libraries import come with them.
_MODULES_REPORT = """
if os.environ.get("BENCH_MODULES_OUT"):
    _libraries = tuple(p.rstrip("/") + "/" for p in json.loads(os.environ["BENCH_SYS_PATH"])[1:])
    with open(os.environ["BENCH_MODULES_OUT"], "w") as _out:
        json.dump([n for n, m in list(sys.modules.items())
                   if isinstance(f := getattr(m, "__file__", None), str) and f.startswith(_libraries)], _out)
"""

_ROUTE_CHILD_BODY = """
import importlib
module = importlib.import_module(os.environ["BENCH_MODULE"])
_t1 = time.monotonic()
_c1 = time.process_time_ns()
_g1 = _gc[0]
if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "snap-start":
    # The snapshot is taken here. After a restore Lambda runs the hooks registered with
    # snapshot_restore_py (not in our layer, so none registered here): observability registers random.seed.
    import random
    random.seed()

class Context:
    function_name = "quollo-bench"
    aws_request_id = "00000000-0000-0000-0000-000000000000"
    memory_limit_in_mb = 512
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:quollo-bench"
    log_group_name = "/aws/lambda/quollo-bench"
    log_stream_name = "bench"
    def get_remaining_time_in_millis(self):
        return 10000

response = module.handler(event, Context())
_t2 = time.monotonic()
_c2 = time.process_time_ns()
_g2 = _gc[0]
xray = any(name.startswith("aws_xray_sdk") for name in sys.modules)
"""
_ROUTE_CHILD_RESULT = (
    _CHILD_PROVENANCE
    + _MODULES_REPORT
    + """
sys.stdout.write("BENCH " + json.dumps({"t0": _t0, "t1": _t1, "t2": _t2, "cpu_ns": [_c0, _c1, _c2],
                                        "cpu_libraries_ns": globals().get("_cl"),
                                        "gc_ns": [0, _g1, _g2], "gc_libraries_ns": globals().get("_gl"),
                                        "status": response["statusCode"],
                                        "origins": origins, "foreign": foreign, "xray": xray,
                                        "modules": len(sys.modules)}) + "\\n")
sys.stdout.flush()
"""
)
_ROUTE_CHILD = _CHILD_PRELUDE + _ROUTE_CHILD_BODY + _ROUTE_CHILD_RESULT

# The floor's work, split at the end of its imports; the library bounds run the very same lines.
_FLOOR_IMPORTS = """
import boto3
_t1 = time.monotonic()
_c1 = time.process_time_ns()
_g1 = _gc[0]
"""
_FLOOR_CALL = """
client = boto3.client("dynamodb")
found = client.get_item(TableName=os.environ["BENCH_TABLE"], Key={"tokenHash": {"S": os.environ["BENCH_KEY"]}},
                        ConsistentRead=True)
"""
_FLOOR_RESULT = (
    """
_t2 = time.monotonic()
_c2 = time.process_time_ns()
_g2 = _gc[0]
status = 200 if "Item" in found else 404
"""
    + _CHILD_PROVENANCE
    + """
sys.stdout.write("BENCH " + json.dumps({"t0": _t0, "t1": _t1, "t2": _t2, "cpu_ns": [_c0, _c1, _c2],
                                        "cpu_libraries_ns": globals().get("_cl"),
                                        "gc_ns": [0, _g1, _g2], "gc_libraries_ns": globals().get("_gl"),
                                        "status": status, "origins": origins,
                                        "foreign": foreign, "xray": False, "modules": len(sys.modules)}) + "\\n")
sys.stdout.flush()
"""
)
_FLOOR_CHILD = _CHILD_PRELUDE + _FLOOR_IMPORTS + _FLOOR_CALL + _FLOOR_RESULT


@dataclass(frozen=True)
class Bound:
    """A reference child: the floor's work after `code` (the stack's imports), nothing of ours."""

    name: str
    adds: str  # what this stack adds to the one before, for the report
    code: str  # cumulative: every earlier stack's code, then this one's
    auth_call: bool = False  # after the floor's GetItem, the UpdateItem every route authenticates with


# (name, what it adds, the code it adds, whether it adds the authentication call). Each stack is a
# superset of the one before, so the step from one to the next is what the added library costs.
_BOUND_STEPS: tuple[tuple[str, str, str, bool], ...] = (
    # The floor's own imports, with the routes' sys.path (the layer before the runtime's SDK): what
    # the longer path alone costs the boto3 imports.
    ("routes-sys-path", "the floor with the routes' sys.path (opt/python before var/runtime)", "", False),
    (
        "powertools",
        "Powertools, constructed: `APIGatewayRestResolver()` (no validation), `Logger`, `Metrics`",
        """
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
service = os.environ["POWERTOOLS_SERVICE_NAME"]
logger = Logger(service=service)
metrics = Metrics(namespace=os.environ["POWERTOOLS_METRICS_NAMESPACE"], service=service)
app = APIGatewayRestResolver()
""",
        False,
    ),
    ("pydantic", "`from pydantic import BaseModel`", "\nfrom pydantic import BaseModel\n", False),
    (
        "validation",
        "`APIGatewayRestResolver(enable_validation=True)` (Powertools' OpenAPI validation middleware)",
        "\nvalidating = APIGatewayRestResolver(enable_validation=True)\n",
        False,
    ),
    (
        "auth-call",
        "a second DynamoDB call: the UpdateItem that authenticates every request (functions/data/tokens.py)",
        "",
        True,
    ),
)


def _cumulative(steps: tuple[tuple[str, str, str, bool], ...]) -> tuple[Bound, ...]:
    bounds: list[Bound] = []
    code, auth_call = "", False
    for name, adds, added, adds_call in steps:
        code, auth_call = code + added, auth_call or adds_call
        bounds.append(Bound(name, adds, code, auth_call))
    return tuple(bounds)


BOUNDS = _cumulative(_BOUND_STEPS)
BOUND_PREFIX = "bound:"


def bound_child(bound: Bound) -> str:
    """The bound's child program: the stack's imports, then the floor's lines (and the auth call)."""
    call = _FLOOR_CALL
    if bound.auth_call:
        call += """
updated = client.update_item(**json.loads(os.environ["BENCH_UPDATE"]))
if "Attributes" not in updated:
    found = {}
"""
    return _CHILD_PRELUDE + bound.code + _FLOOR_IMPORTS + call + _FLOOR_RESULT


# Per-route bounds: for each route, a child that loads exactly the library and standard-library modules
# the route loads (nothing of ours), constructs what every route constructs (Logger, Metrics, the
# resolver, validating where the route validates), then makes exactly the AWS calls the route makes
# for the same request on the same data, each service's client created as the floor creates its one.
# The route minus its bound is what our own code costs that route.
ROUTE_BOUND_PREFIX = "route-bound:"
# Operations replayed as they were recorded; any other (a write) is recorded but held back from moto
# while recording, so that the bound's replay finds the data as the route found it.
_READ_OPERATION = re.compile(r"^(Get|Query|Scan|BatchGet|TransactGet|List|Describe|Head)")
# Calls a first request makes beyond calls.TARGETS (which counts warm requests): the cursor key's
# read on a page that needs a cursor, and the queue URL the bench's environment names by name.
_COLD_ONLY_OPERATIONS = ("GetSecretValue", "GetQueueUrl")
# Calls a route makes after a write, with what the write answered: a held-back write answers nothing,
# so the recording ends there, and calls_after_held_write adds them from a recording of their own. finish_room: the
# ranged GetObject that looks for a recording uploaded during the interview follows the UpdateItem that
# finished it (an S3 client and one read).
_AFTER_A_HELD_WRITE = {"finish_room": 1}

_LOAD_LIBRARIES = """
import importlib
with open(os.environ["BENCH_MODULES_FILE"]) as _modules:
    _names = json.load(_modules)
for _name in _names:
    try:
        importlib.import_module(_name)
    except Exception:
        pass
_cl = time.process_time_ns()
_gl = _gc[0]
"""
_ROUTE_LIBRARIES = (
    _LOAD_LIBRARIES
    + """
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
service = os.environ["POWERTOOLS_SERVICE_NAME"]
logger = Logger(service=service)
metrics = Metrics(namespace=os.environ["POWERTOOLS_METRICS_NAMESPACE"], service=service)
app = APIGatewayRestResolver(enable_validation=os.environ["BENCH_VALIDATES"] == "1")
"""
)
_ROUTE_CALLS = """
clients = {}
for call in json.loads(os.environ["BENCH_CALLS"]):
    if call["service"] not in clients:
        clients[call["service"]] = boto3.client(call["service"])
    try:
        getattr(clients[call["service"]], call["method"])(**call["params"])
    except Exception as exc:  # the route was answered with this error too (calls_after_held_write)
        if getattr(exc, "response", {}).get("Error", {}).get("Code") != call.get("error"):
            raise
found = {"Item": True}
"""
ROUTE_BOUND_CHILD = _CHILD_PRELUDE + _ROUTE_LIBRARIES + _FLOOR_IMPORTS + _ROUTE_CALLS + _FLOOR_RESULT

# The route with its libraries loaded first (the bound's very loop, so the same modules in the same order),
# then the route as shipped: its handler module (our modules, and the Logger, Metrics and resolver it
# builds), its first request. Both it and the bound read the CPU clock where the libraries are in (_cl), so
# our own cost is the difference of two short spans (our imports and request against the bound's
# construction and calls) rather than of two whole cold starts: load from other processes stretches each
# span by a factor, so the shorter the span, the less it spreads.
ROUTE_SPLIT_PREFIX = "route-split:"
ROUTE_SPLIT_CHILD = _CHILD_PRELUDE + _LOAD_LIBRARIES + _ROUTE_CHILD_BODY + _ROUTE_CHILD_RESULT


@dataclass(frozen=True)
class RouteBound:
    """What a route's bound does: its libraries (as loaded by the route) and its AWS calls, as recorded."""

    route: str
    validates: bool  # the route's resolver validates (pydantic and Powertools' validation middleware)


def route_bounds(names: tuple[str, ...] = ROUTE_NAMES) -> dict[str, RouteBound]:
    """One bound per route (every route of the route table by default), its libraries read from the route's resolver."""
    import importlib

    return {
        name: RouteBound(name, bool(importlib.import_module(f"functions.entries.{name}").app.validates))
        for name in names
    }


def record_calls(route: str, event: dict[str, Any], *, writes_through: bool = False) -> list[dict[str, Any]]:
    """The AWS calls `route` makes for `event` as a new container, recorded in this process.

    Reads go to moto; every write after the authentication is recorded and answered with an empty
    response instead, so the data stays as the route would find it and the bound's replay of the
    same calls succeeds as the route's did. Checked against the bench's own count (calls.TARGETS).
    `writes_through`: every call goes to moto (the data of `event` changes: calls_after_held_write).
    Each call notes the error code it was answered with, if any (`error`).
    """
    import contextlib
    import io
    import logging

    from botocore import xform_name
    from botocore.awsrequest import AWSResponse, HTTPHeaders

    from bench.calls import TARGETS, handler_of
    from functions.local.caches import forget_aws_state
    from functions.local.gateway import LocalContext
    from functions.runtime.observability import logger
    from testkit.aws_calls import on_new_clients

    recorded: list[dict[str, Any]] = []

    def on_params(params: dict[str, Any], model: Any, **_: Any) -> None:
        recorded.append(
            {
                "service": model.service_model.service_name,
                "operation": model.name,
                "method": xform_name(model.name),
                "params": json.loads(json.dumps(params)),
            }
        )

    def on_call(model: Any, **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        if not writes_through and len(recorded) > 1 and not _READ_OPERATION.match(model.name):
            return AWSResponse("", 200, HTTPHeaders(), None), {"ResponseMetadata": {"HTTPStatusCode": 200}}
        return None

    def on_answer(parsed: dict[str, Any], **_: Any) -> None:
        recorded[-1]["error"] = (parsed.get("Error") or {}).get("Code")

    def hook(created: Any) -> None:
        created.meta.events.register("before-parameter-build.*.*", on_params)
        created.meta.events.register("before-call.*.*", on_call)
        created.meta.events.register("after-call.*.*", on_answer)

    forget_aws_state()  # a new container: no clients, no cached cursor key
    level = logger.log_level
    logger.setLevel(logging.CRITICAL)  # a held-back write may end the request in a logged 500
    try:
        with on_new_clients(hook), contextlib.redirect_stdout(io.StringIO()):  # stdout: metrics
            handler_of(route)(event, LocalContext(function_name=f"quollo-{route}"))
    finally:
        logger.setLevel(level)
        forget_aws_state()
    counted = [call for call in recorded if call["operation"] not in _COLD_ONLY_OPERATIONS]
    if len(counted) != TARGETS[route] - (0 if writes_through else _AFTER_A_HELD_WRITE.get(route, 0)):
        operations = [call["operation"] for call in recorded]
        raise RuntimeError(f"{route}: recorded {operations}, the bench counts {TARGETS[route]} calls")
    return recorded


def calls_after_held_write(
    route: str, held: list[dict[str, Any]], event_for: Callable[[], dict[str, Any]]
) -> list[dict[str, Any]]:
    """What a route's bound replays after `held` (record_calls): where the route calls on after a held write
    (_AFTER_A_HELD_WRITE), those calls, from a second recording with the writes made on data of its own
    (`event_for()`, a fresh target); none elsewhere. They are reads, replayed as recorded, answered as the
    route was answered (finish_room: the recording's key, NoSuchKey)."""
    after = _AFTER_A_HELD_WRITE.get(route, 0)
    if not after:
        return []
    following = record_calls(route, event_for(), writes_through=True)[len(held) :]
    if len(following) != after or not all(_READ_OPERATION.match(call["operation"]) for call in following):
        raise RuntimeError(f"{route}: after its write, recorded {[c['operation'] for c in following]}")
    return following


def _date_1980(tree: Path) -> None:
    """Every file dated as the CDK CLI dates it in an asset zip (function code and layer alike)."""
    for path in tree.rglob("*"):
        os.utime(path, (EPOCH_1980, EPOCH_1980))


def build_variant(base: Path, variant: str) -> Path:
    """The function asset at `base/variant/var/task`, compiled the `variant` way; returns that task root."""
    task = base / variant / "var" / "task"
    if variant in (SHIPPED, TRACED, SNAPSTART):
        # Exactly what ships: infra/packaging.py's build (unchecked-hash, compiled as if at /var/task).
        asset = build_lambda_asset(PYTHON_VERSION, out=task)
        if not asset.compiled:
            raise RuntimeError(f"no python{PYTHON_VERSION} here: the shipped asset would carry no bytecode")
    else:
        # The same tree (functions/ minus functions/local), with other bytecode, to compare against.
        shutil.copytree(
            ROOT / "functions",
            task / "functions",
            ignore=lambda directory, names: {
                n
                for n in names
                if n == "__pycache__"
                or n.endswith((".pyc", ".pyo"))
                or (n == "local" and directory.endswith("functions"))
            },
        )
        if variant == "stale-timestamp":
            compileall.compile_dir(task, quiet=1)
    _date_1980(task)
    return task


@dataclass(frozen=True)
class Lambda:
    """What every child gets besides its function asset: the interpreter, the layer and the runtime's SDK."""

    interpreter: str
    layer: Path  # the layer's python/ folder, where Lambda mounts it (opt/python)
    runtime: Path  # boto3/botocore and what only they need (var/runtime)
    description: dict[str, Any]

    def route_path(self, task: Path) -> list[str]:
        return [str(task), str(self.layer), str(self.runtime)]

    def floor_path(self, task: Path) -> list[str]:
        # A boto3-only function: its (unused) code asset and the runtime's SDK, no layer.
        return [str(task), str(self.runtime)]


def _host_layer() -> DependencyLayer:
    """infra/layer.py's build of the locked dependencies for this machine (cached under .build/layers).

    The deployed layer is aarch64; its compiled modules (pydantic-core, wrapt) cannot load on an
    x86_64 machine, so this is the same code path and the same locked versions for the host platform,
    precompiled (unchecked-hash, as if at /opt/python) just like the real one.
    """
    layer = build_dependency_layer(PYTHON_VERSION, target_platform=host_platform())
    if not layer.compiled:
        raise RuntimeError(f"no python{PYTHON_VERSION} here: the layer would carry no bytecode")
    return layer


def build_lambda(base: Path) -> Lambda:
    interpreter = interpreter_for(PYTHON_VERSION)
    if interpreter is None:
        raise RuntimeError(f"no python{PYTHON_VERSION} here (the Lambda runtime's): cannot run what ships")
    progress("cold start: our layer (host build of uv.lock, boto3 too) at opt/python, the runtime's boto3 after it")
    layer = _host_layer()
    mounted = base / "opt" / "python"
    shutil.copytree(layer.site, mounted)
    _date_1980(mounted)
    runtime = base / "var" / "runtime"
    sdk = install_runtime_sdk(runtime, PYTHON_VERSION)
    in_layer = installed_versions(mounted)
    locked = locked_versions()
    if {name: locked.get(name) for name in in_layer} != in_layer:
        raise RuntimeError(f"the layer at {layer.path} does not hold uv.lock's versions: {in_layer}")
    return Lambda(
        interpreter=interpreter,
        layer=mounted,
        runtime=runtime,
        description={
            "python": PYTHON_VERSION,
            "command": f"python{PYTHON_VERSION} {' '.join(CHILD_FLAGS)} -c ... (sys.path set by the child)",
            "sys_path_routes": ["var/task", "opt/python", "var/runtime", "(standard library)"],
            "sys_path_floor": ["var/task", "var/runtime", "(standard library)"],
            "layer": {
                "platform": host_platform(),
                "key": layer.key,
                "packages": len(in_layer),
                "versions": {k: in_layer[k] for k in ("aws-lambda-powertools", "pydantic", "aws-xray-sdk")},
            },
            "runtime_sdk": {
                "versions": {k: sdk[k] for k in ("boto3", "botocore")},
                "source": "uv.lock's versions, standing in for the runtime's (AWS does not publish it)",
            },
        },
    )


@dataclass
class Run:
    target: str
    variant: str
    round_no: int
    total: float
    startup: float
    imports: float
    handle: float
    # The child's own CPU time (CLOCK_PROCESS_CPUTIME_ID, ns resolution) up to its answer, start-up
    # included: what load from other processes stretches far less than the wall-clock total, and what
    # our code adds to its bound's. Split as the wall clock is: start-up, imports, first request.
    cpu: float = 0.0
    cpu_startup: float = 0.0
    # Of cpu_imports, what the libraries took where a child loads them first (a bound, a split route).
    cpu_libraries: float = 0.0
    cpu_imports: float = 0.0
    cpu_handle: float = 0.0
    # Of each CPU span above, what the cyclic collector took (gc.callbacks in the child).
    gc_libraries: float = 0.0
    gc_imports: float = 0.0
    gc_handle: float = 0.0

    def ours_cpu(self) -> float:
        """CPU after the libraries a split route or a route bound loads first: the imports left, the first request."""
        return self.cpu_imports - self.cpu_libraries + self.cpu_handle

    def ours_gc(self) -> float:
        """Of ours_cpu, the collector's."""
        return self.gc_imports - self.gc_libraries + self.gc_handle


def _child_env(port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "AWS_", "POWERTOOLS_"))}
    env.update(aws_env(port))
    env.update(FUNCTION_ENVIRONMENT)
    env["POWERTOOLS_LOG_LEVEL"] = "INFO"
    # What Lambda sets for every on-demand init (the SnapStart variant sets snap-start instead).
    env["AWS_LAMBDA_INITIALIZATION_TYPE"] = "on-demand"
    return env


def _traced_env(root: Path) -> dict[str, str]:
    """What Lambda sets for an actively traced invocation; segments go to a UDP port nobody reads."""
    return {
        "POWERTOOLS_TRACE_DISABLED": "false",
        "LAMBDA_TASK_ROOT": str(root),
        "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
        "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR",
    }


def _run_child(interpreter: str, code: str, cwd: Path, env: dict[str, str]) -> tuple[float, float, dict[str, Any]]:
    import time

    started = time.monotonic()
    proc = subprocess.Popen(
        [interpreter, *CHILD_FLAGS, "-c", code],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    result: dict[str, Any] | None = None
    for line in proc.stdout:
        if line.startswith("BENCH "):
            arrived = time.monotonic()
            result = json.loads(line[6:])
            break
    _, err = proc.communicate()
    if result is None:
        raise RuntimeError(f"cold-start child failed (exit {proc.returncode}): {err[-2000:]}")
    return started, arrived, result


class Setup:
    """The data every cold-start child needs, prepared in moto before the first child runs."""

    def __init__(self, runs: int, variants: int) -> None:
        from functions.data.tokens import set_rate_limit
        from functions.domain import tokens as token_rules

        # A credit per request slot for each interview made below to be deleted, started and finished,
        # one for the create route's own debit, and 100 for the rest (the seeded and single interviews).
        self.owner = world.account(credits=runs * variants * 4 + 100)
        for i in range(30):  # more than one page: the list answers with a signed nextCursor
            world.create_interview(self.owner, f"Seeded interview {i}")
        self.ready_id = world.ready_interview(self.owner)
        self.pending_id = world.create_interview(self.owner, "Interview to rename")
        self.delete_targets = [
            world.create_interview(self.owner, "Interview to delete") for _ in range(runs * variants)
        ]
        self.webhook_id = world.webhook(self.owner)
        self.event_id = world.recorded_event(self.owner)
        self.token_hash = token_rules.fingerprint(self.owner.token)
        # Each route's bound records the route's calls (its authentication among them) and replays them:
        # three uses of the owner's token per route and round, more than the default budget a minute.
        set_rate_limit(self.owner.token_id, 1_000_000)
        # The bounds' authentication call counts uses on a token of its own, not on the routes' owner's.
        self.bound_token_hash = token_rules.fingerprint(world.account(credits=0).token)
        # Candidates and jobs: one of each to read and change, and one per delete.
        self.job_id = world.job(self.owner)
        self.candidate_id = world.candidate(self.owner, [self.job_id])
        self.spare_jobs = [world.job(self.owner) for _ in range(runs * variants)]
        self.spare_candidates = [world.candidate(self.owner, []) for _ in range(runs * variants)]
        # The room: a joined interview per start and per finish (each started or finished once), one to
        # join and one IN_PROGRESS for recording URLs.
        self.join_target = world.room(self.owner)
        self.recording_target = world.room(self.owner)
        from functions.domain import interviews

        interviews.start(self.recording_target[0])
        self.start_targets = [world.room(self.owner) for _ in range(runs * variants)]
        self.finish_targets = [world.room(self.owner) for _ in range(runs * variants)]
        for room_id, _, _ in self.finish_targets:
            interviews.start(room_id)

    def event(self, target: str) -> dict[str, Any]:
        if target == FLOOR or target.startswith((BOUND_PREFIX, ROUTE_BOUND_PREFIX)):
            return REQUESTS["get_interview"](self)  # the floor and the bounds ignore it
        return REQUESTS[target.removeprefix(ROUTE_SPLIT_PREFIX)](self)

    def auth_call(self) -> dict[str, Any]:
        """The UpdateItem that authenticates a request (functions/data/tokens.py's `use`), on the bounds' token."""
        import time

        from functions.data.settings import settings
        from functions.data.tokens import _slot_update

        window = int(time.time() // 60)
        names, update = _slot_update(window % 60)
        return {
            "TableName": settings().tokens_table,
            "Key": {"tokenHash": {"S": self.bound_token_hash}},
            "UpdateExpression": update,
            "ConditionExpression": "attribute_exists(tokenHash) AND attribute_not_exists(revokedAt) "
            "AND (attribute_not_exists(rlWindow) OR rlWindow <= :w)",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": {":zero": {"N": "0"}, ":one": {"N": "1"}, ":w": {"N": str(window)}},
            "ReturnValues": "ALL_OLD",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }


def _second_webhook_event(owner: Account) -> dict[str, Any]:
    world.webhook(owner)
    return world.event("create_webhook", owner, body={"url": world.webhook_url()})


# One realistic request per route, on the data Setup prepared; tests/unit/test_bench_routes.py
# checks that every route of the route table has one.
REQUESTS: dict[str, Callable[[Setup], dict[str, Any]]] = {
    "create_interview": lambda s: world.event("create_interview", s.owner, body=world.create_body(s.owner)),
    "list_interviews": lambda s: world.event("list_interviews", s.owner, query="limit=20"),
    "get_interview": lambda s: world.event("get_interview", s.owner, object_id=s.ready_id),
    "update_interview": lambda s: world.event(
        "update_interview", s.owner, object_id=s.pending_id, body={"title": f"Renamed {random.randrange(10**6)}"}
    ),
    "delete_interview": lambda s: world.event("delete_interview", s.owner, object_id=s.delete_targets.pop()),
    "list_plans": lambda s: world.event("list_plans", s.owner),
    "get_balance": lambda s: world.event("get_balance", s.owner),
    "list_ledger": lambda s: world.event("list_ledger", s.owner, query="limit=20"),
    # A fresh account per create and per delete: a user holds at most 10 webhooks. The account has one
    # webhook already, so the create is the counted path (calls.TARGETS: its counter exists); an owner's
    # very first registration also counts the endpoints it holds and creates the counter.
    "create_webhook": lambda s: _second_webhook_event(world.account(credits=0)),
    "list_webhooks": lambda s: world.event("list_webhooks", s.owner),
    "get_webhook": lambda s: world.event("get_webhook", s.owner, object_id=s.webhook_id),
    "delete_webhook": lambda s: world.fresh_webhook_event("delete_webhook"),
    "ping_webhook": lambda s: world.event("ping_webhook", s.owner, object_id=s.webhook_id),
    # A fresh webhook per rotation (a second one within the 24 h grace of the first is a 409), on a
    # fresh account (a user holds at most 10 webhooks).
    "rotate_webhook_secret": lambda s: world.fresh_webhook_event("rotate_webhook_secret"),
    "list_webhook_deliveries": lambda s: world.event("list_webhook_deliveries", s.owner, object_id=s.webhook_id),
    "list_events": lambda s: world.event("list_events", s.owner, query="limit=20"),
    "get_event": lambda s: world.event("get_event", s.owner, object_id=s.event_id),
    "resend_event": lambda s: world.event("resend_event", s.owner, object_id=s.event_id),
    "create_candidate": lambda s: world.event("create_candidate", s.owner, body={"name": "Ada Lovelace"}),
    "list_candidates": lambda s: world.event("list_candidates", s.owner, query="limit=20"),
    "get_candidate": lambda s: world.event("get_candidate", s.owner, object_id=s.candidate_id),
    "update_candidate": lambda s: world.event(
        "update_candidate", s.owner, object_id=s.candidate_id, body={"name": f"Ada {random.randrange(10**6)}"}
    ),
    "delete_candidate": lambda s: world.event("delete_candidate", s.owner, object_id=s.spare_candidates.pop()),
    "create_job": lambda s: world.event("create_job", s.owner, body={"title": "Backend engineer"}),
    "list_jobs": lambda s: world.event("list_jobs", s.owner, query="limit=20"),
    "get_job": lambda s: world.event("get_job", s.owner, object_id=s.job_id),
    "update_job": lambda s: world.event(
        "update_job", s.owner, object_id=s.job_id, body={"title": f"Engineer {random.randrange(10**6)}"}
    ),
    "delete_job": lambda s: world.event("delete_job", s.owner, object_id=s.spare_jobs.pop()),
    "join_room": lambda s: world.event(
        "join_room", s.owner, object_id=s.join_target[0], body={"pin": s.join_target[1]}
    ),
    "start_room": lambda s: _room_event("start_room", s, s.start_targets.pop()),
    "upload_recording": lambda s: world.event(
        "upload_recording",
        s.owner,
        object_id=s.recording_target[0],
        body={"contentType": "video/webm", "size": 48_213_377},
        token=s.recording_target[2],
    ),
    "finish_room": lambda s: _room_event("finish_room", s, s.finish_targets.pop()),
}


def _room_event(name: str, setup: Setup, room: tuple[str, str, str]) -> dict[str, Any]:
    room_id, _, token = room
    return world.event(name, setup.owner, object_id=room_id, token=token)


def measure(port: int, runs: int, variant_runs: int, routes: tuple[str, ...] = ROUTE_NAMES) -> dict[str, Any]:
    """Interleaved rounds: every (variant, target) pair runs once per round, in shuffled order.

    `routes`: every route of the route table by default; fewer for a quick look at some of them.
    """
    from functions.data.settings import settings

    progress(f"cold start: preparing data ({runs} runs shipped, {variant_runs} runs per other .pyc variant)")
    # One more request per route and round than the variants' (the bound's), and one per route for the
    # modules it loads.
    setup = Setup(runs + 1, len(VARIANTS) + 2)
    env = _child_env(port)
    samples: dict[tuple[str, str], list[Run]] = defaultdict(list)
    checks: dict[str, Any] = {}
    bound_checks: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="quollo-bench-") as tmp:
        base = Path(tmp)
        lam = build_lambda(base)
        roots = {variant: build_variant(base, variant) for variant in VARIANTS}
        rounds = max(runs, variant_runs)
        bounds = {BOUND_PREFIX + bound.name: bound for bound in BOUNDS}
        per_route = {ROUTE_BOUND_PREFIX + name: bound for name, bound in route_bounds(routes).items()}
        modules = _route_modules(lam, roots[SHIPPED], env, setup, base / "modules", routes)
        recorded: dict[str, list[str]] = {}
        after_writes: dict[str, list[dict[str, Any]]] = {}
        for round_no in range(rounds):
            # Each route beside its bound and its split run (in any order), so that all run under the same
            # load: what another process does to the machine between them is what the paired difference keeps out.
            units: list[list[tuple[str, str]]] = []
            if round_no < runs:
                units += [[(SHIPPED, FLOOR)], *([(SHIPPED, target)] for target in bounds)]
                prefixes = ("", ROUTE_BOUND_PREFIX, ROUTE_SPLIT_PREFIX)
                units += [random.sample([(SHIPPED, prefix + name) for prefix in prefixes], 3) for name in routes]
            if round_no < variant_runs:
                units += [[(v, t)] for v in VARIANTS if v != SHIPPED for t in (FLOOR, *routes)]
            random.shuffle(units)
            jobs = [job for unit in units for job in unit]
            for variant, target in jobs:
                child_env = dict(env)
                child_env["BENCH_EVENT"] = json.dumps(setup.event(target))
                if variant == TRACED:
                    child_env.update(_traced_env(roots[variant]))
                if variant == SNAPSTART and target != FLOOR:
                    child_env["AWS_LAMBDA_INITIALIZATION_TYPE"] = "snap-start"
                if target == FLOOR or target in bounds:
                    child_env.update({"BENCH_TABLE": settings().tokens_table, "BENCH_KEY": setup.token_hash})
                if target == FLOOR:
                    child_env["BENCH_SYS_PATH"] = json.dumps(lam.floor_path(roots[variant]))
                    code = _FLOOR_CHILD
                elif target in per_route:
                    route = per_route[target]
                    # The route's request on data of its own (a fresh target where the route uses one up),
                    # its calls recorded just now, so that the replay finds the data the route found.
                    calls = record_calls(route.route, setup.event(route.route))
                    # Calls after a held write: recorded once per route, on a target of their own.
                    if route.route not in after_writes:
                        event_for = partial(setup.event, route.route)
                        after_writes[route.route] = calls_after_held_write(route.route, calls, event_for)
                    calls = calls + after_writes[route.route]
                    recorded.setdefault(route.route, [f"{c['service']}:{c['operation']}" for c in calls])
                    child_env["BENCH_SYS_PATH"] = json.dumps(lam.route_path(roots[variant]))
                    child_env["BENCH_MODULES_FILE"] = str(modules[route.route])
                    child_env["BENCH_VALIDATES"] = "1" if route.validates else "0"
                    child_env["BENCH_CALLS"] = json.dumps(calls)
                    code = ROUTE_BOUND_CHILD
                elif target in bounds:
                    # The routes' sys.path and environment: the layer's libraries, none of our code.
                    child_env["BENCH_SYS_PATH"] = json.dumps(lam.route_path(roots[variant]))
                    if bounds[target].auth_call:
                        child_env["BENCH_UPDATE"] = json.dumps(setup.auth_call())
                    code = bound_child(bounds[target])
                elif target.startswith(ROUTE_SPLIT_PREFIX):
                    name = target.removeprefix(ROUTE_SPLIT_PREFIX)
                    child_env["BENCH_MODULE"] = f"functions.entries.{name}"
                    child_env["BENCH_SYS_PATH"] = json.dumps(lam.route_path(roots[variant]))
                    child_env["BENCH_MODULES_FILE"] = str(modules[name])
                    code = ROUTE_SPLIT_CHILD
                else:
                    child_env["BENCH_MODULE"] = f"functions.entries.{target}"
                    child_env["BENCH_SYS_PATH"] = json.dumps(lam.route_path(roots[variant]))
                    code = _ROUTE_CHILD
                # cwd is not on sys.path under -I; the task root as cwd is what Lambda does.
                try:
                    started, arrived, result = _run_child(lam.interpreter, code, roots[variant], child_env)
                except RuntimeError as exc:
                    raise RuntimeError(f"{target} ({variant}): {exc}") from exc
                if not 200 <= result["status"] < 300:
                    raise RuntimeError(f"{target} ({variant}) answered {result['status']}, not a success")
                _check_provenance(result, variant, target, roots[variant], lam)
                if target in bounds or target in per_route:
                    bound_checks.setdefault(
                        target.removeprefix(BOUND_PREFIX),
                        {
                            "modules_loaded": result["modules"],
                            "pydantic_loaded": result["origins"]["pydantic"] is not None,
                        },
                    )
                elif target != FLOOR and not target.startswith(ROUTE_SPLIT_PREFIX):
                    checks.setdefault(variant, {}).setdefault(
                        target,
                        {
                            "xray_sdk_imported": result["xray"],
                            "modules_loaded": result["modules"],
                            "pydantic_loaded": result["origins"]["pydantic"] is not None,
                        },
                    )
                samples[(variant, target)].append(
                    Run(
                        target,
                        variant,
                        round_no,
                        total=arrived - started,
                        startup=result["t0"] - started,
                        imports=result["t1"] - result["t0"],
                        handle=result["t2"] - result["t1"],
                        cpu=result["cpu_ns"][2] / 1e9,
                        cpu_startup=result["cpu_ns"][0] / 1e9,
                        cpu_libraries=(
                            (result["cpu_libraries_ns"] - result["cpu_ns"][0]) / 1e9
                            if result["cpu_libraries_ns"] is not None
                            else 0.0
                        ),
                        cpu_imports=(result["cpu_ns"][1] - result["cpu_ns"][0]) / 1e9,
                        cpu_handle=(result["cpu_ns"][2] - result["cpu_ns"][1]) / 1e9,
                        gc_libraries=(result["gc_libraries_ns"] or 0) / 1e9,
                        gc_imports=result["gc_ns"][1] / 1e9,
                        gc_handle=(result["gc_ns"][2] - result["gc_ns"][1]) / 1e9,
                    )
                )
            progress(f"cold start: round {round_no + 1}/{rounds} done ({len(jobs)} interpreters)")
        importtime = import_breakdown(lam, roots[SHIPPED], env, routes=routes)
        secrets = secrets_client_cost(lam, roots[SHIPPED])
    summary = _summarise(samples, checks, importtime)
    summary["bounds"] = summarise_bounds(samples, bound_checks)
    summary["route_bounds"] = summarise_route_bounds(samples, bound_checks, per_route, recorded)
    summary["secrets_client_creation"] = secrets
    summary["lambda_layout"] = lam.description
    return summary


def _route_modules(
    lam: Lambda, task: Path, env: dict[str, str], setup: Setup, out: Path, routes: tuple[str, ...] = ROUTE_NAMES
) -> dict[str, Path]:
    """Each route's library modules, in load order: one untimed run of the route child per route."""
    progress("cold start: the library modules each route loads (one untimed run per route)")
    out.mkdir()
    found: dict[str, Path] = {}
    for name in routes:
        child_env = dict(env)
        child_env["BENCH_EVENT"] = json.dumps(setup.event(name))
        child_env["BENCH_MODULE"] = f"functions.entries.{name}"
        child_env["BENCH_SYS_PATH"] = json.dumps(lam.route_path(task))
        child_env["BENCH_MODULES_OUT"] = str(out / f"{name}.json")
        _, _, result = _run_child(lam.interpreter, _ROUTE_CHILD, task, child_env)
        if not 200 <= result["status"] < 300:
            raise RuntimeError(f"{name} answered {result['status']}, not a success")
        found[name] = out / f"{name}.json"
    return found


def summarise_route_bounds(
    samples: dict[tuple[str, str], list[Run]],
    checks: dict[str, dict[str, Any]],
    bounds: dict[str, RouteBound],
    recorded: dict[str, list[str]],
) -> dict[str, Any]:
    """Per route: its bound's ratio, its own, and our own cost (the route's ratio minus its bound's).

    The spread of our own cost is taken within each round (route minus bound, both under the same
    load, over the floor's median): lowest, quartiles, highest.
    """
    floor = median([r.total for r in samples[(SHIPPED, FLOOR)]])
    rows: dict[str, Any] = {}
    for target, bound in bounds.items():
        route_runs = samples[(SHIPPED, bound.route)]
        bound_runs = samples[(SHIPPED, target)]
        by_round = {r.round_no: r.total for r in bound_runs}
        own = [(r.total - by_round[r.round_no]) / floor for r in route_runs if r.round_no in by_round]
        bound_by_round = {r.round_no: r for r in bound_runs}
        pairs = [(r, bound_by_round[r.round_no]) for r in route_runs if r.round_no in bound_by_round]
        own_cpu = [(r.cpu - b.cpu) / floor for r, b in pairs]
        split_runs = {r.round_no: r for r in samples.get((SHIPPED, ROUTE_SPLIT_PREFIX + bound.route), [])}
        splits = [(split_runs[b.round_no], b) for b in bound_runs if b.round_no in split_runs]
        route_ratio = median([r.total for r in route_runs]) / floor
        bound_ratio = median([r.total for r in bound_runs]) / floor
        rows[bound.route] = {
            "validates": bound.validates,
            "calls": recorded.get(bound.route, []),
            "runs": len(own),
            "bound_ratio": round(bound_ratio, 3),
            "bound_ratio_min": round(min(r.total for r in bound_runs) / floor, 3),
            "bound_ratio_max": round(max(r.total for r in bound_runs) / floor, 3),
            "bound_import_ms": ms(median([r.imports for r in bound_runs])),
            "bound_first_request_ms": ms(median([r.handle for r in bound_runs])),
            "route_ratio": round(route_ratio, 3),
            "own_ratio": round(route_ratio - bound_ratio, 3),
            "own_ms": ms((route_ratio - bound_ratio) * floor),
            # Within each round: min, p25, median, p75, max.
            "own_paired": spread(own),
            "bound_modules_loaded": checks.get(target, {}).get("modules_loaded"),
            # The same difference in the children's CPU time (the AWS calls' server time is in neither),
            # over the floor's median wall-clock total: min, p25, median, p75, max.
            "route_cpu_ms": ms(median([r.cpu for r in route_runs])),
            "bound_cpu_ms": ms(median([r.cpu for r in bound_runs])),
            "own_cpu_paired": spread(own_cpu),
            # The same in ms, and by phase (medians within a round): the interpreter's start-up (the same
            # in both: its difference is the noise), the imports, the first request.
            "own_cpu_ms_paired": spread([(r.cpu - b.cpu) * 1000 for r, b in pairs], 2),
            # Load only ever adds CPU time (a shared cache, a busy sibling core): the least of each is the
            # estimate least touched by it.
            "own_cpu_ms_of_minima": ms(min(r.cpu for r in route_runs) - min(b.cpu for b in bound_runs)),
            "own_cpu_phases_ms": {
                "startup": ms(median([r.cpu_startup - b.cpu_startup for r, b in pairs])),
                "imports": ms(median([r.cpu_imports - b.cpu_imports for r, b in pairs])),
                "first_request": ms(median([r.cpu_handle - b.cpu_handle for r, b in pairs])),
            },
        }
        if splits:
            rows[bound.route] |= _split_figures(splits, floor)
    return {
        "variant": SHIPPED,
        "target_own_ratio": 0.1,
        "description": (
            "per route, a child that imports the library modules the route loads (the layer's and the SDK's, in"
            " the route's order; nothing of ours), constructs Logger, Metrics and the resolver (validating where the"
            " route validates), then makes the route's own AWS calls (recorded from the route's request on its own"
            " data just before, the authentication among them), one boto3 client per service as the floor creates"
            " its one; interleaved in the shipped rounds"
        ),
        "floor_ms": ms(floor),
        "floor_cpu_ms": ms(median([r.cpu for r in samples[(SHIPPED, FLOOR)]])),
        "cpu_clock": "time.process_time_ns() in the child (CLOCK_PROCESS_CPUTIME_ID), at its answer",
        "routes": rows,
    }


def _split_figures(splits: list[tuple[Run, Run]], floor: float) -> dict[str, Any]:
    """Our own CPU time from the split runs: (our imports, our first request) against (the bound's construction,
    its calls), each pair taken within a round; and the libraries' span in both, which should match."""
    imports = [(s.cpu_imports - s.cpu_libraries) - (b.cpu_imports - b.cpu_libraries) for s, b in splits]
    request = [s.cpu_handle - b.cpu_handle for s, b in splits]
    own = [s.ours_cpu() - b.ours_cpu() for s, b in splits]
    # The same with the collector's time left out of both spans: our code's work alone, whatever either
    # child's collections cost (the route runs none in a Lambda init; the bound runs Python's default).
    without_gc = [mine - (s.ours_gc() - b.ours_gc()) for mine, (s, b) in zip(own, splits, strict=True)]
    return {
        "split_runs": len(splits),
        # min, p25, median, p75, max: in ms, and over the floor's median wall-clock total.
        "own_cpu_split_ms": spread([value * 1000 for value in own], 2),
        "own_cpu_split_ratio": spread([value / floor for value in own]),
        "own_cpu_split_phases_ms": {
            "imports": spread([value * 1000 for value in imports], 2),
            "first_request": spread([value * 1000 for value in request], 2),
        },
        "own_cpu_split_without_gc_ms": spread([value * 1000 for value in without_gc], 2),
        "own_cpu_split_without_gc_ratio": spread([value / floor for value in without_gc]),
        # The collector's CPU in those spans (min, p25, median, p75, max), ms: the route's, the bound's.
        "gc_cpu_ms": {
            "route": spread([s.ours_gc() * 1000 for s, _ in splits], 2),
            "bound": spread([b.ours_gc() * 1000 for _, b in splits], 2),
        },
        # The same library modules in the same order in both: their difference is this measurement's noise.
        "libraries_cpu_difference_ms": spread([(s.cpu_libraries - b.cpu_libraries) * 1000 for s, b in splits], 2),
        "startup_cpu_difference_ms": spread([(s.cpu_startup - b.cpu_startup) * 1000 for s, b in splits], 2),
    }


def _check_provenance(result: dict[str, Any], variant: str, target: str, task: Path, lam: Lambda) -> None:
    """The child ran what ships: our code from the asset, the libraries and boto3 from the layer.

    The floor, a boto3-only function with no layer, imports the runtime's boto3.

    A library bound loads nothing of ours, and whichever of the layer's libraries it loaded came from the layer.
    """
    if result["foreign"]:
        raise RuntimeError(f"{target} ({variant}) loaded modules from outside its sys.path: {result['foreign'][:5]}")
    origins = result["origins"]
    libraries = {"pydantic": lam.layer, "aws_lambda_powertools": lam.layer}
    if target == FLOOR:
        expected: dict[str, Path] = {"boto3": lam.runtime}
    elif target.startswith((BOUND_PREFIX, ROUTE_BOUND_PREFIX)):
        if origins["functions"] is not None:
            raise RuntimeError(f"{target} ({variant}) imported our code: {origins['functions']}")
        expected = {"boto3": lam.layer} | {k: v for k, v in libraries.items() if origins[k] is not None}
    else:
        # pydantic only where the route loads it (a route without a body loads none: decisions 18).
        expected = {"functions": task, "boto3": lam.layer} | {
            k: v for k, v in libraries.items() if k != "pydantic" or origins[k] is not None
        }
    for name, folder in expected.items():
        if not str(origins[name]).startswith(f"{folder}/"):
            raise RuntimeError(f"{target} ({variant}) imported {name} from {origins[name]}, not {folder}")


def _summarise(
    samples: dict[tuple[str, str], list[Run]], checks: dict[str, Any], importtime: dict[str, Any]
) -> dict[str, Any]:
    out: dict[str, Any] = {"variants": {}, "target_ratio": 1.5, "checks": checks, "import_breakdown": importtime}
    for variant, description in VARIANTS.items():
        floor_runs = samples.get((variant, FLOOR))
        if not floor_runs:  # not run (--variant-runs 0)
            continue
        floor = median([r.total for r in floor_runs])
        rows: dict[str, Any] = {}
        for target in (FLOOR, *ROUTE_NAMES):
            if (variant, target) not in samples:  # a route left out (--routes)
                continue
            runs = samples[(variant, target)]
            total = median([r.total for r in runs])
            rows[target] = {
                "runs": len(runs),
                "median_ms": ms(total),
                "ratio_to_floor": round(total / floor, 3),
                "startup_ms": ms(median([r.startup for r in runs])),
                "import_ms": ms(median([r.imports for r in runs])),
                "first_request_ms": ms(median([r.handle for r in runs])),
                "min_ms": ms(min(r.total for r in runs)),
                "max_ms": ms(max(r.total for r in runs)),
                # The spread of the ratio: each run's total over the floor's median.
                "ratio_min": round(min(r.total for r in runs) / floor, 3),
                "ratio_max": round(max(r.total for r in runs) / floor, 3),
            }
        out["variants"][variant] = {"description": description, "floor_ms": ms(floor), "routes": rows}
    return out


def summarise_bounds(
    samples: dict[tuple[str, str], list[Run]], checks: dict[str, dict[str, Any]], bounds: tuple[Bound, ...] = BOUNDS
) -> dict[str, Any]:
    """The library bounds against the shipped floor of the same rounds, and what each stack adds to the one before.

    A step is the difference of the two medians, in ms and in tenths of the floor (0.1 of the ratio);
    the paired figures are the same difference taken within each round (both children ran under the
    same load), whose quartiles say whether the step stands out of the noise.
    """
    floor = median([r.total for r in samples[(SHIPPED, FLOOR)]])
    stacks: dict[str, Any] = {}
    previous = samples[(SHIPPED, FLOOR)]
    for bound in bounds:
        runs = samples[(SHIPPED, BOUND_PREFIX + bound.name)]
        total = median([r.total for r in runs])
        before = {r.round_no: r.total for r in previous}
        paired = [(r.total - before[r.round_no]) / floor * 10 for r in runs if r.round_no in before]
        stacks[bound.name] = {
            "adds": bound.adds,
            "auth_call": bound.auth_call,
            "runs": len(runs),
            "median_ms": ms(total),
            "ratio_to_floor": round(total / floor, 3),
            "ratio_min": round(min(r.total for r in runs) / floor, 3),
            "ratio_max": round(max(r.total for r in runs) / floor, 3),
            "startup_ms": ms(median([r.startup for r in runs])),
            "import_ms": ms(median([r.imports for r in runs])),
            "first_request_ms": ms(median([r.handle for r in runs])),
            "min_ms": ms(min(r.total for r in runs)),
            "max_ms": ms(max(r.total for r in runs)),
            "modules_loaded": checks.get(bound.name, {}).get("modules_loaded"),
            "pydantic_loaded": checks.get(bound.name, {}).get("pydantic_loaded"),
            "step_ms": ms(total - median([r.total for r in previous])),
            "step_tenths": round((total - median([r.total for r in previous])) / floor * 10, 2),
            "step_paired_tenths_p25_median_p75": [
                round(percentile(paired, 25), 2),
                round(median(paired), 2),
                round(percentile(paired, 75), 2),
            ],
        }
        previous = runs
    return {
        "variant": SHIPPED,
        "description": (
            "reference children that do exactly what the floor does (import boto3, create a DynamoDB client, one"
            " GetItem on the same table and key) after importing a library stack and nothing of ours, with the"
            " routes' sys.path and environment, interleaved in the shipped rounds; each stack a superset of the"
            " one before"
        ),
        "floor_ms": ms(floor),
        "stacks": stacks,
    }


_LINE = re.compile(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)")
# Named costs: module -> label (cumulative time of the first import of that module).
_NAMED = {
    "boto3": "boto3",
    "botocore.session": "botocore.session",
    "pydantic": "pydantic",
    "pydantic.main": "pydantic.main (BaseModel)",
    "aws_lambda_powertools.event_handler": "Powertools event handler",
    "aws_lambda_powertools.event_handler.openapi.models": "Powertools OpenAPI models (pydantic)",
    "aws_lambda_powertools.logging": "Powertools Logger",
    "aws_lambda_powertools.metrics": "Powertools Metrics",
    "aws_lambda_powertools.tracing": "Powertools Tracer",
    "aws_xray_sdk": "X-Ray SDK",
    "functions.models.api": "functions.models.api (our pydantic models)",
}


def _parse_importtime(stderr: str) -> tuple[dict[str, float], dict[str, float], float]:
    by_package: dict[str, float] = defaultdict(float)
    named: dict[str, float] = {}
    total = 0.0
    for line in stderr.splitlines():
        found = _LINE.match(line)
        if not found:
            continue
        self_us, cumulative_us, indent, module = int(found[1]), int(found[2]), found[3], found[4]
        by_package[module.split(".")[0]] += self_us / 1000
        if module in _NAMED and module not in named:
            named[module] = cumulative_us / 1000
        if len(indent) <= 1:
            total += cumulative_us / 1000
    return dict(by_package), named, total


def import_breakdown(
    lam: Lambda, task: Path, env: dict[str, str], repeats: int = 3, routes: tuple[str, ...] = ROUTE_NAMES
) -> dict[str, Any]:
    """`python -X importtime` of each handler module (median of `repeats`), aggregated by package.

    Same interpreter flags and sys.path as the timed children, so the packages are the layer's and
    the runtime SDK's.
    """
    progress("cold start: import-time breakdown (-X importtime)")
    result: dict[str, Any] = {}
    for target in routes:
        packages: dict[str, list[float]] = defaultdict(list)
        named: dict[str, list[float]] = defaultdict(list)
        totals: list[float] = []
        for _ in range(repeats):
            code = f"import sys; sys.path[:0] = {lam.route_path(task)!r}; import functions.entries.{target}"
            done = subprocess.run(
                [lam.interpreter, *CHILD_FLAGS, "-X", "importtime", "-c", code],
                cwd=task,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            by_package, by_name, total = _parse_importtime(done.stderr)
            for name, value in by_package.items():
                packages[name].append(value)
            for name, value in by_name.items():
                named[name].append(value)
            totals.append(total)
        top = sorted(((median(v), k) for k, v in packages.items()), reverse=True)[:10]
        result[target] = {
            "total_import_ms": round(median(totals), 1),
            "self_ms_by_package": {k: round(v, 1) for v, k in top},
            "cumulative_ms_of": {_NAMED[k]: round(median(v), 1) for k, v in named.items()},
        }
    return result


_SECRETS_CLIENT_CHILD = """
import json, os, sys, time
sys.path[:0] = json.loads(os.environ["BENCH_SYS_PATH"])
import boto3
boto3.client("dynamodb")
began = time.perf_counter()
if sys.argv[1] == "own-session":
    boto3.session.Session().client("secretsmanager")  # what Powertools' parameters utility does by default
else:
    boto3.client("secretsmanager")  # the default session, whose loader already read the shared data
print((time.perf_counter() - began) * 1000)
"""


def secrets_client_cost(lam: Lambda, task: Path, runs: int = 7) -> dict[str, float]:
    """Proposal check: the cursor-secret client built on its own boto3 Session vs on the default one."""
    progress("cold start: secrets client on its own Session vs the default Session")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    env["BENCH_SYS_PATH"] = json.dumps(lam.route_path(task))
    samples: dict[str, list[float]] = {"own-session": [], "default-session": []}
    for _ in range(runs):
        for mode, values in samples.items():
            done = subprocess.run(
                [lam.interpreter, *CHILD_FLAGS, "-c", _SECRETS_CLIENT_CHILD, mode],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            values.append(float(done.stdout.strip()))
    return {f"{mode}_ms": round(median(values), 1) for mode, values in samples.items()}
