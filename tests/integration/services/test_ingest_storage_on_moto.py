"""Ingest's storage on moto: raw archive (Firehose → S3), the quarantine table, learned lookups, replays."""

from __future__ import annotations

import gzip
import io
import json
from contextlib import redirect_stdout
from datetime import UTC, datetime, timedelta

import boto3

from boomerang.cli import main as cli
from boomerang.signing import sign
from services.ingest.adapters.archive import FirehoseArchive, RawReader
from services.ingest.adapters.identities import PortfolioIdentities
from services.ingest.adapters.quarantine import DynamoQuarantine
from services.ingest.logic.raw import RawDelivery, RawRef, record_line
from services.ingest.models.quarantine import QuarantinedDelivery
from services.ingest.models.webhook import Identity
from tests.integration.services.conftest import Context, drain, http_event
from tests.samples import SAMPLES

NOW = datetime.now(UTC)


def _webhook(source: str, body: bytes, secret: str) -> dict:
    from services.ingest.handlers.webhook import handler

    return handler(http_event(f"/webhooks/{source}", body, sign(source, body, secret)), Context())


def _item(quarantine_id: str = "delighted-0001", body: bytes = b"{broken", **changes) -> QuarantinedDelivery:
    values = {
        "quarantine_id": quarantine_id,
        "source": "delighted",
        "reason": "unknown_account",
        "message": "no account matches",
        "received_at": NOW,
        "body": body,
        "content_type": "application/json",
        "path": "/webhooks/delighted",
        "verified": "authenticated by the delighted adapter's check",
        "waiting_for": ("LOOKUP#email#x@nowhere.example",),
    }
    return QuarantinedDelivery(**(values | changes))


def test_an_accepted_webhooks_raw_ref_gives_back_the_exact_body(aws):
    # Given Priya's answer delivered to the real handler
    body = SAMPLES["delighted"].body
    answer = _webhook("delighted", body, "dk")
    assert answer["statusCode"] == 202, answer
    # When the event's raw_ref is read back from the archive (moto's Firehose writes to S3 at once)
    [event] = [json.loads(m["body"]) for m in drain(aws.sqs, aws.tap)]
    raw = RawReader().fetch(event["detail"]["raw_ref"])
    # Then it is exactly the delivered body, with where it came from
    assert (raw.body, raw.source, raw.content_type) == (body, "delighted", "application/json")


def test_a_body_too_large_for_firehose_is_its_own_object_and_still_found(aws):
    archive = FirehoseArchive("raw-archive", "raw-archive")
    raw = RawDelivery.new("zendesk", NOW, "application/json", b'{"x": "' + b"y" * 1_100_000 + b'"}')
    assert archive.store(raw) == "object"
    assert RawReader().fetch(archive.reference(raw)) == raw


def test_when_firehose_refuses_the_body_is_kept_as_an_object(aws):
    archive = FirehoseArchive("no-such-stream", "raw-archive")
    raw = RawDelivery.new("generic", NOW, None, b'{"id": "1"}')
    assert archive.store(raw) == "object"
    assert RawReader().fetch(archive.reference(raw)).body == b'{"id": "1"}'


def test_a_record_in_a_gzipped_batch_of_the_previous_hour_is_found(aws):
    # Given a real Firehose object: gzipped lines, named for its oldest record (the previous hour)
    raws = [RawDelivery.new("hubspot", NOW, None, f"[{n}]".encode()) for n in range(3)]
    ref = RawRef.of("raw-archive", raws[2])
    earlier = ref.search_prefixes()[1]
    batch = gzip.compress(b"".join(record_line(r) for r in raws))
    aws.s3.put_object(Bucket="raw-archive", Key=f"{earlier}raw-archive-1-x.gz", Body=batch)
    # When the last record's reference is read / Then it is found in that object
    assert RawReader().fetch(str(ref)).body == b"[2]"


