"""Abuse limits: stage throttling and reserved concurrency per stage, and the WAF web ACL."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk.assertions import Template

from functions.routes import ROUTES, Route
from functions.workers import WORKERS
from infra.app import build_app
from infra.concurrency import LAMBDA_UNRESERVED_MINIMUM, reservations
from infra.config import STAGE_DEFAULTS, STAGES, StageConfig
from infra.constructs.waf import COUNT_ONLY_COMMON_RULES, Waf
from testkit.synth import PROD_OVERRIDES, Synth, cdk_json_context, synthesize

pytestmark = pytest.mark.infra

MANAGED = {
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesAmazonIpReputationList",
}


@pytest.fixture(scope="module")
def dev_with_waf(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synth]:
    yield synthesize(tmp_path_factory.mktemp("dev-waf"), {"stage": "dev", "waf": "true", "waf_rate_limit": "300"})


def web_acl(synth: Synth) -> dict[str, Any]:
    [acl] = synth.gateway.resources("AWS::WAFv2::WebACL").values()
    props: dict[str, Any] = acl["Properties"]
    return props


def test_stage_defaults_dev_small_prod_larger() -> None:
    dev, prod = STAGE_DEFAULTS["dev"], STAGE_DEFAULTS["prod"]
    assert dev.reserved_concurrency < prod.reserved_concurrency
    assert dev.throttling_rate_limit < prod.throttling_rate_limit
    assert dev.throttling_burst_limit < prod.throttling_burst_limit
    assert (dev.waf, prod.waf) == (False, True)


def test_reserved_concurrency_can_be_left_unset(tmp_path: Path) -> None:
    from aws_cdk import App

    assert StageConfig.from_context(App(context={"reserved_concurrency": "off"}).node).reserved_concurrency is None
    prod = App(context={"stage": "prod", "alarm_email": "oncall@example.com"})
    assert StageConfig.from_context(prod.node).reserved_concurrency == 10


def test_reserved_concurrency_follows_the_route_weights(synth: Synth) -> None:
    # dev: the stage's default per unit of weight; prod: PROD_OVERRIDES' "5".
    stage = synth.stage
    per_weight = STAGE_DEFAULTS["dev"].reserved_concurrency if stage == "dev" else 5
    functions = synth.api.route_functions()
    for route in ROUTES:
        props = functions[route.name]
        if route.concurrency_weight:
            assert props["ReservedConcurrentExecutions"] == route.concurrency_weight * per_weight, route.name
        else:  # stage throttling bounds it; nothing is set aside for it
            assert "ReservedConcurrentExecutions" not in props, route.name
    assert {bool(route.concurrency_weight) for route in ROUTES} == {True, False}
    workers = {w.handler for w in WORKERS}
    for function in synth.webhooks.resources("AWS::Lambda::Function").values():
        if function["Properties"].get("Handler") in workers:
            assert "ReservedConcurrentExecutions" not in function["Properties"]


@pytest.mark.parametrize("stage", STAGES)
def test_default_reservations_fit_an_account_with_the_default_quota(stage: str) -> None:
    from aws_cdk import App

    config = StageConfig.from_context(App(context={"stage": stage, "alarm_email": "oncall@example.com"}).node)
    assert config.account_concurrency == 1000
    total = sum(reservations(ROUTES, config.reserved_concurrency).values())
    assert 0 < total <= config.account_concurrency - LAMBDA_UNRESERVED_MINIMUM - config.concurrency_margin


def test_synth_fails_naming_the_numbers_when_reservations_exceed_the_account(tmp_path: Path) -> None:
    weights = sum(route.concurrency_weight for route in ROUTES)
    context = {**cdk_json_context(), **PROD_OVERRIDES, "reserved_concurrency": "50", "account_concurrency": "1000"}
    with pytest.raises(ValueError, match="reserved concurrency") as raised:
        build_app(context, outdir=str(tmp_path / "cdk.out"), build_dir=tmp_path / "lambda")
    message = str(raised.value)
    # What is asked, what the account allows, and how that was computed.
    for number in (f"{weights * 50:,}", f"{weights}", "1,000", "100", "800"):
        assert number in message, (number, message)
    assert "account_concurrency" in message and "reserved_concurrency" in message


def test_account_concurrency_and_margin_are_context(tmp_path: Path) -> None:
    from aws_cdk import App

    config = StageConfig.from_context(App(context={"account_concurrency": "3000", "concurrency_margin": "50"}).node)
    assert (config.account_concurrency, config.concurrency_margin) == (3000, 50)


def test_no_waf_in_dev_by_default(dev: Synth) -> None:
    assert dev.gateway.resources("AWS::WAFv2::WebACL") == {}
    assert dev.gateway.resources("AWS::WAFv2::WebACLAssociation") == {}


@pytest.mark.parametrize(("fixture", "limit"), [("prod", STAGE_DEFAULTS["prod"].waf_rate_limit), ("dev_with_waf", 300)])
def test_waf_web_acl_is_associated_with_the_stage(request: pytest.FixtureRequest, fixture: str, limit: int) -> None:
    synth: Synth = request.getfixturevalue(fixture)
    [acl_id] = synth.gateway.resources("AWS::WAFv2::WebACL")
    acl = web_acl(synth)
    assert acl["Scope"] == "REGIONAL" and acl["DefaultAction"] == {"Allow": {}}
    [association] = synth.gateway.resources("AWS::WAFv2::WebACLAssociation").values()
    assert association["Properties"]["WebACLArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    stage_id = synth.gateway.logical_id(synth.stack.api.api.deployment_stage.stage_name)
    assert {"Ref": stage_id} in association["Properties"]["ResourceArn"]["Fn::Join"][1]
    rules = {r["Name"]: r for r in acl["Rules"]}
    assert MANAGED <= rules.keys()
    for name in MANAGED:
        assert rules[name]["Statement"]["ManagedRuleGroupStatement"] == {
            **rules[name]["Statement"]["ManagedRuleGroupStatement"],
            "VendorName": "AWS",
            "Name": name,
        }
        assert rules[name]["OverrideAction"] == {"None": {}}
    rate = rules["RatePerIp"]
    assert rate["Statement"]["RateBasedStatement"] == {
        "AggregateKeyType": "IP",
        "Limit": limit,
        "EvaluationWindowSec": 300,
    }
    block = rate["Action"]["Block"]["CustomResponse"]
    assert block["ResponseCode"] == 429
    body = json.loads(acl["CustomResponseBodies"][block["CustomResponseBodyKey"]]["Content"])
    assert body["error"]["code"] == "throttled"
    assert len({r["Priority"] for r in acl["Rules"]}) == len(acl["Rules"])


def test_common_rules_that_would_block_valid_calls_only_count(prod: Synth) -> None:
    rules = {r["Name"]: r for r in web_acl(prod)["Rules"]}
    overrides = rules["AWSManagedRulesCommonRuleSet"]["Statement"]["ManagedRuleGroupStatement"]["RuleActionOverrides"]
    assert {o["Name"]: o["ActionToUse"] for o in overrides} == {name: {"Count": {}} for name in COUNT_ONLY_COMMON_RULES}


# --- the token rule: our 401 before any function ---


def _transform(value: str, transformations: list[dict[str, Any]]) -> str:
    for step in sorted(transformations, key=lambda t: t["Priority"]):
        if step["Type"] == "LOWERCASE":
            value = value.lower()
        elif step["Type"] == "COMPRESS_WHITE_SPACE":
            value = re.sub(r"\s+", " ", value)
        else:
            assert step["Type"] == "NONE", step
    return value


def _field(field: dict[str, Any], path: str, headers: dict[str, str]) -> str | None:
    if "UriPath" in field:
        return path
    name = field["SingleHeader"]["Name"]
    return next((v for k, v in headers.items() if k.lower() == name), None)


def matches(statement: dict[str, Any], path: str, headers: dict[str, str]) -> bool:
    """What WAF decides for a statement of the kinds the token rule uses, on one request."""
    if "AndStatement" in statement:
        return all(matches(s, path, headers) for s in statement["AndStatement"]["Statements"])
    if "OrStatement" in statement:
        return any(matches(s, path, headers) for s in statement["OrStatement"]["Statements"])
    if "NotStatement" in statement:
        return not matches(statement["NotStatement"]["Statement"], path, headers)
    (kind,) = statement
    inner = statement[kind]
    value = _field(inner["FieldToMatch"], path, headers)
    if value is None:  # a missing header matches nothing
        return False
    value = _transform(value, inner["TextTransformations"])
    if kind == "ByteMatchStatement":
        assert inner["PositionalConstraint"] == "STARTS_WITH"
        return value.startswith(inner["SearchString"])
    assert kind == "RegexMatchStatement", kind
    return re.search(inner["RegexString"], value) is not None


def token_rule(acl: dict[str, Any]) -> dict[str, Any]:
    rules: list[dict[str, Any]] = [r for r in acl["Rules"] if r["Name"] == "TokenRequired"]
    [rule] = rules
    return rule


def test_prod_waf_answers_our_401_to_v1_requests_without_a_quollo_token(prod: Synth) -> None:
    acl = web_acl(prod)
    rule = token_rule(acl)
    response = rule["Action"]["Block"]["CustomResponse"]
    assert response["ResponseCode"] == 401
    body = acl["CustomResponseBodies"][response["CustomResponseBodyKey"]]
    assert body["ContentType"] == "APPLICATION_JSON"
    parsed = json.loads(body["Content"])
    assert set(parsed) == {"error"} and parsed["error"]["code"] == "unauthenticated"
    assert "Bearer qlo_" in parsed["error"]["message"]
    # After the IP reputation list and the rate rule (floods stay limited per IP), before the content rules.
    priorities = {r["Name"]: r["Priority"] for r in acl["Rules"]}
    assert priorities["RatePerIp"] < rule["Priority"] < priorities["AWSManagedRulesKnownBadInputsRuleSet"]
    blocked = [
        ("/prod/v1/interviews", {}),
        ("/prod/v1/interviews/abc", {"Authorization": "Basic dXNlcjpwYXNz"}),
        ("/v1/plans", {"Authorization": "Bearer sk_live_123"}),  # a custom domain: no stage in the path
        ("/prod/v1/webhooks", {"authorization": "Bearer"}),
    ]
    allowed = [
        ("/prod/v1/interviews", {"Authorization": "Bearer qlo_live_abc"}),
        ("/prod/v1/interviews", {"authorization": "bearer  qlo_live_abc"}),  # as the functions read it
        ("/v1/plans", {"Authorization": "Bearer qlo_live_abc"}),
        ("/prod/openapi.json", {}),  # not under /v1/
        ("/prod/", {}),
    ]
    for path, headers in blocked:
        assert matches(rule["Statement"], path, headers), (path, headers)
    for path, headers in allowed:
        assert not matches(rule["Statement"], path, headers), (path, headers)


def test_public_routes_are_exempt_from_the_token_rule() -> None:
    """No route is public today: a route table with one shows the exemption."""
    app = App(context=cdk_json_context())
    stack = Stack(app, "WafOnly")
    api = apigw.RestApi(stack, "Api", deploy_options=apigw.StageOptions(stage_name="prod"))
    api.root.add_method("GET", apigw.MockIntegration())
    config = dataclasses.replace(StageConfig.from_context(app.node), stage="prod")
    join = Route(name="join_room", method="POST", path="/v1/rooms/{pin}/join", tables=(), public=True)
    Waf(stack, "Waf", stage=api.deployment_stage, rate_limit=1000, name="t", routes=[*ROUTES, join], config=config)
    [acl] = [
        r["Properties"]
        for r in Template.from_stack(stack).to_json()["Resources"].values()
        if r["Type"] == "AWS::WAFv2::WebACL"
    ]
    statement = token_rule(acl)["Statement"]
    for path in ("/prod/v1/rooms/4821/join", "/v1/rooms/4821/join"):
        assert not matches(statement, path, {}), path
    for path in ("/prod/v1/rooms/4821/join/x", "/prod/v1/rooms/4821", "/prod/v1/interviews"):
        assert matches(statement, path, {}), path


def test_the_rooms_public_routes_pass_the_token_rule_in_prod(prod: Synth) -> None:
    """The candidate's room carries a pin or a `qlr_` room token, never `Bearer qlo_`: its four paths are exempt."""
    statement = token_rule(web_acl(prod))["Statement"]
    public = [route for route in ROUTES if route.public]
    assert {route.name for route in public} == {"join_room", "start_room", "upload_recording", "finish_room"}
    for route in public:
        path = route.path.replace("{id}", "e1b165ac-5d6e-4f0a-9d0b-6f1f4c8b7a21")
        for prefix in ("/prod", ""):
            assert not matches(statement, prefix + path, {"Authorization": "Bearer qlr_abc"}), path
            assert not matches(statement, prefix + path, {}), path
    # Nothing else is opened: the interview itself, or a path below a room's, still needs the token.
    for path in ("/prod/v1/interviews/e1b165ac", "/prod/v1/rooms/e1b165ac/start/x", "/prod/v1/rooms/e1b165ac"):
        assert matches(statement, path, {"Authorization": "Bearer qlr_abc"}), path


