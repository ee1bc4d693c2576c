"""Abuse limits: stage throttling and reserved concurrency per stage, and the WAF web ACL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from functions.routes import ROUTES
from functions.workers import WORKERS
from infra.app import build_app
from infra.concurrency import LAMBDA_UNRESERVED_MINIMUM, reservations
from infra.config import STAGE_DEFAULTS, STAGES, StageConfig
from infra.constructs.waf import COUNT_ONLY_COMMON_RULES
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
    [acl] = synth.api.resources("AWS::WAFv2::WebACL").values()
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
    assert dev.api.resources("AWS::WAFv2::WebACL") == {}
    assert dev.api.resources("AWS::WAFv2::WebACLAssociation") == {}


@pytest.mark.parametrize(("fixture", "limit"), [("prod", STAGE_DEFAULTS["prod"].waf_rate_limit), ("dev_with_waf", 300)])
def test_waf_web_acl_is_associated_with_the_stage(request: pytest.FixtureRequest, fixture: str, limit: int) -> None:
    synth: Synth = request.getfixturevalue(fixture)
    [acl_id] = synth.api.resources("AWS::WAFv2::WebACL")
    acl = web_acl(synth)
    assert acl["Scope"] == "REGIONAL" and acl["DefaultAction"] == {"Allow": {}}
    [association] = synth.api.resources("AWS::WAFv2::WebACLAssociation").values()
    assert association["Properties"]["WebACLArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    stage_id = synth.api.logical_id(synth.stack.api.api.deployment_stage.stage_name)
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
