"""Safe rollouts: a `live` alias per function, invoked by API Gateway or the webhook event sources;
CodeDeploy canaries in prod, watching the monitoring stack's alarms."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App
from aws_cdk.assertions import Template

from functions.data.settings import DEPLOY_CHECK_TOKEN_SECRET_ENV
from functions.routes import ROUTES
from functions.workers import WORKERS
from infra.app import build_app
from infra.config import StageConfig
from infra.constructs.rollouts import HOOK_CODEDEPLOY_ACTIONS, HOOK_HANDLER, SECRET_READ
from testkit.synth import Synth, cdk_json_context, evaluate

pytestmark = pytest.mark.infra


def aliases(synth: Synth) -> dict[str, dict[str, Any]]:
    """Route name -> its alias resource."""
    found = {}
    for route in ROUTES:
        logical_id = synth.api.logical_id(synth.stack.route_functions.aliases[route.name].function_arn)
        found[route.name] = synth.api.json["Resources"][logical_id]
    return found


def test_each_function_has_a_live_alias_on_a_published_version(synth: Synth) -> None:
    resources = synth.api.json["Resources"]
    assert len(synth.api.resources("AWS::Lambda::Alias")) == len(ROUTES)
    found = aliases(synth)
    for route in ROUTES:
        alias = found[route.name]
        function_id = synth.api.logical_id(synth.stack.route_functions.functions[route.name].function_arn)
        assert alias["Type"] == "AWS::Lambda::Alias"
        assert alias["Properties"]["Name"] == "live"
        assert alias["Properties"]["FunctionName"] == {"Ref": function_id}
        version_id = alias["Properties"]["FunctionVersion"]["Fn::GetAtt"][0]
        assert resources[version_id]["Type"] == "AWS::Lambda::Version"
        assert resources[version_id]["Properties"]["FunctionName"] == {"Ref": function_id}


def test_api_integrations_and_invoke_permissions_target_the_alias(synth: Synth) -> None:
    """The Gateway stack names each alias (`quollo-<stage>-<route>:live`); the Api stack creates it by those names."""
    named = {}
    for route, alias in aliases(synth).items():
        function = synth.api.json["Resources"][alias["Properties"]["FunctionName"]["Ref"]]["Properties"]
        named[route] = f"arn:aws:lambda:eu-west-1:123456789012:function:{function['FunctionName']}:live"
    proxies = [
        evaluate(m["Properties"]["Integration"]["Uri"])
        for m in synth.gateway.resources("AWS::ApiGateway::Method").values()
        if m["Properties"]["Integration"]["Type"] == "AWS_PROXY"
    ]
    assert len(proxies) == len(ROUTES)
    assert {uri.split("/functions/")[1].removesuffix("/invocations") for uri in proxies} == set(named.values())
    permissions = synth.gateway.resources("AWS::Lambda::Permission").values()
    api_permissions = [
        p["Properties"] for p in permissions if p["Properties"]["Principal"] == "apigateway.amazonaws.com"
    ]
    assert sorted(evaluate(p["FunctionName"]) for p in api_permissions) == sorted(named.values())
    assert synth.api.resources("AWS::Lambda::Permission") == {} or all(
        p["Properties"]["Principal"] != "apigateway.amazonaws.com"
        for p in synth.api.resources("AWS::Lambda::Permission").values()
    )


def hook(synth: Synth) -> tuple[str, dict[str, Any]]:
    """The BeforeAllowTraffic hook (API stack): logical id and properties."""
    [(logical_id, function)] = [
        (k, f)
        for k, f in synth.api.resources("AWS::Lambda::Function").items()
        if f["Properties"].get("Handler") == HOOK_HANDLER
    ]
    return logical_id, function["Properties"]


def test_codedeploy_canaries_in_prod_only_each_with_its_routes_alarms_and_the_hook(dev: Synth, prod: Synth) -> None:
    assert dev.api.resources("AWS::CodeDeploy::DeploymentGroup") == {}
    assert all("UpdatePolicy" not in a for a in aliases(dev).values())
    assert not [
        f for f in dev.api.resources("AWS::Lambda::Function").values() if f["Properties"]["Handler"] == HOOK_HANDLER
    ]
    groups = prod.api.resources("AWS::CodeDeploy::DeploymentGroup")
    assert len(groups) == len(ROUTES)
    # By name: the alarms are the monitoring stack's, which deploys before the API stack.
    alarms = {
        props["Properties"]["AlarmName"]: props["Properties"]
        for props in prod.monitoring.resources("AWS::CloudWatch::Alarm").values()
    }
    assert prod.api.resources("AWS::CloudWatch::Alarm") == {}
    assert prod.monitoring.stack in prod.stack.api_stack.dependencies
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
        names = [a["Name"] for a in group["AlarmConfiguration"]["Alarms"]]
        assert set(names) <= alarms.keys(), "a canary watches an alarm that does not exist"
        watched = {name: alarms[name] for name in names}
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
    for group in prod.api.resources("AWS::CodeDeploy::DeploymentGroup").values():
        role_id = group["Properties"]["ServiceRoleArn"]["Fn::GetAtt"][0]
        role = prod.api.json["Resources"][role_id]["Properties"]
        assert "Policies" not in role
        assert not [
            p for p in prod.api.resources("AWS::IAM::Policy").values() if {"Ref": role_id} in p["Properties"]["Roles"]
        ]
    statements = {s["Sid"]: s for s in prod.api.role_statements(props["Role"]["Fn::GetAtt"][0]) if "Sid" in s}
    invoke = statements["InvokeVersionsBeingDeployed"]
    assert invoke["Action"] == "lambda:InvokeFunction"
    # Qualified ARNs of the route functions (any version, never $LATEST), nothing else.
    function_ids = {prod.api.logical_id(f.function_arn) for f in prod.stack.route_functions.functions.values()}
    assert sorted(json.dumps(r, sort_keys=True) for r in invoke["Resource"]) == sorted(
        json.dumps({"Fn::Join": ["", [{"Fn::GetAtt": [i, "Arn"]}, ":*"]]}, sort_keys=True) for i in function_ids
    )
    codedeploy = statements["ThisApplicationsDeployments"]
    assert sorted(codedeploy["Action"]) == sorted(HOOK_CODEDEPLOY_ACTIONS)
    assert "codedeploy:PutLifecycleEventHookExecutionStatus" in codedeploy["Action"]
    application_id = prod.api.logical_id(prod.stack.rollouts.application.application_name)  # type: ignore[union-attr]
    resource = json.dumps(codedeploy["Resource"])
    assert f'{{"Ref": "{application_id}"}}, "/*"' in resource and ":deploymentgroup:" in resource
    # The deploy-check token's secret (-c deploy_check_token_secret, a name here): that secret only.
    token = statements["ReadDeployCheckToken"]
    assert token["Action"] == SECRET_READ
    assert evaluate(token["Resource"]) == (
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:quollo-prod/deploy-check-token-??????"
    )
    assert props["Environment"]["Variables"][DEPLOY_CHECK_TOKEN_SECRET_ENV] == "quollo-prod/deploy-check-token"
    assert set(statements) == {
        "OwnLogGroup",
        "InvokeVersionsBeingDeployed",
        "ThisApplicationsDeployments",
        "ReadDeployCheckToken",
        "ActiveTracing",
    }


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        (None, None),
        ("", None),
        ("quollo-prod/deploy-check-token", "quollo-prod/deploy-check-token"),
        (
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:smoke-AbCdEf",
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:smoke-AbCdEf",
        ),
        ("arn:aws:sns:eu-west-1:123456789012:topic", ValueError),
        ("smoke token with spaces", ValueError),
    ],
)
def test_the_deploy_check_token_secret_is_a_secret_name_or_arn(given: str | None, kept: object) -> None:
    app = App(context={**cdk_json_context(), "deploy_check_token_secret": given})
    if kept is ValueError:
        with pytest.raises(ValueError, match="deploy_check_token_secret"):
            StageConfig.from_context(app.node)
    else:
        assert StageConfig.from_context(app.node).deploy_check_token_secret == kept


def test_one_codedeploy_role_serves_every_group(prod: Synth) -> None:
    groups = prod.api.resources("AWS::CodeDeploy::DeploymentGroup").values()
    roles = {json.dumps(g["Properties"]["ServiceRoleArn"]) for g in groups}
    assert len(roles) == 1
    [role_id] = [json.loads(r)["Fn::GetAtt"][0] for r in roles]
    role = prod.api.json["Resources"][role_id]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "codedeploy.amazonaws.com"}
    [managed] = role["ManagedPolicyArns"]
    assert "service-role/AWSCodeDeployRoleForLambdaLimited" in json.dumps(managed)
    principals = [
        json.dumps(r["Properties"]["AssumeRolePolicyDocument"]) for r in prod.api.resources("AWS::IAM::Role").values()
    ]
    assert len([p for p in principals if "codedeploy.amazonaws.com" in p]) == 1


def test_snapstart_only_with_the_flag(dev: Synth, prod: Synth) -> None:
    for template in dev.templates:
        for function in template.resources("AWS::Lambda::Function").values():
            assert "SnapStart" not in function["Properties"]
    ours = list(prod.api.route_functions().values())
    assert len(ours) == len(ROUTES)
    # The webhook workers run in the background, where a cold start delays no caller: SnapStart's
    # price per function (docs/deploy.md, SnapStart) buys them nothing.
    assert all("SnapStart" not in f["Properties"] for f in prod.webhooks.resources("AWS::Lambda::Function").values())
    for function in ours:  # PROD_OVERRIDES sets snapstart=true
        assert function["SnapStart"] == {"ApplyOn": "PublishedVersions"}


def _published(tmp: Path, name: str, *, layer: str, code: str, tracer: str) -> dict[str, str]:
    """Function name -> the Version logical id its `live` alias points at, in dev stacks synthesized
    from a one-file code asset and layer with the given contents (and the `tracer` flag, which
    changes only an environment variable): every route and both webhook workers."""
    code_dir, layer_dir = tmp / name / "code", tmp / name / "layer" / "python"
    code_dir.mkdir(parents=True)
    layer_dir.mkdir(parents=True)
    (code_dir / "release.py").write_text(code)
    (layer_dir / "dependency.py").write_text(layer)
    context = {**cdk_json_context(), "stage": "dev", "tracer": tracer}
    _, stacks = build_app(context, outdir=str(tmp / name / "cdk.out"), prebuilt=(code_dir, layer_dir.parent))
    published = {}
    for stack, functions in (
        (stacks.api_stack, stacks.route_functions.aliases),
        (stacks.webhooks_stack, stacks.webhook_workers.aliases),
    ):
        template = Template.from_stack(stack).to_json()
        for function, alias_construct in functions.items():
            alias = template["Resources"][stack.resolve(alias_construct.function_arn)["Ref"]]
            version_id = alias["Properties"]["FunctionVersion"]["Fn::GetAtt"][0]
            assert template["Resources"][version_id]["Type"] == "AWS::Lambda::Version"
            published[function] = version_id
    assert published.keys() == {r.name for r in ROUTES} | {w.name for w in WORKERS}
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
