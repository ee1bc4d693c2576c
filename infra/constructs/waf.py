"""An AWS WAF web ACL on the API stage: AWS managed rule groups, a per-IP rate limit, and our 401 to
`/v1/` requests without a Quollo token, answered before any function runs; its log, Authorization redacted.

On by default in prod (`-c waf=true|false`); see docs/decisions.md, 14 for what it costs and why
two rules of the Common rule set only count.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from functions.domain.tokens import PREFIX as TOKEN_FORMAT_PREFIX
from functions.models.errors import error_body
from functions.routes import Route
from infra.config import StageConfig

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
# Requests to /v1/ without `Authorization: Bearer qlo_...` are answered 401 here: each would otherwise
# invoke a function and write a failure count to the ratelimits table. After the reputation list and
# the rate rule (a flood of them is still limited per IP), before the content rules.
TOKEN_RULE_PRIORITY = 25
# Every token starts so (`qlo_live_` today: functions/domain/tokens.py); the WAF holds only this much.
TOKEN_PREFIX = "qlo_"  # noqa: S105 - a format prefix, not a secret
assert TOKEN_FORMAT_PREFIX.startswith(TOKEN_PREFIX)
UNAUTHENTICATED_BODY_KEY = "unauthenticated"
UNAUTHENTICATED_MESSAGE = f'Missing or malformed Authorization header: expected "Bearer {TOKEN_PREFIX}..."'
# WAF sends logs only to a log group whose name starts so.
LOG_GROUP_PREFIX = "aws-waf-logs-"


class Waf(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: apigw.Stage,
        rate_limit: int,
        name: str,
        routes: Sequence[Route],
        config: StageConfig,
    ) -> None:
        super().__init__(scope, construct_id)
        self.name = name
        rules = [self._rate_rule(rate_limit), self._token_rule(config.stage, routes)]
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
                ),
                # The function's own answer to a request without a token (docs/api.md, Errors).
                UNAUTHENTICATED_BODY_KEY: wafv2.CfnWebACL.CustomResponseBodyProperty(
                    content_type="APPLICATION_JSON",
                    content=error_body("unauthenticated", UNAUTHENTICATED_MESSAGE),
                ),
            },
            rules=rules,
        )
        self.association = wafv2.CfnWebACLAssociation(
            self, "Association", resource_arn=stage.stage_arn, web_acl_arn=self.web_acl.attr_arn
        )
        self.log_group = self._logging(name, config)

    def _logging(self, name: str, config: StageConfig) -> logs.LogGroup:
        """Blocked and counted requests to `aws-waf-logs-<name>`, the Authorization header redacted (a
        token in a log is a leaked token). Allowed requests are in the API's access log already."""
        group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"{LOG_GROUP_PREFIX}{name}",
            retention=config.log_retention,
            removal_policy=config.removal_policy,
        )
        # The group's ARN without the ":*" that its Arn attribute ends with, which WAF refuses.
        arn = Stack.of(self).format_arn(
            service="logs",
            resource="log-group",
            resource_name=group.log_group_name,
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )

        logging = wafv2.CfnLoggingConfiguration(
            self,
            "Logging",
            resource_arn=self.web_acl.attr_arn,
            log_destination_configs=[arn],
            redacted_fields=[
                wafv2.CfnLoggingConfiguration.FieldToMatchProperty(single_header={"Name": "authorization"})
            ],
            # Raw CloudFormation (the property is untyped JSON in the CDK): keep what a rule blocked or counted.
            logging_filter={
                "DefaultBehavior": "DROP",
                "Filters": [
                    {"Behavior": "KEEP", "Requirement": "MEETS_ANY", "Conditions": [{"ActionCondition": {"Action": a}}]}
                    for a in ("BLOCK", "COUNT")
                ],
            },
        )
        logging.node.add_dependency(group)
        return group

    def _token_rule(self, stage: str, routes: Sequence[Route]) -> wafv2.CfnWebACL.RuleProperty:
        """401 for /v1/ requests whose Authorization is not `Bearer qlo_...`; public routes exempt.

        The path is matched with and without the stage (the default endpoint has it, a custom domain
        not). The header is lowercased and its spaces compressed as the functions read it (the scheme
        is case-insensitive, spaces before the token are skipped). A token with that prefix still goes
        to the function, which alone knows whether it is valid.
        """
        statement = wafv2.CfnWebACL.StatementProperty
        v1 = statement(
            or_statement=wafv2.CfnWebACL.OrStatementProperty(
                statements=[self._path_starts_with(prefix) for prefix in (f"/{stage}/v1/", "/v1/")]
            )
        )
        bearer = statement(
            byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
                field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(single_header={"Name": "authorization"}),
                positional_constraint="STARTS_WITH",
                search_string=f"bearer {TOKEN_PREFIX}",
                text_transformations=[
                    wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="COMPRESS_WHITE_SPACE"),
                    wafv2.CfnWebACL.TextTransformationProperty(priority=1, type="LOWERCASE"),
                ],
            )
        )
        conditions = [v1, statement(not_statement=wafv2.CfnWebACL.NotStatementProperty(statement=bearer))]
        public = [route for route in routes if route.public]
        if public:
            conditions.append(
                statement(
                    not_statement=wafv2.CfnWebACL.NotStatementProperty(statement=self._public_paths(stage, public))
                )
            )
        return wafv2.CfnWebACL.RuleProperty(
            name="TokenRequired",
            priority=TOKEN_RULE_PRIORITY,
            statement=statement(and_statement=wafv2.CfnWebACL.AndStatementProperty(statements=conditions)),
            action=wafv2.CfnWebACL.RuleActionProperty(
                block=wafv2.CfnWebACL.BlockActionProperty(
                    custom_response=wafv2.CfnWebACL.CustomResponseProperty(
                        response_code=401, custom_response_body_key=UNAUTHENTICATED_BODY_KEY
                    )
                )
            ),
            visibility_config=self._visibility("TokenRequired"),
        )

    @staticmethod
    def _path_starts_with(prefix: str) -> wafv2.CfnWebACL.StatementProperty:
        return wafv2.CfnWebACL.StatementProperty(
            byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
                field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(uri_path={}),
                positional_constraint="STARTS_WITH",
                search_string=prefix,
                text_transformations=[wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")],
            )
        )

    @staticmethod
    def _public_paths(stage: str, routes: Sequence[Route]) -> wafv2.CfnWebACL.StatementProperty:
        """The public routes' paths, each {parameter} one path segment, with or without the stage."""
        statements = [
            wafv2.CfnWebACL.StatementProperty(
                regex_match_statement=wafv2.CfnWebACL.RegexMatchStatementProperty(
                    field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(uri_path={}),
                    regex_string=public_path_regex(stage, path),
                    text_transformations=[wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")],
                )
            )
            for path in dict.fromkeys(route.path for route in routes)
        ]
        if len(statements) == 1:
            return statements[0]
        return wafv2.CfnWebACL.StatementProperty(
            or_statement=wafv2.CfnWebACL.OrStatementProperty(statements=statements)
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


def public_path_regex(stage: str, path: str) -> str:
    """`path` (a route table template) as a regular expression over the request's URI path."""
    parts = re.split(r"\{\w+\}", path)
    return f"^(/{re.escape(stage)})?" + "[^/]+".join(re.escape(part) for part in parts) + "$"
