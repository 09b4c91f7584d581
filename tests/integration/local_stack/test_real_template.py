"""The synthesized CDK template (cdk.out/Boomerang.template.json), when present, deploys locally."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from boomerang.local import LocalStack

REAL = Path(__file__).resolve().parents[3] / "cdk.out" / "Boomerang.template.json"
pytestmark = pytest.mark.skipif(not REAL.exists(), reason="cdk.out/Boomerang.template.json not synthesized")

CONTRACT_HANDLERS = {
    "services.ingest.handlers.webhook.handler",
    "services.scoring.handlers.consume.handler",
    "services.triggers.handlers.evaluate.handler",
    "services.notify.handlers.deliver.handler",
    "services.notify.handlers.interactions.handler",
}


def test_real_template_deploys_to_moto() -> None:
    # Given the real template, handlers not imported, no portfolio
    with LocalStack(port=0, template_path=REAL, load_portfolio=False, warm=False, stdout=io.StringIO()) as s:
        d = s.deployment
        assert d is not None
        # Then every contract handler is wired
        assert {fn.handler_path for fn in d.functions.functions.values()} >= CONTRACT_HANDLERS
        consumers = {m.function.handler_path for m in d.mappings}
        assert consumers == {"services.scoring.handlers.consume.handler", "services.notify.handlers.deliver.handler"}
        assert all(m.report_batch_item_failures for m in d.mappings)
        assert len(d.pipes) == 1
        assert d.pipes[0].state_machine_arn in d.state_machines.values()
        routes = {r.route_key: r.function.handler_path for r in d.routes}
        assert routes["POST /webhooks/{source}"] == "services.ingest.handlers.webhook.handler"
        assert routes["POST /slack/interactions"] == "services.notify.handlers.interactions.handler"
        # And the environment resolves to local resources
        for var in ("EVENT_BUS_NAME", "PORTFOLIO_TABLE", "STATE_TABLE", "IDEMPOTENCY_TABLE", "SECRETS_ID"):
            assert var in s.environment, var
        ddb = s.client("dynamodb")
        assert (
            ddb.describe_time_to_live(TableName=s.environment["STATE_TABLE"])["TimeToLiveDescription"]["AttributeName"]
            == "expires_at"
        )
        assert (
            ddb.describe_time_to_live(TableName=s.environment["IDEMPOTENCY_TABLE"])["TimeToLiveDescription"][
                "AttributeName"
            ]
            == "expiration"
        )
        sqs = s.client("sqs")
        for q in d.queues.values():
            if not q.name.lower().endswith("dlq"):
                attrs = sqs.get_queue_attributes(QueueUrl=q.url, AttributeNames=["RedrivePolicy"])["Attributes"]
                assert json.loads(attrs["RedrivePolicy"])["deadLetterTargetArn"].lower().endswith("dlq")
        events = s.client("events")
        bus = s.environment["EVENT_BUS_NAME"]
        for rule in d.rules.values():
            targets = events.list_targets_by_rule(Rule=rule, EventBusName=bus)["Targets"]
            assert targets
            assert all(t["Arn"].startswith("arn:aws:sqs:") for t in targets)
        secret = s.client("secretsmanager").get_secret_value(SecretId=s.environment["SECRETS_ID"])
        from services.ingest.logic.sources import sources

        expected = {src.secret_key for src in sources().values()} | {"slack_signing_secret", "slack_bot_token"}
        assert set(json.loads(secret["SecretString"])) == expected
        # And the raw archive and the quarantine exist locally: a bucket with a Firehose stream into it, the
        # quarantine table, and the replay function on the portfolio's stream (with its filter)
        assert s.environment["RAW_ARCHIVE_BUCKET"] == d.buckets["RawArchiveBucket"]
        assert s.environment["RAW_ARCHIVE_STREAM"] == d.delivery_streams["RawArchiveStream"]
        assert s.environment["QUARANTINE_TABLE"] in d.tables.values()
        [stream] = d.stream_mappings
        assert stream.function.handler_path == "services.ingest.handlers.replay.handler"
        assert stream.filters
        assert stream.report_batch_item_failures
        portfolio = ddb.describe_table(TableName=s.environment["PORTFOLIO_TABLE"])["Table"]
        assert stream.stream_arn == portfolio["LatestStreamArn"]
