"""The public HTTP API: vendor webhooks and Slack interactivity."""

from __future__ import annotations

import json

import jsii
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.constructs.naming import set_logical_id
from infra.nag import acknowledge

WEBHOOK_ROUTE = "/webhooks/{source}"
INTERACTIONS_ROUTE = "/slack/interactions"
THROTTLE_RATE_LIMIT = 50  # steady-state requests per second
THROTTLE_BURST_LIMIT = 100

#: HTTP API access-log line (JSON); see the $context variables of HTTP APIs. One line per webhook, so only what
#: an operator looks for: which request, from where, which source, what it answered and how fast (the method is
#: always POST, the time is the log event's own timestamp).
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "path": "$context.path",
        "status": "$context.status",
        "latency": "$context.responseLatency",
        "integrationLatency": "$context.integrationLatency",
        "integrationError": "$context.integrationErrorMessage",
        "error": "$context.error.message",
    },
    separators=(",", ":"),
)

UNAUTHENTICATED_ROUTE_REASON = (
    "Callers are third-party vendors (Delighted/CRM webhooks, Slack interactivity) that can neither sign "
    "with IAM nor obtain a JWT/Cognito token; every request is authenticated inside the function by "
    "verifying the vendor's HMAC signature (and timestamp) before anything is processed."
)


@jsii.implements(apigwv2.IAccessLogSettings)
class _AccessLogSettings:
    def __init__(self, log_group: logs.ILogGroup) -> None:
        self._destination = apigwv2.LogGroupLogDestination(log_group)
        self._format = apigateway.AccessLogFormat.custom(ACCESS_LOG_FORMAT)

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigateway.AccessLogFormat:
        return self._format


class Api(Construct):
    """HTTP API (payload format 2.0) with ``POST /webhooks/{source}`` and ``POST /slack/interactions``."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        ingest: lambda_.IFunction,
        interactions: lambda_.IFunction,
    ) -> None:
        super().__init__(scope, construct_id)
        self.http_api = apigwv2.HttpApi(
            self,
            "HttpApi",
            description="Boomerang: vendor webhooks and Slack interactivity",
            create_default_stage=False,
        )
        set_logical_id(self.http_api, "HttpApi")

        self.access_logs = logs.LogGroup(self, "AccessLogs", retention=logs.RetentionDays.THREE_MONTHS)
        set_logical_id(self.access_logs, "HttpApiAccessLogs")
        self.stage = apigwv2.HttpStage(
            self,
            "DefaultStage",
            http_api=self.http_api,
            stage_name="$default",
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(rate_limit=THROTTLE_RATE_LIMIT, burst_limit=THROTTLE_BURST_LIMIT),
            access_log_settings=_AccessLogSettings(self.access_logs),
        )
        set_logical_id(self.stage, "HttpApiDefaultStage")

        self.webhook_routes = self.http_api.add_routes(
            path=WEBHOOK_ROUTE,
            methods=[apigwv2.HttpMethod.POST],
            integration=self._integration("IngestIntegration", ingest),
        )
        self.interaction_routes = self.http_api.add_routes(
            path=INTERACTIONS_ROUTE,
            methods=[apigwv2.HttpMethod.POST],
            integration=self._integration("InteractionsIntegration", interactions),
        )
        for route in (*self.webhook_routes, *self.interaction_routes):
            acknowledge(route, "AwsSolutions-APIG4", UNAUTHENTICATED_ROUTE_REASON)

    @property
    def url(self) -> str:
        url = self.stage.url
        return url

    @staticmethod
    def _integration(name: str, fn: lambda_.IFunction) -> integrations.HttpLambdaIntegration:
        return integrations.HttpLambdaIntegration(
            name, fn, payload_format_version=apigwv2.PayloadFormatVersion.VERSION_2_0
        )
