"""Safe rollouts: a `live` alias per function, invoked by API Gateway; CodeDeploy canaries in prod."""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions.routes import ROUTES
from functions.workers import WORKERS
from testkit.synth import Synth

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


def test_codedeploy_canaries_in_prod_only_with_the_functions_alarms(dev: Synth, prod: Synth) -> None:
    assert dev.resources("AWS::CodeDeploy::DeploymentGroup") == {}
    assert all("UpdatePolicy" not in a for a in aliases(dev).values())
    groups = prod.resources("AWS::CodeDeploy::DeploymentGroup")
    assert len(groups) == len(ROUTES)
    alarm_names = {
        logical_id: props["Properties"]["AlarmName"]
        for logical_id, props in prod.resources("AWS::CloudWatch::Alarm").items()
    }
    for route in ROUTES:
        update = aliases(prod)[route.name]["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]
        group = groups[update["DeploymentGroupName"]["Ref"]]["Properties"]
        assert group["DeploymentConfigName"] == "CodeDeployDefault.LambdaCanary10Percent5Minutes"
        assert group["AutoRollbackConfiguration"]["Enabled"] is True
        assert "DEPLOYMENT_STOP_ON_ALARM" in group["AutoRollbackConfiguration"]["Events"]
        assert group["AlarmConfiguration"]["Enabled"] is True
        names = {alarm_names[a["Name"]["Ref"]] for a in group["AlarmConfiguration"]["Alarms"]}
        kebab = route.name.replace("_", "-")
        assert {f"quollo-prod-{kebab}-errors", f"quollo-prod-{kebab}-throttles"} <= names
        assert "quollo-prod-api-5xx-rate" in names


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
