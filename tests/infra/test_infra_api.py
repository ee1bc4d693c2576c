"""The REST API (Gateway stack): the route table's methods, a 405 for other methods, our error body from the gateway."""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions.routes import ROUTES
from infra.constructs.api import GATEWAY_RESPONSES
from testkit.synth import Synth

pytestmark = pytest.mark.infra


def _paths(synth: Synth) -> dict[str, str]:
    """Resource logical id -> full path, rebuilt from the ParentId chain."""
    resources = synth.gateway.resources("AWS::ApiGateway::Resource")

    def path(logical_id: str) -> str:
        props = resources[logical_id]["Properties"]
        parent = props["ParentId"]
        prefix = path(parent["Ref"]) if "Ref" in parent else ""
        return f"{prefix}/{props['PathPart']}"

    return {logical_id: path(logical_id) for logical_id in resources}


def _methods(synth: Synth) -> list[tuple[str, str, dict[str, Any]]]:
    paths = _paths(synth)
    return [
        (m["Properties"]["HttpMethod"], paths[m["Properties"]["ResourceId"]["Ref"]], m["Properties"])
        for m in synth.gateway.resources("AWS::ApiGateway::Method").values()
    ]


def test_lambda_methods_are_exactly_the_route_table(synth: Synth) -> None:
    proxied = {(verb, path) for verb, path, props in _methods(synth) if props["Integration"]["Type"] == "AWS_PROXY"}
    assert proxied == {(r.method, r.path) for r in ROUTES}


def test_each_method_invokes_its_routes_function(dev: Synth) -> None:
    for route in ROUTES:
        # The integration invokes the route's `live` alias (test_infra_rollouts.py checks the alias), named
        # in the Api stack's template by the same physical name and alias name: no export between them.
        alias_id = dev.api.logical_id(dev.stack.route_functions.aliases[route.name].function_arn)
        alias = dev.api.json["Resources"][alias_id]["Properties"]
        function = dev.api.json["Resources"][alias["FunctionName"]["Ref"]]["Properties"]
        named = f":function:{function['FunctionName']}:{alias['Name']}"
        [props] = [p for verb, path, p in _methods(dev) if (verb, path) == (route.method, route.path)]
        uri = json.dumps(props["Integration"]["Uri"])
        assert named in uri and "Fn::ImportValue" not in uri, route.name
        # Its invoke permission, for this method only, is the Gateway stack's.
        permissions = [
            p["Properties"]
            for p in dev.gateway.resources("AWS::Lambda::Permission").values()
            if named in json.dumps(p["Properties"]["FunctionName"])
        ]
        assert len(permissions) == 1, route.name
        assert permissions[0]["Principal"] == "apigateway.amazonaws.com"


def test_every_known_path_answers_other_methods_with_our_405(synth: Synth) -> None:
    others = [
        (verb, path, props) for verb, path, props in _methods(synth) if props["Integration"]["Type"] != "AWS_PROXY"
    ]
    assert sorted((verb, path) for verb, path, _ in others) == sorted(("ANY", p) for p in {r.path for r in ROUTES})
    for _, _, props in others:
        integration = props["Integration"]
        assert integration["Type"] == "MOCK"
        [response] = integration["IntegrationResponses"]
        assert response["StatusCode"] == "405" and "SelectionPattern" not in response
        body = json.loads(response["ResponseTemplates"]["application/json"])
        assert body == {"error": {"code": "method_not_allowed", "message": "Method not allowed for this path"}}
        assert [r["StatusCode"] for r in props["MethodResponses"]] == ["405"]


def test_gateway_responses_render_our_error_body(synth: Synth) -> None:
    responses = {
        r["Properties"]["ResponseType"]: r["Properties"]
        for r in synth.gateway.resources("AWS::ApiGateway::GatewayResponse").values()
    }
    assert set(responses) == {t.response_type for t in GATEWAY_RESPONSES}
    for response_type, props in responses.items():
        body = json.loads(props["ResponseTemplates"]["application/json"])
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, response_type
        assert body["error"]["code"] and body["error"]["message"]
        assert props["ResponseParameters"]["gatewayresponse.header.Content-Type"] == "'application/json'"
    # An unknown path surfaces as MISSING_AUTHENTICATION_TOKEN: it must read as a 404 not_found.
    missing = responses["MISSING_AUTHENTICATION_TOKEN"]
    assert missing["StatusCode"] == "404"
    assert json.loads(missing["ResponseTemplates"]["application/json"])["error"]["code"] == "not_found"
    throttled = responses["THROTTLED"]
    assert throttled["StatusCode"] == "429"
    assert json.loads(throttled["ResponseTemplates"]["application/json"])["error"]["code"] == "throttled"
    for too_many in (throttled, responses["QUOTA_EXCEEDED"]):
        assert too_many["ResponseParameters"]["gatewayresponse.header.Retry-After"] == "'1'"
    assert responses["DEFAULT_5XX"]["StatusCode"] == "500"


