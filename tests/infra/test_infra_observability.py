"""Dashboard and alarms."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Synth

DLQS = ("ScoringDlq", "TriggersDlq", "NotifyDlq", "CadenceDlq")
FUNCTION_NAMES = ("Ingest", "Scoring", "Triggers", "Notify", "Interactions", "Cadence", "QuarantineReplay")


def _alarms(synth: Synth) -> list[dict[str, Any]]:
    return [a["Properties"] for a in synth.of_type("AWS::CloudWatch::Alarm").values()]


@pytest.mark.parametrize("dlq", DLQS)
def test_every_dlq_alarms_on_one_visible_message(synth: Synth, dlq: str) -> None:
    # Given the alarms watching this DLQ
    alarms = [
        a
        for a in _alarms(synth)
        if a.get("Dimensions") == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [dlq, "QueueName"]}}]
    ]
    # Then one fires as soon as a single message is visible
    assert len(alarms) == 1
    alarm = alarms[0]
    assert alarm["Namespace"] == "AWS/SQS"
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["Threshold"] == 1
    assert alarm["TreatMissingData"] == "notBreaching"


def test_failed_rule_evaluations_alarm(synth: Synth) -> None:
    # Given the alarms on the state machine
    alarms = [
        a
        for a in _alarms(synth)
        if a.get("Dimensions") == [{"Name": "StateMachineArn", "Value": {"Ref": "RuleEvaluation"}}]
    ]
    # Then one fires on the first failed execution
    assert [(a["Namespace"], a["MetricName"], a["Threshold"]) for a in alarms] == [
        ("AWS/States", "ExecutionsFailed", 1)
    ]


def test_dashboard_covers_functions_dlqs_workflow_api_and_custom_metrics(synth: Synth) -> None:
    # Given the dashboard
    dashboards = synth.of_type("AWS::CloudWatch::Dashboard")
    assert len(dashboards) == 1
    props = next(iter(dashboards.values()))["Properties"]
    assert props["DashboardName"] == "Boomerang"
    # When its body is rendered
    body = synth.flatten(props["DashboardBody"])
    # Then it graphs every function's invocations, errors and p99 duration
    for name in FUNCTION_NAMES:
        assert "${" + name + "}" in body, name
    for metric in ("Invocations", "Errors", "Duration", "p99"):
        assert metric in body
    # And every DLQ's depth, the state machine, the API's 4xx/5xx and the custom Boomerang metrics
    for dlq in DLQS:
        assert "${" + dlq + ".QueueName}" in body
    assert "ExecutionsFailed" in body
    assert "${RuleEvaluation}" in body
    assert "4xx" in body
    assert "5xx" in body
    assert "${HttpApi}" in body
    assert "SEARCH('{Boomerang,service}'" in body
