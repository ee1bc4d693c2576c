"""The REST API: exactly the route table's methods, our error body for everything the gateway answers."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from aws_cdk import Acknowledgment, Validations
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from functions.models.errors import error_body
from functions.routes import Route
from infra.config import StageConfig

METHOD_NOT_ALLOWED = error_body("method_not_allowed", "Method not allowed for this path")

# Responses API Gateway generates itself, mapped to our error format. A status of None keeps the
# gateway's own status (the DEFAULT_* families cover several codes).
GATEWAY_RESPONSES: Mapping[apigw.ResponseType, tuple[str | None, str, str]] = {
    # An unknown path (no resource) is reported by API Gateway as a missing auth token (403).
    apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN: ("404", "not_found", "Resource not found"),
    apigw.ResponseType.RESOURCE_NOT_FOUND: ("404", "not_found", "Resource not found"),
    apigw.ResponseType.THROTTLED: ("429", "throttled", "Too many requests, retry with backoff"),
    apigw.ResponseType.QUOTA_EXCEEDED: ("429", "throttled", "Too many requests, retry with backoff"),
    apigw.ResponseType.UNAUTHORIZED: ("401", "unauthenticated", "Missing or malformed Authorization header"),
    apigw.ResponseType.ACCESS_DENIED: ("403", "forbidden", "Access denied"),
    apigw.ResponseType.BAD_REQUEST_BODY: ("400", "validation_failed", "Malformed request body"),
    apigw.ResponseType.BAD_REQUEST_PARAMETERS: ("400", "validation_failed", "Malformed request parameters"),
    apigw.ResponseType.REQUEST_TOO_LARGE: ("413", "validation_failed", "Request body too large"),
    apigw.ResponseType.DEFAULT_4_XX: (None, "bad_request", "The request could not be processed"),
    apigw.ResponseType.DEFAULT_5_XX: ("500", "internal_error", "Unexpected server-side failure"),
}

# JSON access log line; requestId is the id API Gateway also hands the function
# (requestContext.requestId), so one id joins the access log and the function's logs.
ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "extendedRequestId": "$context.extendedRequestId",
    "requestTime": "$context.requestTimeEpoch",
    "ip": "$context.identity.sourceIp",
    "userAgent": "$context.identity.userAgent",
    "httpMethod": "$context.httpMethod",
    "path": "$context.path",
    "resourcePath": "$context.resourcePath",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    "latencyMs": "$context.responseLatency",
    "integrationLatencyMs": "$context.integration.latency",
    "integrationStatus": "$context.integration.status",
    "errorType": "$context.error.responseType",
    # Why the gateway answered an error itself (throttled, timeout, bad integration response), what
    # the integration failed with, the request's X-Ray trace, and the WAF's answer (prod).
    "errorMessage": "$context.error.message",
    "integrationErrorMessage": "$context.integrationErrorMessage",
    "xrayTraceId": "$context.xrayTraceId",
    "wafResponseCode": "$context.wafResponseCode",
}


class ApiConstruct(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        routes: Sequence[Route],
        functions: Mapping[str, lambda_.IFunction],
        config: StageConfig,
    ) -> None:
        super().__init__(scope, construct_id)
        access_logs = logs.LogGroup(
            self, "AccessLogs", retention=config.log_retention, removal_policy=config.removal_policy
        )
        self.api = apigw.RestApi(
            self,
            "RestApi",
            rest_api_name=self.rest_api_name(config),
            description="Quollo interviews API",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            # Access and execution logs need the account-level CloudWatch role of API Gateway.
            cloud_watch_role=True,
            deploy_options=apigw.StageOptions(
                stage_name=config.stage,
                throttling_rate_limit=config.throttling_rate_limit,
                throttling_burst_limit=config.throttling_burst_limit,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FIELDS)),
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,  # bodies carry tokens and personal data
                metrics_enabled=True,
                tracing_enabled=True,
            ),
        )
        self._execution_logs(config)
        for path in dict.fromkeys(route.path for route in routes):
            resource = self.api.root.resource_for_path(path)
            for route in routes:
                if route.path == path:
                    resource.add_method(
                        route.method,
                        apigw.LambdaIntegration(functions[route.name], proxy=True, allow_test_invoke=False),
                        operation_name=route.name,
                    )
            # The specific methods above take precedence; any other method on a known path lands here.
            resource.add_method("ANY", self._method_not_allowed(), method_responses=[self._405()])
        for response_type, (status, code, message) in GATEWAY_RESPONSES.items():
            self.api.add_gateway_response(
                f"{response_type.response_type}",
                type=response_type,
                status_code=status,
                templates={"application/json": error_body(code, message)},
                # A throttled client is told when to come back, as the functions' own 429 does.
                response_headers={"Content-Type": "'application/json'"}
                | ({"Retry-After": "'1'"} if status == "429" else {}),
            )
        self._acknowledge(waf=config.waf)

    @staticmethod
    def rest_api_name(config: StageConfig) -> str:
        """The API's name, also its metrics' ApiName dimension (the monitoring stack's alarms use it)."""
        return f"quollo-{config.stage}"

    def _execution_logs(self, config: StageConfig) -> logs.LogGroup:
        """The group API Gateway writes execution logs (ERROR level) to, made by the stack first, with
        retention: left to API Gateway, it is created on the first error and kept forever."""
        stage = self.api.deployment_stage
        group = logs.LogGroup(
            self,
            "ExecutionLogs",
            log_group_name=f"API-Gateway-Execution-Logs_{self.api.rest_api_id}/{config.stage}",
            retention=config.log_retention,
            removal_policy=config.removal_policy,
        )
        stage.node.add_dependency(group)
        return group

    @staticmethod
    def _method_not_allowed() -> apigw.MockIntegration:
        return apigw.MockIntegration(
            request_templates={"application/json": '{"statusCode": 405}'},
            passthrough_behavior=apigw.PassthroughBehavior.WHEN_NO_MATCH,
            # The only integration response has no selection pattern: it is the default, so
            # every request that reaches the mock gets the 405.
            integration_responses=[
                apigw.IntegrationResponse(
                    status_code="405", response_templates={"application/json": METHOD_NOT_ALLOWED}
                )
            ],
        )

    @staticmethod
    def _405() -> apigw.MethodResponse:
        return apigw.MethodResponse(status_code="405", response_models={"application/json": apigw.Model.EMPTY_MODEL})

    def _acknowledge(self, *, waf: bool) -> None:
        if not waf:
            Validations.of(self.api).acknowledge(
                Acknowledgment(
                    id="AwsSolutions-APIG3",
                    reason="WAF is off for this stage (-c waf=false; dev's default): stage throttling "
                    "and reserved concurrency bound abuse; prod associates a web ACL (infra/constructs/waf.py).",
                )
            )
        Validations.of(self.api).acknowledge(
            Acknowledgment(
                id="AwsSolutions-APIG2",
                reason="Requests are validated by each function (pydantic), so that failures use "
                "our 400 validation_failed body with field details.",
            ),
            Acknowledgment(
                id="AwsSolutions-APIG4",
                reason="Bearer tokens are checked by every function against the tokens table "
                "(hashed, revocable on the next request); the API reference defines their 401 codes.",
            ),
            Acknowledgment(
                id="AwsSolutions-COG4",
                reason="Callers are ATS systems using Quollo API tokens, not Cognito users; "
                "the functions authenticate every request.",
            ),
            Acknowledgment(
                id="AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AmazonAPIGatewayPushToCloudWatchLogs]",
                reason="API Gateway's account-level logging role; this AWS managed policy is the "
                "documented one and only allows writing API Gateway logs.",
            ),
        )
