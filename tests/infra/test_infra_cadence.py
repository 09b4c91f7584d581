"""The cadence schedule: EventBridge Scheduler → the Cadence function, with retries and a dead-letter queue."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Synth


def test_schedule_runs_the_cadence_function_hourly_with_retries_and_a_dlq(synth: Synth) -> None:
    # Given the schedule
    (schedule,) = synth.of_type("AWS::Scheduler::Schedule").values()
    props = schedule["Properties"]
    # Then it fires every hour, on time, and targets the Cadence function
    assert props["ScheduleExpression"] == "rate(1 hour)"
    assert props["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert props["State"] == "ENABLED"
    target = props["Target"]
    assert target["Arn"] == {"Fn::GetAtt": ["Cadence", "Arn"]}
    # And a failed invocation is retried, then kept in its own DLQ
    assert target["RetryPolicy"]["MaximumRetryAttempts"] >= 1
    assert target["RetryPolicy"]["MaximumEventAgeInSeconds"] <= 3600
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["CadenceDlq", "Arn"]}}
    # And the input names the scheduled moment, so a retry runs as of the same moment
    assert json.loads(target["Input"]) == {"job": "cadence", "scheduled_time": "<aws.scheduler.scheduled-time>"}
    assert target["RoleArn"] == {"Fn::GetAtt": ["CadenceSchedulerRole", "Arn"]}


def test_scheduler_role_may_only_invoke_the_cadence_function_and_dead_letter(synth: Synth) -> None:
    # Given the scheduler's role
    role = synth.props("CadenceSchedulerRole", "AWS::IAM::Role")
    (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
    # Then only EventBridge Scheduler of this account can assume it
    assert statement["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    # And it may invoke the Cadence function and send to CadenceDlq, nothing else
    assert synth.role_permissions("CadenceSchedulerRole") == {
        "Cadence": {"lambda:InvokeFunction"},
        "${Cadence.Arn}:*": {"lambda:InvokeFunction"},
        "CadenceDlq": {"sqs:SendMessage"},
    }


def test_cadence_function_has_no_queue_and_a_timeout_for_a_batch_of_due_accounts(synth: Synth) -> None:
    props = synth.props("Cadence", "AWS::Lambda::Function")
    assert props["Handler"] == "services.scoring.handlers.cadence.handler"
    assert 60 <= props["Timeout"] <= 900
    consumers = {
        m["Properties"]["FunctionName"]["Ref"] for m in synth.of_type("AWS::Lambda::EventSourceMapping").values()
    }
    assert "Cadence" not in consumers
