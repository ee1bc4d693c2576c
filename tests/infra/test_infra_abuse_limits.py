"""Abuse limits: stage throttling and reserved concurrency per stage, and the WAF web ACL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.config import STAGE_DEFAULTS, StageConfig
from infra.constructs.waf import COUNT_ONLY_COMMON_RULES
from testkit.synth import Synth, synthesize

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
    [acl] = synth.resources("AWS::WAFv2::WebACL").values()
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
    assert StageConfig.from_context(App(context={"stage": "prod"}).node).reserved_concurrency == 50


def test_reserved_concurrency_on_every_function(synth: Synth) -> None:
    assert {p["ReservedConcurrentExecutions"] for p in synth.route_functions().values()} == {5}


def test_no_waf_in_dev_by_default(dev: Synth) -> None:
    assert dev.resources("AWS::WAFv2::WebACL") == {}
    assert dev.resources("AWS::WAFv2::WebACLAssociation") == {}


@pytest.mark.parametrize(("fixture", "limit"), [("prod", STAGE_DEFAULTS["prod"].waf_rate_limit), ("dev_with_waf", 300)])
def test_waf_web_acl_is_associated_with_the_stage(request: pytest.FixtureRequest, fixture: str, limit: int) -> None:
    synth: Synth = request.getfixturevalue(fixture)
    [acl_id] = synth.resources("AWS::WAFv2::WebACL")
    acl = web_acl(synth)
    assert acl["Scope"] == "REGIONAL" and acl["DefaultAction"] == {"Allow": {}}
    [association] = synth.resources("AWS::WAFv2::WebACLAssociation").values()
    assert association["Properties"]["WebACLArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    stage_id = synth.logical_id(synth.stack.api.api.deployment_stage.stage_name)
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
