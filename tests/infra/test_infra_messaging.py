"""Bus, archive, routing rules and work queues (each with a DLQ)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Synth

QUEUES = {"ScoringQueue": "ScoringDlq", "TriggersQueue": "TriggersDlq", "NotifyQueue": "NotifyDlq"}
#: Queues that are a failure destination themselves (of a stream mapping), like a DLQ.
FAILURE_QUEUES = ("QuarantineReplayDlq", "CadenceDlq")
#: Queue -> the function whose timeout bounds the processing of one message.
CONSUMER = {"ScoringQueue": "Scoring", "TriggersQueue": "Triggers", "NotifyQueue": "Notify"}
RULES: dict[str, tuple[dict[str, Any], str]] = {
    "ToScoring": ({"source": ["boomerang.ingest"]}, "ScoringQueue"),
    # From boomerang.toml: the non-NPS peak types as they are, NPS answers only from the lowest min_score up
    "ToTriggers": (
        {
            "source": ["boomerang.ingest"],
            "detail-type": ["ExpansionSigned", "OnboardingCompleted", "RenewalSigned"],
        },
        "TriggersQueue",
    ),
    "ToTriggersNps": (
        {
            "source": ["boomerang.ingest"],
            "detail-type": ["NpsResponded"],
            "detail": {"data": {"score": [{"numeric": [">=", 9]}]}},
        },
        "TriggersQueue",
    ),
    "ToNotify": (
        {
            "source": ["boomerang.triggers", "boomerang.notify"],
            "detail-type": ["TriggerFired", "AskApproved", "AskSkipped"],
        },
        "NotifyQueue",
    ),
    # Scoring's own messages for people (never accepted from ingest: the source is boomerang.scoring)
    "ToNotifyHealth": (
        {
            "source": ["boomerang.scoring"],
            "detail-type": ["ExpansionSignal", "HealthCheckDue", "RedAccountEscalated"],
        },
        "NotifyQueue",
    ),
}
#: Dead-letter queues of senders other than a work queue (the cadence schedule's).


def test_bus_is_a_custom_bus_with_an_archive_of_everything(synth: Synth) -> None:
    # Given the bus and its archive
    synth.resource("BoomerangBus", "AWS::Events::EventBus")
    archive = synth.props("BoomerangBusArchive", "AWS::Events::Archive")
    # Then the archive reads from the bus, keeps events for a while, and matches every event of the account
    assert archive["SourceArn"] == {"Fn::GetAtt": ["BoomerangBus", "Arn"]}
    assert archive["RetentionDays"] >= 30
    assert archive["EventPattern"] == {"account": [{"Ref": "AWS::AccountId"}]}


@pytest.mark.parametrize(("queue", "dlq"), QUEUES.items())
def test_queue_redrives_to_its_own_dlq_after_five_receives(synth: Synth, queue: str, dlq: str) -> None:
    # Given a work queue
    props = synth.props(queue, "AWS::SQS::Queue")
    # Then failed messages move to its DLQ after 5 receives
    assert props["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": [dlq, "Arn"]}, "maxReceiveCount": 5}
    # And the DLQ itself keeps messages for the maximum 14 days
    assert synth.props(dlq, "AWS::SQS::Queue")["MessageRetentionPeriod"] == 14 * 24 * 3600


def test_every_queue_is_either_a_work_queue_with_a_dlq_or_a_dlq(synth: Synth) -> None:
    # Given every queue in the stack
    queues = synth.of_type("AWS::SQS::Queue")
    # Then each is one of the contract's queues, their DLQs or a failure destination; every other has a redrive
    assert set(queues) == set(QUEUES) | set(QUEUES.values()) | set(FAILURE_QUEUES)
    for logical_id, queue in queues.items():
        if logical_id not in (*QUEUES.values(), *FAILURE_QUEUES):
            assert "RedrivePolicy" in queue["Properties"], logical_id


@pytest.mark.parametrize("queue", [*QUEUES, *QUEUES.values(), *FAILURE_QUEUES])
def test_queue_is_encrypted_and_refuses_plain_http(synth: Synth, queue: str) -> None:
    # Given a queue and the policies attached to it
    props = synth.props(queue, "AWS::SQS::Queue")
    policies = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in synth.of_type("AWS::SQS::QueuePolicy").values()
        if {"Ref": queue} in p["Properties"]["Queues"]
    ]
    # Then it is encrypted at rest
    assert props["SqsManagedSseEnabled"] is True
    # And a policy denies every request not made over TLS
    denies = [s for statements in policies for s in statements if s["Effect"] == "Deny"]
    assert any(s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in denies)


@pytest.mark.parametrize("queue", QUEUES)
def test_visibility_timeout_is_at_least_six_times_the_consumer_timeout(synth: Synth, queue: str) -> None:
    # Given a work queue and the function that processes its messages
    visibility = synth.props(queue, "AWS::SQS::Queue")["VisibilityTimeout"]
    timeout = synth.props(CONSUMER[queue], "AWS::Lambda::Function")["Timeout"]
    # Then a message stays invisible long enough for retries of the function
    assert visibility >= 6 * timeout


@pytest.mark.parametrize(("rule", "expected"), RULES.items())
def test_rule_routes_its_pattern_to_its_queue_with_a_dlq_and_retries(
    synth: Synth, rule: str, expected: tuple[dict[str, Any], str]
) -> None:
    pattern, queue = expected
    # Given the rule
    props = synth.props(rule, "AWS::Events::Rule")
    # Then it listens on the Boomerang bus with the contract's event pattern
    assert props["EventBusName"] == {"Ref": "BoomerangBus"}
    assert props["EventPattern"] == pattern
    assert props["State"] == "ENABLED"
    # And its only target is the queue, with the whole event as the message body
    (target,) = props["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [queue, "Arn"]}
    assert not {"Input", "InputPath", "InputTransformer"} & set(target)
    # And undeliverable events go to the queue's DLQ after a bounded retry policy
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [QUEUES[queue], "Arn"]}}
    assert target["RetryPolicy"]["MaximumRetryAttempts"] > 0
    assert target["RetryPolicy"]["MaximumEventAgeInSeconds"] > 0


@pytest.mark.parametrize(("rule", "expected"), RULES.items())
def test_eventbridge_may_send_to_the_queue_and_its_dlq_only_for_this_rule(
    synth: Synth, rule: str, expected: tuple[dict[str, Any], str]
) -> None:
    _, queue = expected
    for target in (queue, QUEUES[queue]):
        # Given the resource policy statements of the target queue and of its DLQ
        statements = [
            s
            for p in synth.of_type("AWS::SQS::QueuePolicy").values()
            if {"Ref": target} in p["Properties"]["Queues"]
            for s in p["Properties"]["PolicyDocument"]["Statement"]
            if s["Effect"] == "Allow"
        ]
        # Then events.amazonaws.com may send messages, conditioned on this rule's ARN
        assert any(
            s["Principal"] == {"Service": "events.amazonaws.com"}
            and s["Condition"]["ArnEquals"]["aws:SourceArn"] == {"Fn::GetAtt": [rule, "Arn"]}
            for s in statements
        ), f"{target} does not accept {rule}"
