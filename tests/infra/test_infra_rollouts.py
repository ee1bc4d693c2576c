"""Safe rollouts: a `live` alias per function, invoked by API Gateway; CodeDeploy canaries in prod."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

from functions.routes import ROUTES
from functions.workers import WORKERS
from infra.app import build_app
from infra.constructs.rollouts import HOOK_CODEDEPLOY_ACTIONS, HOOK_HANDLER
from testkit.synth import Synth, cdk_json_context

pytestmark = pytest.mark.infra


def aliases(synth: Synth) -> dict[str, dict[str, Any]]:
    """Route name -> its alias resource."""
    found = {}
    for route in ROUTES:
        logical_id = synth.logical_id(synth.stack.route_functions.aliases[route.name].function_arn)
        found[route.name] = synth.json["Resources"][logical_id]
    return found


def test_each_function_has_a_live_alias_on_a_published_version(synth: Synth) -> None:
    resources = synth.json["Resources"]
    assert len(synth.resources("AWS::Lambda::Alias")) == len(ROUTES)
    found = aliases(synth)
    for route in ROUTES:
        alias = found[route.name]
        function_id = synth.logical_id(synth.stack.route_functions.functions[route.name].function_arn)
        assert alias["Type"] == "AWS::Lambda::Alias"
        assert alias["Properties"]["Name"] == "live"
        assert alias["Properties"]["FunctionName"] == {"Ref": function_id}
        version_id = alias["Properties"]["FunctionVersion"]["Fn::GetAtt"][0]
        assert resources[version_id]["Type"] == "AWS::Lambda::Version"
        assert resources[version_id]["Properties"]["FunctionName"] == {"Ref": function_id}


def test_api_integrations_and_invoke_permissions_target_the_alias(synth: Synth) -> None:
    alias_refs = {
        json.dumps({"Ref": synth.logical_id(a.function_arn)}) for a in synth.stack.route_functions.aliases.values()
    }
    proxies = [
        m["Properties"]["Integration"]["Uri"]
        for m in synth.resources("AWS::ApiGateway::Method").values()
        if m["Properties"]["Integration"]["Type"] == "AWS_PROXY"
    ]
    assert len(proxies) == len(ROUTES)
    invoked = {
        json.dumps(part)
        for uri in proxies
        for part in uri["Fn::Join"][1]
        if isinstance(part, dict) and not part.get("Ref", "AWS::").startswith("AWS::")
    }
    assert invoked == alias_refs
    permissions = synth.resources("AWS::Lambda::Permission").values()
    api_permissions = [
        p["Properties"] for p in permissions if p["Properties"]["Principal"] == "apigateway.amazonaws.com"
    ]
    assert api_permissions
    assert {json.dumps(p["FunctionName"]) for p in api_permissions} == alias_refs


def hook(synth: Synth) -> tuple[str, dict[str, Any]]:
    """The BeforeAllowTraffic hook: logical id and properties."""
    [(logical_id, function)] = [
        (k, f)
        for k, f in synth.resources("AWS::Lambda::Function").items()
        if f["Properties"].get("Handler") == HOOK_HANDLER
    ]
    return logical_id, function["Properties"]


def test_codedeploy_canaries_in_prod_only_each_with_its_routes_alarms_and_the_hook(dev: Synth, prod: Synth) -> None:
    assert dev.resources("AWS::CodeDeploy::DeploymentGroup") == {}
    assert all("UpdatePolicy" not in a for a in aliases(dev).values())
    assert not [
        f for f in dev.resources("AWS::Lambda::Function").values() if f["Properties"]["Handler"] == HOOK_HANDLER
    ]
    groups = prod.resources("AWS::CodeDeploy::DeploymentGroup")
    assert len(groups) == len(ROUTES)
    alarms = {logical_id: props["Properties"] for logical_id, props in prod.resources("AWS::CloudWatch::Alarm").items()}
    hook_id, _ = hook(prod)
    for route in ROUTES:
        alias = aliases(prod)[route.name]
        update = alias["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]
        # Every deployment of the alias runs the hook before any traffic moves, and waits for it.
        assert update["BeforeAllowTrafficHook"] == {"Ref": hook_id}
        assert hook_id in alias["DependsOn"]
        group = groups[update["DeploymentGroupName"]["Ref"]]["Properties"]
        # The hook finds the route by its group's name.
        assert group["DeploymentGroupName"] == route.name
        assert group["DeploymentConfigName"] == "CodeDeployDefault.LambdaCanary10Percent5Minutes"
        assert group["AutoRollbackConfiguration"]["Enabled"] is True
        assert "DEPLOYMENT_STOP_ON_ALARM" in group["AutoRollbackConfiguration"]["Events"]
        assert group["AlarmConfiguration"]["Enabled"] is True
        watched = {
            alarms[a["Name"]["Ref"]]["AlarmName"]: alarms[a["Name"]["Ref"]]
            for a in group["AlarmConfiguration"]["Alarms"]
        }
        kebab = route.name.replace("_", "-")
        # Its own signals only: another route's failure must not roll this one back.
        assert set(watched) == {f"quollo-prod-{kebab}-{s}" for s in ("errors", "throttles")}
        # Seen within the 5-minute canary: every watched alarm looks at one minute.
        for name, props in watched.items():
            periods = [props.get("Period")] + [
                m["MetricStat"]["Period"] for m in props.get("Metrics", []) if "MetricStat" in m
            ]
            assert {p for p in periods if p is not None} == {60}, name
            assert props["EvaluationPeriods"] == 1, name


def test_the_hook_is_named_for_codedeploys_role_and_may_invoke_only_published_versions(prod: Synth) -> None:
    hook_id, props = hook(prod)
    # AWSCodeDeployRoleForLambdaLimited lets CodeDeploy invoke CodeDeployHook_* only, so no group role needs a grant.
    assert props["FunctionName"] == "CodeDeployHook_quollo-prod-before-allow-traffic"
    for group in prod.resources("AWS::CodeDeploy::DeploymentGroup").values():
        role_id = group["Properties"]["ServiceRoleArn"]["Fn::GetAtt"][0]
        role = prod.json["Resources"][role_id]["Properties"]
        assert "Policies" not in role
        assert not [
            p for p in prod.resources("AWS::IAM::Policy").values() if {"Ref": role_id} in p["Properties"]["Roles"]
        ]
    statements = {s["Sid"]: s for s in prod.role_statements(props["Role"]["Fn::GetAtt"][0]) if "Sid" in s}
    invoke = statements["InvokeVersionsBeingDeployed"]
    assert invoke["Action"] == "lambda:InvokeFunction"
    # Qualified ARNs of the route functions (any version, never $LATEST), nothing else.
    function_ids = {prod.logical_id(f.function_arn) for f in prod.stack.route_functions.functions.values()}
    assert sorted(json.dumps(r, sort_keys=True) for r in invoke["Resource"]) == sorted(
        json.dumps({"Fn::Join": ["", [{"Fn::GetAtt": [i, "Arn"]}, ":*"]]}, sort_keys=True) for i in function_ids
    )
    codedeploy = statements["ThisApplicationsDeployments"]
    assert sorted(codedeploy["Action"]) == sorted(HOOK_CODEDEPLOY_ACTIONS)
    assert "codedeploy:PutLifecycleEventHookExecutionStatus" in codedeploy["Action"]
    application_id = prod.logical_id(prod.stack.rollouts.application.application_name)  # type: ignore[union-attr]
    resource = json.dumps(codedeploy["Resource"])
    assert f'{{"Ref": "{application_id}"}}, "/*"' in resource and ":deploymentgroup:" in resource
    assert set(statements) == {"OwnLogGroup", "InvokeVersionsBeingDeployed", "ThisApplicationsDeployments"}


def test_snapstart_only_with_the_flag(dev: Synth, prod: Synth) -> None:
    for function in dev.resources("AWS::Lambda::Function").values():
        assert "SnapStart" not in function["Properties"]
    handlers = {route.handler for route in ROUTES}
    ours = [f for f in prod.resources("AWS::Lambda::Function").values() if f["Properties"].get("Handler") in handlers]
    assert len(ours) == len(ROUTES)
    # The webhook workers run $LATEST from their event sources: SnapStart (published versions only) would not apply.
    workers = {worker.handler for worker in WORKERS}
    assert all(
        "SnapStart" not in f["Properties"]
        for f in prod.resources("AWS::Lambda::Function").values()
        if f["Properties"].get("Handler") in workers
    )
    for function in ours:  # PROD_OVERRIDES sets snapstart=true
        assert function["Properties"]["SnapStart"] == {"ApplyOn": "PublishedVersions"}


def _published(tmp: Path, name: str, *, layer: str, code: str, tracer: str) -> dict[str, str]:
    """Route name -> the Version logical id its `live` alias points at, in a dev stack synthesized
    from a one-file code asset and layer with the given contents (and the `tracer` flag, which
    changes only an environment variable)."""
    code_dir, layer_dir = tmp / name / "code", tmp / name / "layer" / "python"
    code_dir.mkdir(parents=True)
    layer_dir.mkdir(parents=True)
    (code_dir / "release.py").write_text(code)
    (layer_dir / "dependency.py").write_text(layer)
    context = {**cdk_json_context(), "stage": "dev", "tracer": tracer}
    _, stack = build_app(context, outdir=str(tmp / name / "cdk.out"), prebuilt=(code_dir, layer_dir.parent))
    template = Template.from_stack(stack).to_json()
    published = {}
    for route in ROUTES:
        alias = template["Resources"][stack.resolve(stack.route_functions.aliases[route.name].function_arn)["Ref"]]
        version_id = alias["Properties"]["FunctionVersion"]["Fn::GetAtt"][0]
        assert template["Resources"][version_id]["Type"] == "AWS::Lambda::Version"
        published[route.name] = version_id
    return published


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict[str, str]]]:
    tmp = tmp_path_factory.mktemp("releases")
    base = {"layer": "VERSION = '1.0'\n", "code": "RELEASE = 1\n", "tracer": "true"}
    yield {
        "base": _published(tmp, "base", **base),
        "same": _published(tmp, "same", **base),
        "layer": _published(tmp, "layer", **{**base, "layer": "VERSION = '1.1'\n"}),
        "code": _published(tmp, "code", **{**base, "code": "RELEASE = 2\n"}),
        "environment": _published(tmp, "environment", **{**base, "tracer": "false"}),
    }


def test_the_same_release_publishes_no_new_version(releases: dict[str, dict[str, str]]) -> None:
    assert releases["same"] == releases["base"]


@pytest.mark.parametrize("change", ["layer", "code", "environment"])
def test_a_changed_layer_code_or_environment_publishes_a_new_version_of_every_function(
    releases: dict[str, dict[str, str]], change: str
) -> None:
    """A dependency-only release (a new layer, the code unchanged) must move every `live` alias, or it
    never reaches traffic: the functions' version hash has to include the layer's content."""
    base, changed = releases["base"], releases[change]
    unchanged = sorted(name for name in base if base[name] == changed[name])
    assert not unchanged, f"{change} changed but these aliases keep their version: {unchanged}"


def test_cdk_json_recognizes_layer_versions() -> None:
    assert cdk_json_context()["@aws-cdk/aws-lambda:recognizeLayerVersion"] is True
