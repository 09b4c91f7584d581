"""cdk-nag (AwsSolutions) runs on every synth, and nothing is left unacknowledged."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from aws_cdk import App, Stack, Validations
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_sqs as sqs

from infra.main import project_context
from infra.nag import PACK, acknowledge, enable_nag

if TYPE_CHECKING:
    from conftest import Synth


def _acknowledgements(app: App) -> dict[tuple[str, str], str]:
    """(construct path, acknowledged id) -> reason, for every acknowledgement made in the app."""
    found: dict[tuple[str, str], str] = {}
    for construct in app.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                data: dict[str, Any] = entry.data
                for rule_id, reason in data.items():
                    found[(construct.node.path, rule_id)] = reason
    return found


def _nag_report(synth: Synth) -> dict[str, Any]:
    reports = [r for r in synth.report["pluginReports"] if r["pluginName"] == PACK]
    assert len(reports) == 1, "cdk-nag did not run"
    report: dict[str, Any] = reports[0]
    return report


def test_no_unacknowledged_findings(synth: Synth) -> None:
    # Given the validation report written by the session's synth (which would have raised on a finding)
    reports = synth.report["pluginReports"]
    # Then cdk-nag concluded successfully with no open violation
    nag = _nag_report(synth)
    assert nag["conclusion"] == "success"
    assert nag["violations"] == []
    # And no other validation plugin reported anything either
    assert [v for r in reports for v in r.get("violations", [])] == []


def test_every_suppressed_finding_carries_a_specific_reason(synth: Synth) -> None:
    # Given the findings that were acknowledged
    suppressed = _nag_report(synth)["suppressedViolations"]
    # Then each one was acknowledged with a real explanation on the resource or an ancestor
    for finding in suppressed:
        assert len(finding["reason"].split()) >= 10, finding["ruleName"]
        for construct in finding["violatingConstructs"]:
            assert construct["constructPath"].startswith(finding["acknowledgedAt"] + "/")


def test_every_acknowledgement_is_used(synth: Synth) -> None:
    # Given every acknowledgement made anywhere in the app
    acknowledgements = _acknowledgements(synth.app)
    assert acknowledgements
    # When compared with the findings they suppressed
    used = {(f["acknowledgedAt"], f["acknowledgedId"]) for f in _nag_report(synth)["suppressedViolations"]}
    # Then none is stale (each matches at least one finding)
    assert set(acknowledgements) == used


def test_nag_fails_synthesis_on_an_unacknowledged_finding(tmp_path: Any) -> None:
    # Given an app wired like Boomerang's, with a queue that has neither a DLQ nor TLS enforcement
    app = App(outdir=str(tmp_path), context=project_context())
    stack = Stack(app, "NagProbe")
    sqs.Queue(stack, "Careless", encryption=sqs.QueueEncryption.SQS_MANAGED)
    enable_nag(app)
    # When it is synthesized
    # Then synthesis fails and names the rules
    with pytest.raises(Exception, match=r"AwsSolutions-SQS3[\s\S]*AwsSolutions-SQS4|AwsSolutions-SQS4"):
        app.synth()


def test_nag_warnings_fail_synthesis_too(tmp_path: Any) -> None:
    # Given an app wired like Boomerang's, with a table without point-in-time recovery (a *warning* rule)
    app = App(outdir=str(tmp_path), context=project_context())
    stack = Stack(app, "NagProbe")
    dynamodb.Table(stack, "NoPitr", partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING))
    enable_nag(app)
    # When it is synthesized
    # Then synthesis fails on the warning
    with pytest.raises(Exception, match="AwsSolutions-DDB3"):
        app.synth()


def test_acknowledged_finding_does_not_fail_synthesis(tmp_path: Any) -> None:
    # Given the same careless queue, but with both findings acknowledged
    app = App(outdir=str(tmp_path), context=project_context())
    stack = Stack(app, "NagProbe")
    queue = sqs.Queue(stack, "Careless", encryption=sqs.QueueEncryption.SQS_MANAGED)
    acknowledge(queue, "AwsSolutions-SQS3", "Probe queue used only by this test; it never holds real messages.")
    acknowledge(queue, "AwsSolutions-SQS4", "Probe queue used only by this test; it is never deployed anywhere.")
    enable_nag(app)
    # When it is synthesized
    app.synth()
    # Then it succeeds (no exception)


def test_acknowledgement_requires_a_reason_and_a_pack_rule() -> None:
    # Given a construct
    stack = Stack(App(), "NagProbe")
    # Then an empty reason or a foreign rule ID is refused
    with pytest.raises(ValueError, match="needs a reason"):
        acknowledge(stack, "AwsSolutions-SQS3", "  ")
    with pytest.raises(ValueError, match="not an AwsSolutions rule"):
        acknowledge(stack, "Serverless-LambdaDLQ", "a reason")
