"""The dependency layer is uv.lock's versions, the synth is reproducible, and a function runs from its assets.

"What is tested is what is deployed": the layer in the template holds exactly the locked
Powertools/pydantic/boto3 closure (the SDK too: the functions import it from the layer, not the
runtime's), two synths of one commit give the same asset hashes, the layer is the same whichever
interpreter built it, and the synthesized function asset answers a real API Gateway event when laid
out the way Lambda lays it out.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from functions.local.gateway import build_event
from functions.routes import ROUTES, Route
from functions.workers import PROCESSORS, WORKERS
from infra.app import build_app
from infra.constructs.route_functions import RouteFunctions
from infra.layer import (
    LAMBDA_PLATFORM,
    RUNTIME_PROVIDED,
    build_dependency_layer,
    host_platform,
    installed_versions,
    locked_requirements,
    locked_versions,
    pinned_versions,
)
from infra.packaging import interpreter_for
from infra.stack import QuolloStacks
from testkit.accounts import create_body
from testkit.lambda_runtime import install_runtime_sdk
from testkit.synth import Synth, cdk_json_context

pytestmark = pytest.mark.infra

PYTHON = RouteFunctions.PYTHON_VERSION


def layer_asset(synth: Synth) -> Path:
    """The synthesized layer directory (what CDK zips and uploads), found from the template."""
    [layer] = synth.api.resources("AWS::Lambda::LayerVersion").values()
    return synth.outdir / f"asset.{layer['Properties']['Content']['S3Key'].removesuffix('.zip')}"


def function_asset(synth: Synth, route: Route) -> tuple[Path, dict[str, Any]]:
    for function in synth.api.resources("AWS::Lambda::Function").values():
        props = function["Properties"]
        if props.get("Handler") == route.handler:
            return synth.outdir / f"asset.{props['Code']['S3Key'].removesuffix('.zip')}", props
    raise AssertionError(f"no function for {route.handler}")


def test_layer_holds_exactly_the_locked_versions_the_sdk_included(dev: Synth) -> None:
    site = layer_asset(dev) / "python"
    installed = installed_versions(site)
    locked = locked_versions()
    assert installed, f"no *.dist-info in {site}"
    assert {name: locked[name] for name in installed} == installed
    # The whole runtime closure of pyproject's dependencies is there: Powertools with the tracer
    # extra (aws-xray-sdk, wrapt) and pydantic with its compiled core.
    assert {"aws-lambda-powertools", "aws-xray-sdk", "wrapt", "pydantic", "pydantic-core"} <= installed.keys()
    # The SDK every test runs, not the runtime's: the layer comes first on Lambda's sys.path.
    assert {"boto3", "botocore", "s3transfer", "urllib3"} <= installed.keys()
    assert (site / "boto3" / "__init__.py").exists() and (site / "botocore" / "data").is_dir()
    # Built for Lambda (arm64), not for this machine.
    native = sorted(p.name for p in site.rglob("*.so"))
    assert native and all("aarch64" in name for name in native), native


def test_layer_is_precompiled_as_if_at_opt_python(dev: Synth) -> None:
    site = layer_asset(dev) / "python"
    if interpreter_for(PYTHON) is None:
        pytest.skip(f"no python{PYTHON} here: the layer ships .py only")
    pyc = site / "pydantic" / "__pycache__" / f"main.cpython-{PYTHON.replace('.', '')}.pyc"
    data = pyc.read_bytes()
    assert int.from_bytes(data[4:8], "little") == 0b01  # unchecked-hash (PEP 552)
    assert b"/opt/python/pydantic/main.py" in data
    assert str(site).encode() not in data


def test_template_has_our_layer_and_no_public_layer_account(synth: Synth) -> None:
    # One in each stack with functions, from one asset (test_infra_functions.py).
    assert (
        len(synth.api.resources("AWS::Lambda::LayerVersion"))
        == len(synth.webhooks.resources("AWS::Lambda::LayerVersion"))
        == 1
    )
    for template in synth.templates:
        assert "017000801446" not in json.dumps(template.json)
    assert "powertools_layer_version" not in cdk_json_context()


def test_layer_cache_is_keyed_and_reused(tmp_path: Path) -> None:
    first = build_dependency_layer(PYTHON, cache=tmp_path)
    again = build_dependency_layer(PYTHON, cache=tmp_path)
    assert first.built and not again.built and first.path == again.path
    assert first.path.name == f"{LAMBDA_PLATFORM}-{first.key}"
    # Another platform is another key, from the same locked requirements.
    other = build_dependency_layer(PYTHON, cache=tmp_path, target_platform=host_platform())
    assert other.key != first.key and other.requirements == first.requirements
    assert installed_versions(other.site) == installed_versions(first.site)


def test_exported_requirements_hold_the_locked_sdk_unless_pruned() -> None:
    shipped, pruned = locked_requirements(), locked_requirements(prune=RUNTIME_PROVIDED)
    locked = locked_versions()
    assert {name: pinned_versions(shipped)[name] for name in RUNTIME_PROVIDED} == {
        name: locked[name] for name in RUNTIME_PROVIDED
    }
    assert not pinned_versions(pruned).keys() & set(RUNTIME_PROVIDED)  # the bench's "runtime SDK" layout
    assert "--hash=sha256:" in shipped


def _tree(root: Path) -> dict[str, str]:
    """Relative path -> SHA-256 of every file: what CDK's asset hash covers (not mtimes)."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_the_layer_is_the_same_whichever_interpreter_path_built_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """uv writes the interpreter it runs with into console scripts; their RECORD rows kept its path's trace."""
    elsewhere = tmp_path / "another checkout" / ".venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(elsewhere)], check=True)
    trees = []
    for name, python in (("here", Path(sys.executable)), ("elsewhere", elsewhere / "bin" / "python")):
        monkeypatch.setenv("UV_PYTHON", str(python))
        layer = build_dependency_layer(PYTHON, cache=tmp_path / name)
        assert layer.built
        trees.append(_tree(layer.path))
        leaked = [p for p in layer.path.rglob("*") if p.is_file() and str(python).encode() in p.read_bytes()]
        assert not leaked, f"files holding the building interpreter's path {python}: {leaked}"
    assert trees[0] == trees[1]


def _asset_hashes(template: dict[str, Any]) -> dict[str, str]:
    hashes: dict[str, str] = {}
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        for key in ("Code", "Content"):
            if isinstance(props.get(key), dict) and "S3Key" in props[key]:
                hashes[logical_id] = props[key]["S3Key"]
    return hashes


def _merged(stacks: QuolloStacks, outdir: Path) -> dict[str, Any]:
    """Every stack's resources in one template-like dict (logical ids are unique across them)."""
    merged: dict[str, Any] = {"Resources": {}}
    for stack in stacks.stacks:
        template = json.loads((outdir / stack.template_file).read_text())
        merged["Resources"].update({f"{stack.stack_name}/{k}": v for k, v in template["Resources"].items()})
    return merged