def test_the_quarantine_upserts_lists_by_reason_and_resolves(aws):
    store = DynamoQuarantine("quarantine", "raw-archive")
    # Given one delivery kept twice (a vendor retry) and replayed once without success
    store.keep(_item(), replay=False)
    store.keep(_item(), replay=False)
    store.keep(_item(), replay=True)
    store.keep(_item("churnzero-0002", source="churnzero", reason="malformed_payload", waiting_for=()), replay=False)
    # Then it is one item with its exact body and both counters
    item = store.get("delighted-0001")
    assert (item.body, item.deliveries, item.attempts, item.status) == (b"{broken", 2, 1, "pending")
    # And it is listed by its reason (and source), waiting for its lookup
    assert [i.quarantine_id for i in store.pending("unknown_account")] == ["delighted-0001"]
    assert [i.quarantine_id for i in store.pending("malformed_payload", "churnzero")] == ["churnzero-0002"]
    assert list(store.pending("malformed_payload", "delighted")) == []
    assert store.waiting_for("LOOKUP#email#x@nowhere.example") == ["delighted-0001"]
    # When it is resolved
    store.resolve("delighted-0001", "accepted", ["e-1"], "s3://raw-archive/raw/2026/11/22/12/#d-1", NOW)
    store.resolve("delighted-0001", "accepted", ["e-2"], None, NOW)  # a second resolve changes nothing
    # Then it leaves the listing and its pointer, keeps its outcome, loses its body and will expire
    assert list(store.pending("unknown_account")) == []
    assert store.waiting_for("LOOKUP#email#x@nowhere.example") == []
    done = store.get("delighted-0001")
    assert (done.status, done.outcome, done.event_ids, done.body) == ("replayed", "accepted", ("e-1",), b"")
    raw_item = aws.ddb.get_item(TableName="quarantine", Key={"pk": {"S": "Q#delighted-0001"}, "sk": {"S": "ITEM"}})
    assert int(raw_item["Item"]["expires_at"]["N"]) > (NOW + timedelta(days=29)).timestamp()


def test_a_large_quarantined_body_lives_in_s3_until_resolved(aws):
    store = DynamoQuarantine("quarantine", "raw-archive")
    body = b"x" * 300_000
    store.keep(_item("delighted-big", body=body), replay=False)
    assert store.get("delighted-big").body == body
    assert aws.s3.get_object(Bucket="raw-archive", Key="quarantine/delighted-big.body")["Body"].read() == body
    store.resolve("delighted-big", "ignored", [], None, NOW)
    assert aws.s3.list_objects_v2(Bucket="raw-archive", Prefix="quarantine/").get("KeyCount") == 0


def test_a_delivery_kept_again_keeps_its_first_receipt_and_its_newest_body(aws):
    store = DynamoQuarantine("quarantine", "raw-archive")
    # Given a kept delivery, then its retry with other bytes (Salesforce resends a record's latest values)
    store.keep(_item(body=b"<first/>"), replay=False)
    store.keep(_item(body=b"<latest/>", received_at=NOW + timedelta(minutes=5)), replay=False)
    # Then it is one item holding the newest body, still listed where its first receipt put it
    item = store.get("delighted-0001")
    assert (item.body, item.deliveries, item.received_at) == (b"<latest/>", 2, NOW)
    assert [i.received_at for i in store.pending("unknown_account")] == [NOW]


def test_the_newest_body_wins_whether_it_fits_the_item_or_lives_in_s3(aws):
    store = DynamoQuarantine("quarantine", "raw-archive")
    large, larger = b"x" * 300_000, b"y" * 300_000
    # Given a large body, then a small one, then a large one again, all for the same item
    store.keep(_item("delighted-big", body=large), replay=False)
    store.keep(_item("delighted-big", body=b"small"), replay=False)
    assert store.get("delighted-big").body == b"small"
    store.keep(_item("delighted-big", body=larger), replay=False)
    assert store.get("delighted-big").body == larger
    # When it is resolved / Then no body is left behind
    store.resolve("delighted-big", "ignored", [], None, NOW)
    assert aws.s3.list_objects_v2(Bucket="raw-archive", Prefix="quarantine/").get("KeyCount") == 0


