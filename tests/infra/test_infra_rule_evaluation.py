"""RuleEvaluation (EXPRESS state machine) and TriggersPipe (TriggersQueue -> state machine)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Synth


@pytest.fixture(scope="module")
def definition(synth: Synth) -> dict[str, Any]:
    props = synth.props("RuleEvaluation", "AWS::StepFunctions::StateMachine")
    parsed: dict[str, Any] = json.loads(synth.flatten(props["DefinitionString"]))
    return parsed


def test_state_machine_is_express_logging_without_personal_data_and_sampled_tracing(synth: Synth) -> None:
    # Given the state machine
    props = synth.props("RuleEvaluation", "AWS::StepFunctions::StateMachine")
    # Then it is an EXPRESS workflow
    assert props["StateMachineType"] == "EXPRESS"
    # And it logs every transition, never the execution data (emails, survey comments), to its log group
    logging = props["LoggingConfiguration"]
    assert logging["Level"] == "ALL"
    assert logging["IncludeExecutionData"] is False
    assert logging["Destinations"] == [
        {"CloudWatchLogsLogGroup": {"LogGroupArn": {"Fn::GetAtt": ["RuleEvaluationLogs", "Arn"]}}}
    ]
    assert synth.props("RuleEvaluationLogs", "AWS::Logs::LogGroup")["RetentionInDays"] > 0
    # And X-Ray tracing is on, for a fixed 5 % of executions (no per-second reservoir)
    assert props["TracingConfiguration"] == {"Enabled": True}
    rule = synth.props("RuleEvaluationSampling", "AWS::XRay::SamplingRule")["SamplingRule"]
    assert (rule["FixedRate"], rule["ReservoirSize"]) == (0.05, 0)
    assert rule["ServiceType"] == "AWS::StepFunctions::StateMachine"
    assert rule["ServiceName"] == {"Fn::GetAtt": ["RuleEvaluation", "Name"]}


def test_evaluate_invokes_triggers_and_retries_lambda_service_errors(definition: dict[str, Any]) -> None:
    # Given the first state
    assert definition["StartAt"] == "Evaluate"
    evaluate = definition["States"]["Evaluate"]
    # Then it invokes the Triggers function directly (payload only) and replaces the state with its result
    assert evaluate["Type"] == "Task"
    assert evaluate["Resource"] == "${Triggers.Arn}"
    assert evaluate["ResultPath"] == "$"
    assert evaluate["Next"] == "Outcome?"
    # And it retries Lambda service errors
    retried = {error for retry in evaluate["Retry"] for error in retry["ErrorEquals"]}
    assert {"Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException"} <= retried


def test_outcome_choice_routes_fired_blocked_and_everything_else(definition: dict[str, Any]) -> None:
    # Given the choice state
    choice = definition["States"]["Outcome?"]
    # Then "fired" and "blocked" are published, anything else succeeds without publishing
    assert choice["Type"] == "Choice"
    assert [(c["Variable"], c["StringEquals"], c["Next"]) for c in choice["Choices"]] == [
        ("$.outcome", "fired", "PublishFired"),
        ("$.outcome", "blocked", "PublishBlocked"),
    ]
    assert definition["States"][choice["Default"]]["Type"] == "Succeed"


@pytest.mark.parametrize(
    ("state", "detail_type"), [("PublishFired", "TriggerFired"), ("PublishBlocked", "TriggerBlocked")]
)
def test_publish_puts_the_evaluated_event_on_the_bus(definition: dict[str, Any], state: str, detail_type: str) -> None:
    # Given a publish state
    publish = definition["States"][state]
    # Then it puts exactly one event on the Boomerang bus, whose detail is the returned envelope
    assert publish["Resource"] == "arn:${AWS::Partition}:states:::events:putEvents"
    assert publish["Parameters"]["Entries"] == [
        {
            "EventBusName": "${BoomerangBus.Arn}",
            "Source": "boomerang.triggers",
            "DetailType": detail_type,
            "Detail.$": "$.event",
        }
    ]
    # And then the execution succeeds
    assert definition["States"][publish["Next"]]["Type"] == "Succeed"


def test_state_machine_role_can_only_invoke_triggers_and_publish_to_the_bus(synth: Synth) -> None:
    # Given the state machine's role
    permissions = synth.role_permissions("RuleEvaluationRole")
    # Then it may invoke the Triggers function and put events on the bus
    assert permissions["Triggers"] == {"lambda:InvokeFunction"}
    assert permissions["${Triggers.Arn}:*"] == {"lambda:InvokeFunction"}
    assert permissions["BoomerangBus"] == {"events:PutEvents"}
    # And the only other permissions are log delivery and X-Ray (no resource-level permissions exist)
    assert {a.split(":")[0] for a in permissions["*"]} == {"logs", "xray"}
    assert set(permissions) == {"Triggers", "${Triggers.Arn}:*", "BoomerangBus", "*"}


def test_pipe_feeds_the_state_machine_from_the_triggers_queue(synth: Synth) -> None:
    # Given the pipe
    props = synth.props("TriggersPipe", "AWS::Pipes::Pipe")
    # Then it reads TriggersQueue one record at a time
    assert props["Source"] == {"Fn::GetAtt": ["TriggersQueue", "Arn"]}
    assert props["SourceParameters"]["SqsQueueParameters"]["BatchSize"] == 1
    # And it starts the RuleEvaluation state machine asynchronously, without reshaping the input
    assert props["Target"] == {"Ref": "RuleEvaluation"}
    assert props["TargetParameters"] == {"StepFunctionStateMachineParameters": {"InvocationType": "FIRE_AND_FORGET"}}
    # And it logs errors to its own log group
    assert props["LogConfiguration"]["CloudwatchLogsLogDestination"] == {
        "LogGroupArn": {"Fn::GetAtt": ["TriggersPipeLogs", "Arn"]}
    }


def test_pipe_role_only_consumes_the_queue_and_starts_executions(synth: Synth) -> None:
    # Given the pipe
    props = synth.props("TriggersPipe", "AWS::Pipes::Pipe")
    assert props["RoleArn"] == {"Fn::GetAtt": ["TriggersPipeRole", "Arn"]}
    role = synth.props("TriggersPipeRole", "AWS::IAM::Role")
    # Then its role is assumable by EventBridge Pipes only
    assert [s["Principal"] for s in role["AssumeRolePolicyDocument"]["Statement"]] == [
        {"Service": "pipes.amazonaws.com"}
    ]
    # And it may read/delete from the queue, start the state machine and write its logs, nothing else
    assert synth.role_permissions("TriggersPipeRole") == {
        "TriggersQueue": {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"},
        "RuleEvaluation": {"states:StartExecution"},
        "TriggersPipeLogs": {"logs:CreateLogStream", "logs:PutLogEvents"},
    }