def test_two_synths_of_one_commit_give_the_same_asset_hashes(dev: Synth, tmp_path: Path) -> None:
    """Separate output, code-build and layer-cache directories: nothing path- or time-dependent leaks in.
    The first synth is the session's dev stage (its own directories and the clone's layer cache)."""
    app, stacks = build_app(
        {**cdk_json_context(), "stage": "dev"},
        outdir=str(tmp_path / "cdk.out"),
        build_dir=tmp_path / "lambda",
        layer_cache=tmp_path / "layers",
    )
    app.synth()
    templates = [_merged(dev.stack, dev.outdir), _merged(stacks, tmp_path / "cdk.out")]
    first, second = (_asset_hashes(t) for t in templates)
    layers = [k for k, v in templates[0]["Resources"].items() if v["Type"] == "AWS::Lambda::LayerVersion"]
    assert len(layers) == 3 and set(layers) <= first.keys()  # the Api, Webhooks and Processing stacks' copies
    assert len(first) >= len(ROUTES) + len(WORKERS) + len(PROCESSORS) + 3
    assert first == second


# --- A function run the way Lambda runs it ---------------------------------------------------

# Lambda's python3.12 runtime brings its own boto3, whose exact version depends on the region and
# the date; AWS's docs no longer publish it (they suggest printing boto3.__version__ from a
# function). The lock's boto3/botocore stand in for it at var/runtime; our layer, before it on
# sys.path, carries the lock's own copy, which is the one imported.
_RUNNER = r"""
import importlib, json, sys
task, layer, runtime, route_module, event_file, result_file = sys.argv[1:]
# Lambda's order: the function's code, then the layer's python/, then the runtime's boto3, then
# the standard library. -I -S left only the standard library, so nothing of this machine leaks in.
sys.path[:0] = [task, layer, runtime]

class Context:
    function_name = "quollo-shaped"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:quollo-shaped"
    memory_limit_in_mb = 512
    aws_request_id = "0f5c1d4e-0000-4000-8000-000000000001"
    log_group_name = "/aws/lambda/quollo-shaped"
    log_stream_name = "2030/01/01/[$LATEST]0"
    def get_remaining_time_in_millis(self):
        return 10_000

module = importlib.import_module(route_module)
response = module.handler(json.loads(open(event_file).read()), Context())
import pydantic, pydantic_core, aws_lambda_powertools, boto3
origins = {m.__name__: m.__file__ for m in (module, pydantic, pydantic_core, aws_lambda_powertools, boto3)}
with open(result_file, "w") as out:
    json.dump({"response": response, "origins": origins, "path": sys.path}, out)
"""


