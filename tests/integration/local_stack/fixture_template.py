"""A small CloudFormation template shaped like CDK's output (logical ids with hashes, Fn::Join'ed
DefinitionString, GetAtt/Ref everywhere, IAM and log resources the local stack must ignore)."""

from __future__ import annotations

from typing import Any

BUS = "BoomerangBus6D1F2A10"
PORTFOLIO = "PortfolioTableA1B2C3D4"
STATE = "StateTable8E1F2A3B"
IDEMPOTENCY = "IdempotencyTable5C6D7E8F"
SECRET = "BoomerangSecretF00DBABE"
SCORING_Q, SCORING_DLQ = "ScoringQueue1A2B3C4D", "ScoringDLQ9F8E7D6C"
TRIGGERS_Q, TRIGGERS_DLQ = "TriggersQueue2B3C4D5E", "TriggersDLQ8E7D6C5B"
NOTIFY_Q, NOTIFY_DLQ = "NotifyQueue3C4D5E6F", "NotifyDLQ7D6C5B4A"
INGEST, SCORING, TRIGGERS, NOTIFY = ("IngestFnAAAA1111", "ScoringFnBBBB2222", "TriggersFnCCCC3333", "NotifyFnDDDD4444")
ROLE = "FnServiceRole12345678"
MACHINE = "RuleEvaluation0A0B0C0D"
API, INTEGRATION, ROUTE = "HttpApiF5A6B7C8", "HttpApiIngestIntegration11223344", "HttpApiWebhookRoute55667788"


def _table(pk: str, sk: str | None, ttl: str) -> dict[str, Any]:
    keys = [{"AttributeName": pk, "KeyType": "HASH"}]
    attrs = [{"AttributeName": pk, "AttributeType": "S"}]
    if sk:
        keys.append({"AttributeName": sk, "KeyType": "RANGE"})
        attrs.append({"AttributeName": sk, "AttributeType": "S"})
    return {
        "Type": "AWS::DynamoDB::Table",
        "Properties": {
            "KeySchema": keys,
            "AttributeDefinitions": attrs,
            "BillingMode": "PAY_PER_REQUEST",
            "TimeToLiveSpecification": {"AttributeName": ttl, "Enabled": True},
        },
        "UpdateReplacePolicy": "Retain",
        "DeletionPolicy": "Retain",
    }


def _queue(dlq: str | None, visibility: int = 1) -> dict[str, Any]:
    props: dict[str, Any] = {"VisibilityTimeout": visibility, "MessageRetentionPeriod": 1209600}
    if dlq:
        props["RedrivePolicy"] = {"deadLetterTargetArn": {"Fn::GetAtt": [dlq, "Arn"]}, "maxReceiveCount": 2}
    return {"Type": "AWS::SQS::Queue", "Properties": props, "UpdateReplacePolicy": "Delete"}


def _rule(pattern: dict[str, Any], queue: str) -> dict[str, Any]:
    return {
        "Type": "AWS::Events::Rule",
        "Properties": {
            "EventBusName": {"Ref": BUS},
            "EventPattern": pattern,
            "State": "ENABLED",
            "Targets": [{"Arn": {"Fn::GetAtt": [queue, "Arn"]}, "Id": "Target0"}],
        },
    }


def _function(handler: str, service: str) -> dict[str, Any]:
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Code": {
                "S3Bucket": {"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"},
                "S3Key": "abc.zip",
            },
            "Handler": handler,
            "Role": {"Fn::GetAtt": [ROLE, "Arn"]},
            "Runtime": "python3.12",
            "MemorySize": 512,
            "Timeout": 10,
            "Environment": {
                "Variables": {
                    "EVENT_BUS_NAME": {"Ref": BUS},
                    "PORTFOLIO_TABLE": {"Ref": PORTFOLIO},
                    "STATE_TABLE": {"Ref": STATE},
                    "IDEMPOTENCY_TABLE": {"Ref": IDEMPOTENCY},
                    "SECRETS_ID": {"Ref": SECRET},
                    "BOOMERANG_CONFIG": "boomerang.toml",
                    "POWERTOOLS_SERVICE_NAME": service,
                    "POWERTOOLS_METRICS_NAMESPACE": "Boomerang",
                    "BUS_ARN_VIA_SUB": {"Fn::Sub": "${" + BUS + ".Arn}|${AWS::Region}"},
                }
            },
        },
        "DependsOn": [ROLE],
    }


def _esm(queue: str, fn: str) -> dict[str, Any]:
    return {
        "Type": "AWS::Lambda::EventSourceMapping",
        "Properties": {
            "EventSourceArn": {"Fn::GetAtt": [queue, "Arn"]},
            "FunctionName": {"Ref": fn},
            "BatchSize": 10,
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
        },
    }


