"""The HTTP API: two routes to the right functions, access logs, throttling and the stack outputs."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Synth

ROUTES = {
    "POST /webhooks/{source}": "Ingest",
    "POST /slack/interactions": "Interactions",
}


def test_api_is_an_http_api(synth: Synth) -> None:
    # Given the API resource
    api = synth.props("HttpApi", "AWS::ApiGatewayV2::Api")
    # Then it is an HTTP API
    assert api["ProtocolType"] == "HTTP"


@pytest.mark.parametrize(("route_key", "function"), ROUTES.items())
def test_route_integrates_with_its_function_using_payload_v2(synth: Synth, route_key: str, function: str) -> None:
    # Given the route with this key
    routes = [r["Properties"] for r in synth.of_type("AWS::ApiGatewayV2::Route").values()]
    matching = [r for r in routes if r["RouteKey"] == route_key]
    assert len(matching) == 1, f"expected exactly one route {route_key}"
    route = matching[0]
    assert route["ApiId"] == {"Ref": "HttpApi"}
    # When following its target to the integration
    target = route["Target"]["Fn::Join"][1]
    assert target[0] == "integrations/"
    integration = synth.props(target[1]["Ref"], "AWS::ApiGatewayV2::Integration")
    # Then it is a Lambda proxy integration of the right function with payload format 2.0
    assert integration["IntegrationType"] == "AWS_PROXY"
    assert integration["IntegrationUri"] == {"Fn::GetAtt": [function, "Arn"]}
    assert integration["PayloadFormatVersion"] == "2.0"


def test_only_the_two_contract_routes_exist(synth: Synth) -> None:
    # Given every route of the API
    keys = {r["Properties"]["RouteKey"] for r in synth.of_type("AWS::ApiGatewayV2::Route").values()}
    # Then there are exactly the webhook and Slack routes
    assert keys == set(ROUTES)


def test_default_stage_logs_access_and_throttles(synth: Synth) -> None:
    # Given the API's stage
    stage = synth.props("HttpApiDefaultStage", "AWS::ApiGatewayV2::Stage")
    # Then it is the auto-deployed $default stage
    assert stage["StageName"] == "$default"
    assert stage["AutoDeploy"] is True
    # And access logs go to a log group with a retention, with the request ID in every line
    assert stage["AccessLogSettings"]["DestinationArn"] == {"Fn::GetAtt": ["HttpApiAccessLogs", "Arn"]}
    fields = json.loads(stage["AccessLogSettings"]["Format"])
    assert {"requestId", "ip", "path", "status", "latency", "integrationError", "error"} <= set(fields)
    assert synth.props("HttpApiAccessLogs", "AWS::Logs::LogGroup")["RetentionInDays"] > 0
    # And requests are throttled by default
    assert stage["DefaultRouteSettings"]["ThrottlingRateLimit"] > 0
    assert stage["DefaultRouteSettings"]["ThrottlingBurstLimit"] > 0


@pytest.mark.parametrize("function", ROUTES.values())
def test_only_api_gateway_of_this_api_may_invoke_the_http_functions(synth: Synth, function: str) -> None:
    # Given the Lambda permissions on an HTTP-facing function
    permissions = [
        p["Properties"]
        for p in synth.of_type("AWS::Lambda::Permission").values()
        if p["Properties"]["FunctionName"] == {"Fn::GetAtt": [function, "Arn"]}
    ]
    # Then API Gateway may invoke it, scoped to this API's execute-api ARN
    assert permissions
    for permission in permissions:
        assert permission["Principal"] == "apigateway.amazonaws.com"
        assert {"Ref": "HttpApi"} in permission["SourceArn"]["Fn::Join"][1]


def test_outputs_expose_the_api_url_and_resource_names(synth: Synth) -> None:
    # Given the stack outputs
    outputs = synth.outputs
    # Then the URL of the API and the names operators need are there
    assert {"Ref": "HttpApi"} in outputs["ApiUrl"]["Value"]["Fn::Join"][1]
    assert outputs["PortfolioTableName"]["Value"] == {"Ref": "PortfolioTable"}
    assert outputs["StateTableName"]["Value"] == {"Ref": "StateTable"}
    assert outputs["EventBusName"]["Value"] == {"Ref": "BoomerangBus"}
    assert outputs["SecretArn"]["Value"] == {"Ref": "BoomerangSecret"}