@pytest.fixture(scope="module")
def runtime_sdk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """boto3/botocore as the runtime provides them, in a folder of their own (pip --target style)."""
    target = tmp_path_factory.mktemp("runtime") / "sdk"
    install_runtime_sdk(target, PYTHON)
    return target


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    from functions.local.moto_server import MotoServer

    server = MotoServer("127.0.0.1", 0)
    server.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.stop()


def _stack_environment(dev: Synth) -> dict[str, str]:
    """Every function's environment, with CloudFormation references replaced by concrete names."""
    env: dict[str, str] = {}
    for function in (f for t in dev.templates for f in t.resources("AWS::Lambda::Function").values()):
        for name, value in function["Properties"].get("Environment", {}).get("Variables", {}).items():
            if isinstance(value, dict):  # {"Fn::ImportValue": "Quollo-dev-Data:..."}: the name CloudFormation gives
                value = f"Quollo-dev-{name.lower().replace('_', '-')}"
            env[name] = value
    return env


@pytest.fixture(scope="module")
def lambda_world(
    dev: Synth, moto_endpoint: str, runtime_sdk: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """Tables, bucket and secret on the moto server, under the names the stack passes; a user with a token."""
    from functions.domain import accounts, plans
    from functions.local.caches import forget_aws_state
    from functions.local.provision import provision

    aws = {
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    names = _stack_environment(dev)
    saved = {key: os.environ.get(key) for key in {**aws, **names}}
    os.environ.update({**aws, **names})
    forget_aws_state()
    try:
        provision()
        user = accounts.create_user("Lambda-shaped", credits=3)
        _, token = accounts.create_token(user.id)
        plan = plans.create(user.id, "Backend engineer", ["backend"], "SENIOR", "EN")
        yield {"aws": aws, "token": token, "plan_id": plan.id, "root": tmp_path_factory.mktemp("lambda")}
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        forget_aws_state()


def _invoke(
    dev: Synth, world: dict[str, Any], runtime_sdk: Path, route: Route, event: dict[str, Any]
) -> dict[str, Any]:
    interpreter = interpreter_for(PYTHON)
    if interpreter is None:
        pytest.skip(f"no python{PYTHON} on this machine")
    root: Path = world["root"] / route.name
    code, props = function_asset(dev, route)
    # The synthesized function asset unpacked as Lambda does, at var/task.
    task = root / "var" / "task"
    if not task.exists():
        shutil.copytree(code, task)
    # The layer at opt/python. The deployed layer's wheels are aarch64 (pydantic-core, wrapt),
    # whose .so files cannot load on this x86_64 machine, so this is a second build of the same
    # locked versions for this machine's platform (same code path, platform parameter); the
    # versions test above checks the real arm64 layer, and this one holds the same versions.
    host = build_dependency_layer(PYTHON, target_platform=host_platform())
    assert installed_versions(host.site) == installed_versions(layer_asset(dev) / "python")
    layer = root / "opt" / "python"
    if not layer.exists():
        shutil.copytree(host.site, layer)
    event_file, result_file = root / "event.json", root / "result.json"
    event_file.write_text(json.dumps(event))
    variables: dict[str, Any] = props["Environment"]["Variables"]
    names = _stack_environment(dev)
    env = {
        # What Lambda sets in every python3.12 execution environment.
        "AWS_LAMBDA_FUNCTION_NAME": f"Quollo-dev-{route.name}",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(props["MemorySize"]),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_FORMAT": "JSON",
        "AWS_LAMBDA_LOG_LEVEL": "INFO",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
        "LAMBDA_TASK_ROOT": str(task),
        "LAMBDA_RUNTIME_DIR": str(runtime_sdk),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "PATH": "/usr/bin:/bin",
        # Active tracing: a trace header per invocation and a daemon address (UDP, nothing listens).
        "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        **world["aws"],
        # The stack's variables; references resolved to the names the moto tables were made under.
        **{k: (names[k] if isinstance(v, dict) else v) for k, v in variables.items()},
    }
    completed = subprocess.run(
        [
            interpreter,
            "-I",
            "-S",
            "-c",
            _RUNNER,
            str(task),
            str(layer),
            str(runtime_sdk),
            route.module,
            str(event_file),
            str(result_file),
        ],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    result: dict[str, Any] = json.loads(result_file.read_text())
    origins = result["origins"]
    assert origins[route.module].startswith(str(task)), origins
    assert origins["pydantic"].startswith(str(layer)) and origins["pydantic_core"].startswith(str(layer)), origins
    # The layer's boto3 (uv.lock's), not the runtime's, although the runtime's is on sys.path too.
    assert origins["boto3"].startswith(str(layer)), origins
    assert not [p for p in result["path"] if "site-packages" in p], result["path"]
    return result


def _route(name: str) -> Route:
    return next(route for route in ROUTES if route.name == name)


def _event(route: Route, path: str, token: str | None, body: dict[str, Any] | None = None) -> dict[str, Any]:
    headers = {"Host": "abc123.execute-api.us-east-1.amazonaws.com", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        headers["Content-Type"] = "application/json"
    return build_event(route, path, {}, headers, "", json.dumps(body).encode() if body is not None else None)


def test_lambda_shaped_list_plans(dev: Synth, lambda_world: dict[str, Any], runtime_sdk: Path) -> None:
    """list_plans from its synthesized asset, with a host-platform build of the locked layer at opt/python.

    The deployed layer is aarch64; its compiled modules (pydantic-core) cannot load on this
    x86_64 machine, so this runs a second build of the same locked versions for the host.
    """
    route = _route("list_plans")
    denied = _invoke(dev, lambda_world, runtime_sdk, route, _event(route, "/v1/plans", None))["response"]
    assert denied["statusCode"] == 401, denied
    ok = _invoke(dev, lambda_world, runtime_sdk, route, _event(route, "/v1/plans", lambda_world["token"]))["response"]
    assert ok["statusCode"] == 200, ok
    assert [plan["id"] for plan in json.loads(ok["body"])["items"]] == [lambda_world["plan_id"]]


def test_lambda_shaped_create_interview(dev: Synth, lambda_world: dict[str, Any], runtime_sdk: Path) -> None:
    """create_interview from its synthesized asset (host-platform build of the locked layer, as above)."""
    route = _route("create_interview")
    body = create_body(lambda_world["plan_id"], "Backend engineer — final round")
    denied = _invoke(dev, lambda_world, runtime_sdk, route, _event(route, "/v1/interviews", None, body))["response"]
    assert denied["statusCode"] == 401, denied
    event = _event(route, "/v1/interviews", lambda_world["token"], body)
    response = _invoke(dev, lambda_world, runtime_sdk, route, event)["response"]
    assert response["statusCode"] == 201, response
    assert json.loads(response["body"])["balanceAfter"] == 2