DEFINITION_PARTS: list[Any] = [
    '{"StartAt":"Evaluate","States":{"Evaluate":{"Next":"Fired?","Retry":[{"ErrorEquals":'
    '["Lambda.ClientExecutionTimeoutException","Lambda.ServiceException","Lambda.AWSLambdaException",'
    '"Lambda.SdkClientException"],"IntervalSeconds":2,"MaxAttempts":6,"BackoffRate":2}],"Type":"Task",'
    '"OutputPath":"$.Payload","Resource":"arn:',
    {"Ref": "AWS::Partition"},
    ':states:::lambda:invoke","Parameters":{"FunctionName":"',
    {"Fn::GetAtt": [TRIGGERS, "Arn"]},
    '","Payload.$":"$"}},"Fired?":{"Type":"Choice","Choices":[{"Variable":"$.fired","BooleanEquals":true,'
    '"Next":"PutTriggerFired"}],"Default":"PutTriggerBlocked"},"PutTriggerFired":{"End":true,"Type":"Task",'
    '"Resource":"arn:',
    {"Ref": "AWS::Partition"},
    ':states:::events:putEvents","Parameters":{"Entries":[{"Detail.$":"$.detail","DetailType":"TriggerFired",'
    '"EventBusName":"',
    {"Ref": BUS},
    '","Source":"boomerang.triggers"}]}},"PutTriggerBlocked":{"End":true,"Type":"Task","Resource":"arn:',
    {"Ref": "AWS::Partition"},
    ':states:::events:putEvents","Parameters":{"Entries":[{"Detail.$":"$.detail","DetailType":'
    '"TriggerBlocked","EventBusName":"',
    {"Ref": BUS},
    '","Source":"boomerang.triggers"}]}}}}',
]

PKG = "fakesvc.handlers"


def template() -> dict[str, Any]:
    return {
        "Parameters": {
            "BootstrapVersion": {
                "Type": "AWS::SSM::Parameter::Value<String>",
                "Default": "/cdk-bootstrap/hnb659fds/version",
            }
        },
        "Resources": {
            BUS: {"Type": "AWS::Events::EventBus", "Properties": {"Name": "BoomerangBus"}},
            "BusArchive0F0F0F0F": {
                "Type": "AWS::Events::Archive",
                "Properties": {"SourceArn": {"Fn::GetAtt": [BUS, "Arn"]}},
            },
            PORTFOLIO: _table("pk", "sk", "expires_at"),
            STATE: _table("pk", "sk", "expires_at"),
            IDEMPOTENCY: _table("id", None, "expiration"),
            SECRET: {
                "Type": "AWS::SecretsManager::Secret",
                "Properties": {"GenerateSecretString": {}},
                "UpdateReplacePolicy": "Delete",
            },
            SCORING_DLQ: _queue(None, 30),
            SCORING_Q: _queue(SCORING_DLQ),
            TRIGGERS_DLQ: _queue(None, 30),
            TRIGGERS_Q: _queue(TRIGGERS_DLQ),
            NOTIFY_DLQ: _queue(None, 30),
            NOTIFY_Q: _queue(NOTIFY_DLQ),
            "ToScoring0A1B2C3D": _rule({"source": ["boomerang.ingest"]}, SCORING_Q),
            "ToTriggers1B2C3D4E": _rule({"source": ["boomerang.ingest"], "detail-type": ["NpsResponded"]}, TRIGGERS_Q),
            "ToNotify2C3D4E5F": _rule({"detail-type": ["TriggerFired", "AskApproved", "AskSkipped"]}, NOTIFY_Q),
            ROLE: {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}},
            "IngestLogGroup12121212": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 30}},
            INGEST: _function(f"{PKG}.ingest", "ingest"),
            SCORING: _function(f"{PKG}.score", "scoring"),
            TRIGGERS: _function(f"{PKG}.evaluate", "triggers"),
            NOTIFY: _function(f"{PKG}.notify", "notify"),
            "ScoringEsm0D0D0D0D": _esm(SCORING_Q, SCORING),
            "NotifyEsm0E0E0E0E": _esm(NOTIFY_Q, NOTIFY),
            MACHINE: {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {
                    "DefinitionString": {"Fn::Join": ["", DEFINITION_PARTS]},
                    "RoleArn": {"Fn::GetAtt": [ROLE, "Arn"]},
                    "StateMachineType": "EXPRESS",
                },
            },
            "TriggersPipe4F4F4F4F": {
                "Type": "AWS::Pipes::Pipe",
                "Properties": {
                    "RoleArn": {"Fn::GetAtt": [ROLE, "Arn"]},
                    "Source": {"Fn::GetAtt": [TRIGGERS_Q, "Arn"]},
                    "SourceParameters": {"SqsQueueParameters": {"BatchSize": 1}},
                    "Target": {"Ref": MACHINE},
                    "TargetParameters": {"StepFunctionStateMachineParameters": {"InvocationType": "FIRE_AND_FORGET"}},
                },
            },
            API: {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"Name": "Boomerang", "ProtocolType": "HTTP"}},
            "HttpApiDefaultStage9A9A9A9A": {
                "Type": "AWS::ApiGatewayV2::Stage",
                "Properties": {"ApiId": {"Ref": API}, "StageName": "$default", "AutoDeploy": True},
            },
            INTEGRATION: {
                "Type": "AWS::ApiGatewayV2::Integration",
                "Properties": {
                    "ApiId": {"Ref": API},
                    "IntegrationType": "AWS_PROXY",
                    "IntegrationUri": {"Fn::GetAtt": [INGEST, "Arn"]},
                    "PayloadFormatVersion": "2.0",
                },
            },
            ROUTE: {
                "Type": "AWS::ApiGatewayV2::Route",
                "Properties": {
                    "ApiId": {"Ref": API},
                    "AuthorizationType": "NONE",
                    "RouteKey": "POST /webhooks/{source}",
                    "Target": {"Fn::Join": ["", ["integrations/", {"Ref": INTEGRATION}]]},
                },
            },
            "IngestInvokePermission77777777": {"Type": "AWS::Lambda::Permission", "Properties": {}},
            "CDKMetadata": {"Type": "AWS::CDK::Metadata", "Properties": {"Analytics": "v2:deflate64:..."}},
        },
    }