def test_a_learned_lookup_never_overwrites(aws):
    identities = PortfolioIdentities("portfolio")
    assert identities.remember("hubspot", "77", Identity("acc-rioclaro"), "hubspot:1") is True
    assert identities.remember("hubspot", "77", Identity("acc-halvorsen"), "hubspot:2") is False
    assert identities.remember("hubspot", "9995560636", Identity("acc-rioclaro"), "hubspot:3") is False
    assert identities.find("hubspot", "77") == Identity("acc-rioclaro")
    assert identities.find("hubspot", "9995560636") == Identity("acc-halvorsen")


def test_a_new_lookup_on_the_stream_replays_what_waits_for_it(aws):
    from services.ingest.handlers.replay import handler

    # Given a ChurnZero renewal for an account id nobody imported, kept in the quarantine
    body = SAMPLES["churnzero"].body.replace(b"CUST-10474", b"CUST-20001")
    from services.ingest.handlers.webhook import handler as webhook

    event = http_event("/webhooks/churnzero", body, sign("churnzero", body, "cz"))
    boto3.client("secretsmanager").put_secret_value(
        SecretId="boomerang", SecretString=json.dumps({"churnzero_token": "cz"})
    )
    answer = json.loads(webhook(event, Context())["body"])
    assert answer["error"] == "unknown_account"
    # When the mapping is written and the stream delivers its key
    aws.ddb.put_item(
        TableName="portfolio",
        Item={"pk": {"S": "LOOKUP#churnzero#CUST-20001"}, "sk": {"S": "LOOKUP"}, "account_id": {"S": "acc-rioclaro"}},
    )
    record = {
        "eventID": "1",
        "eventName": "INSERT",
        "eventSource": "aws:dynamodb",
        "dynamodb": {
            "Keys": {"pk": {"S": "LOOKUP#churnzero#CUST-20001"}, "sk": {"S": "LOOKUP"}},
            "SequenceNumber": "100",
            "StreamViewType": "KEYS_ONLY",
        },
    }
    result = handler({"Records": [record]}, Context())
    # Then the batch succeeds and the event is on the bus for Rio Claro
    assert result == {"batchItemFailures": []}
    [event] = [json.loads(m["body"]) for m in drain(aws.sqs, aws.tap)]
    assert (event["detail-type"], event["detail"]["account_id"]) == ("RenewalSigned", "acc-rioclaro")
    assert DynamoQuarantine("quarantine", "raw-archive").get(answer["quarantine_id"]).status == "replayed"


def test_the_replay_function_answers_a_direct_request(aws):
    from services.ingest.handlers.replay import handler

    DynamoQuarantine("quarantine", "raw-archive").keep(
        _item("delighted-0003", reason="malformed_payload", waiting_for=()), replay=False
    )
    answer = handler({"ids": ["delighted-0003", "nope"]}, Context())
    assert [r["result"] for r in answer["results"]] == ["quarantined", "not_found"]
    assert answer["results"][0]["reason"] == "malformed_payload"
    assert handler({"ids": ["x"], "reason": "unmappable"}, Context())["error"] == "bad_request"


def test_quarantine_list_prints_the_pending_items(aws):
    DynamoQuarantine("quarantine", "raw-archive").keep(_item(), replay=False)
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli(["quarantine", "list", "--table", "quarantine", "--format", "json"]) == 0
    [row] = json.loads(out.getvalue())
    assert (row["id"], row["reason"], row["waiting_for"]) == (
        "delighted-0001",
        "unknown_account",
        ["LOOKUP#email#x@nowhere.example"],
    )
