"""An AWS WAF web ACL on the API stage: AWS managed rule groups and a per-IP rate limit.

On by default in prod (`-c waf=true|false`); see docs/decisions.md, 14 for what it costs and why
two rules of the Common rule set only count.
"""

from __future__ import annotations

from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from functions.models.errors import error_body

# (rule group, priority). Lower priorities are evaluated first: the cheap IP reputation list
# before the rate count and the content inspection.
MANAGED_RULE_GROUPS = (
    ("AWSManagedRulesAmazonIpReputationList", 10),
    ("AWSManagedRulesKnownBadInputsRuleSet", 30),
    ("AWSManagedRulesCommonRuleSet", 40),
)
RATE_RULE_PRIORITY = 20
# Rules of the Common rule set that would block legitimate calls, so they only count:
# - SizeRestrictions_BODY blocks bodies over 8 KB, but `metadata` alone may take 10 KB and the
#   functions accept 64 KB (and answer 400 past it, in our error format);
# - NoUserAgent_HEADER: server-to-server ATS clients need not send a User-Agent; the API never
#   asked for one.
COUNT_ONLY_COMMON_RULES = ("SizeRestrictions_BODY", "NoUserAgent_HEADER")
THROTTLED_BODY_KEY = "throttled"


class Waf(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, stage: apigw.Stage, rate_limit: int, name: str) -> None:
        super().__init__(scope, construct_id)
        rules = [self._rate_rule(rate_limit)]
        rules += [self._managed(group, priority) for group, priority in MANAGED_RULE_GROUPS]
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            name=name,
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=self._visibility(name),
            # The rate rule answers 429 in our error format, like the stage throttling does.
            custom_response_bodies={
                THROTTLED_BODY_KEY: wafv2.CfnWebACL.CustomResponseBodyProperty(
                    content_type="APPLICATION_JSON",
                    content=error_body("throttled", "Too many requests, retry with backoff"),
                )
            },
            rules=rules,
        )
        self.association = wafv2.CfnWebACLAssociation(
            self, "Association", resource_arn=stage.stage_arn, web_acl_arn=self.web_acl.attr_arn
        )

    @staticmethod
    def _visibility(metric_name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
        return wafv2.CfnWebACL.VisibilityConfigProperty(
            cloud_watch_metrics_enabled=True, metric_name=metric_name, sampled_requests_enabled=True
        )

    def _rate_rule(self, limit: int) -> wafv2.CfnWebACL.RuleProperty:
        return wafv2.CfnWebACL.RuleProperty(
            name="RatePerIp",
            priority=RATE_RULE_PRIORITY,
            statement=wafv2.CfnWebACL.StatementProperty(
                rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                    aggregate_key_type="IP", limit=limit, evaluation_window_sec=300
                )
            ),
            action=wafv2.CfnWebACL.RuleActionProperty(
                block=wafv2.CfnWebACL.BlockActionProperty(
                    custom_response=wafv2.CfnWebACL.CustomResponseProperty(
                        response_code=429,
                        custom_response_body_key=THROTTLED_BODY_KEY,
                        # The rule counts over 5 minutes; a minute is a fair first wait.
                        response_headers=[wafv2.CfnWebACL.CustomHTTPHeaderProperty(name="Retry-After", value="60")],
                    )
                )
            ),
            visibility_config=self._visibility("RatePerIp"),
        )

    def _managed(self, group: str, priority: int) -> wafv2.CfnWebACL.RuleProperty:
        overrides = None
        if group == "AWSManagedRulesCommonRuleSet":
            overrides = [
                wafv2.CfnWebACL.RuleActionOverrideProperty(
                    name=rule, action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={})
                )
                for rule in COUNT_ONLY_COMMON_RULES
            ]
        return wafv2.CfnWebACL.RuleProperty(
            name=group,
            priority=priority,
            statement=wafv2.CfnWebACL.StatementProperty(
                managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                    vendor_name="AWS", name=group, rule_action_overrides=overrides
                )
            ),
            # Managed groups carry their own actions (block); "none" keeps them.
            override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
            visibility_config=self._visibility(group),
        )