def test_waf_logs_to_an_aws_waf_logs_group_without_the_authorization_header(prod: Synth) -> None:
    [acl_id] = prod.gateway.resources("AWS::WAFv2::WebACL")
    [logging] = prod.gateway.resources("AWS::WAFv2::LoggingConfiguration").values()
    props = logging["Properties"]
    assert props["ResourceArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    # A token in a log is a leaked token.
    assert props["RedactedFields"] == [{"SingleHeader": {"Name": "authorization"}}]
    [destination] = props["LogDestinationConfigs"]
    groups = {
        k: g
        for k, g in prod.gateway.resources("AWS::Logs::LogGroup").items()
        if g["Properties"].get("LogGroupName") == "aws-waf-logs-quollo-prod"
    }
    [(group_id, group)] = groups.items()
    assert group["Properties"]["RetentionInDays"] == 30
    # WAF takes the group's ARN without the ":*" its Arn attribute ends with.
    text = json.dumps(destination)
    assert ":log-group:" in text and group_id in text and ":*" not in text
    kept = {f["Conditions"][0]["ActionCondition"]["Action"] for f in props["LoggingFilter"]["Filters"]}
    assert props["LoggingFilter"]["DefaultBehavior"] == "DROP" and kept == {"BLOCK", "COUNT"}