@pytest.mark.parametrize(("fixture", "rate", "burst"), [("dev", 50, 100), ("prod", 10, 20)])
def test_stage_throttling_logging_and_tracing(
    request: pytest.FixtureRequest, fixture: str, rate: int, burst: int
) -> None:
    synth: Synth = request.getfixturevalue(fixture)
    [stage] = synth.gateway.resources("AWS::ApiGateway::Stage").values()
    props = stage["Properties"]
    assert props["StageName"] == fixture
    assert props["TracingEnabled"] is True
    [settings] = props["MethodSettings"]
    assert settings["ThrottlingRateLimit"] == rate and settings["ThrottlingBurstLimit"] == burst
    assert settings["LoggingLevel"] == "ERROR" and settings["DataTraceEnabled"] is False
    access_log = json.loads(props["AccessLogSetting"]["Format"])
    assert access_log["requestId"] == "$context.requestId"
    # The access log group's ARN without the ":*" that GetAtt adds (the CDK flag
    # logGroupDestinationArnWithoutWildcard: API Gateway wants the group's own ARN).
    *_, where, group = props["AccessLogSetting"]["DestinationArn"]["Fn::Join"][1]
    assert where.endswith(":log-group:") and group["Ref"] in synth.gateway.resources("AWS::Logs::LogGroup")


def test_access_log_says_why_a_request_failed_and_joins_its_trace(synth: Synth) -> None:
    [stage] = synth.gateway.resources("AWS::ApiGateway::Stage").values()
    logged = set(json.loads(stage["Properties"]["AccessLogSetting"]["Format"]).values())
    assert {
        "$context.error.message",
        "$context.error.responseType",
        "$context.integrationErrorMessage",
        "$context.xrayTraceId",
        "$context.wafResponseCode",
    } <= logged


def test_execution_log_group_is_ours_with_retention(synth: Synth) -> None:
    """API Gateway writes execution logs (ERROR level) to a group it would otherwise create itself,
    kept forever; the stack creates it first, with the functions' retention."""
    [(stage_id, stage)] = synth.gateway.resources("AWS::ApiGateway::Stage").items()
    api_id = stage["Properties"]["RestApiId"]["Ref"]
    name = {"Fn::Join": ["", ["API-Gateway-Execution-Logs_", {"Ref": api_id}, f"/{stage['Properties']['StageName']}"]]}
    groups = {
        k: v
        for k, v in synth.gateway.resources("AWS::Logs::LogGroup").items()
        if v["Properties"].get("LogGroupName") == name
    }
    assert len(groups) == 1, "no execution log group of the stack's own"
    [(group_id, group)] = groups.items()
    assert group["Properties"]["RetentionInDays"] == 30
    expected_policy = "Retain" if synth.stage == "prod" else "Delete"
    assert group["DeletionPolicy"] == expected_policy
    # Created before the stage can log, so API Gateway never creates a group without retention.
    assert group_id in stage.get("DependsOn", []), stage_id


def test_outputs_have_stable_logical_ids_in_the_stack_that_holds_them(synth: Synth) -> None:
    outputs = synth.data.json["Outputs"]
    expected = {
        "UsersTableName",
        "TokensTableName",
        "PlansTableName",
        "InterviewsTableName",
        "RecordsBucketName",
        "CursorSecretArn",
    }
    assert expected <= outputs.keys()
    assert outputs["UsersTableName"]["Value"] == synth.data.resolve(synth.stack.data.tables["users"].table_name)
    # The API's URL is the Gateway stack's; no other stack has an output of ours (only CDK's exports).
    assert synth.gateway.json["Outputs"]["ApiUrl"]["Value"] == synth.gateway.resolve(synth.stack.api.api.url)
    for template in (synth.webhooks, synth.monitoring, synth.api):
        assert all("Export" in output for output in template.json.get("Outputs", {}).values())
