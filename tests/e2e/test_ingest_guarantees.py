"""Ingest's guarantees over the local stack's HTTP API: every source reaches the bus with a raw_ref that gives
back its exact body; a delivery for an unknown account waits in the quarantine and is published once its
mapping is imported (or learned from a CRM event); the operator commands work against the local stack."""

from __future__ import annotations

import io
import json
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from boomerang.cli import main as cli
from boomerang.local.containers import fresh_containers
from boomerang.local.stack import LocalStack
from boomerang.replay import post
from boomerang.replay import wait_until_idle as _wait_until_idle
from services.ingest.logic.sources import SOURCE_NAMES, sources
from tests.e2e.conftest import BusTap
from tests.samples import ROOT, SAMPLES, SOURCE_OPTIONS, signed, url_for

pytestmark = pytest.mark.e2e

QUARANTINE_TABLE = "QuarantineTable"  # the local stack names resources after their logical ids
REPLAY_FUNCTION = "QuarantineReplay"


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    # The rules file plus the source options the samples need (Typeform's NPS question).
    rules = (ROOT / "boomerang.toml").read_text() + "".join(
        f"\n[sources.{name}]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in options.items())
        for name, options in SOURCE_OPTIONS.items()
    )
    with tempfile.TemporaryDirectory() as workdir:
        config = Path(workdir) / "boomerang.toml"
        config.write_text(rules)
        fresh_containers()  # handler modules outlive a stack in this process: make ingest read these rules
        try:
            with LocalStack(port=0, config_path=config, stdout=io.StringIO()) as running:
                yield running
        finally:
            fresh_containers()


def _deliver(stack: LocalStack, source: str, body: bytes) -> tuple[int, dict[str, Any]]:
    secret = stack.secrets[sources()[source].secret_key]
    url = url_for(stack.api_url, source, secret)
    # The local API forwards the scheme as API Gateway does (X-Forwarded-Proto): HubSpot's signed URL matches.
    return post(url, body, signed(source, body, secret, url))


def _event_ids(source: str, body: bytes) -> set[str]:
    """The ids the canonical events of ``body`` must have (derived from the vendor's own ids)."""
    from datetime import UTC, datetime

    from services.common.models.events import event_id_for
    from services.ingest.models.webhook import WebhookRequest

    parsed = sources(SOURCE_OPTIONS)[source].parse(WebhookRequest(source, {}, body, datetime.now(UTC)))
    return {event_id_for(source, e.source_event_id, e.type) for e in parsed.events}


def _operator(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = cli(list(argv))
    return status, out.getvalue()


def _until(tap: BusTap, found: Callable[[dict[str, Any]], bool], timeout: float = 20.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for event in tap.drain(wait=0.3):
            if found(event):
                return event
    raise AssertionError("no such event reached the bus")


def _pending(stack: LocalStack, reason: str) -> list[dict[str, Any]]:
    status, out = _operator(
        "quarantine", "list", "--table", QUARANTINE_TABLE, "--reason", reason, "--format", "json",
        "--endpoint-url", stack.moto_url,
    )  # fmt: skip
    assert status == 0
    return list(json.loads(out))


@pytest.mark.parametrize("source", SOURCE_NAMES)
def test_each_sources_webhook_is_on_the_bus_with_a_raw_ref_to_its_exact_body(stack, tap, capsysbinary, source):
    # Given the source's correctly signed webhook
    body = SAMPLES[source].body
    # When the vendor posts it
    status, answer = _deliver(stack, source, body)
    assert status in (200, 202), answer  # Salesforce is answered with its SOAP Ack
    ids = _event_ids(source, body)
    assert ids
    assert ids == set(answer.get("event_ids", ids))
    # Then each of its canonical events is on the bus
    assert _wait_until_idle(stack, ignore=("e2e-bus-tap",))
    events = {e["detail"]["event_id"]: e for e in tap.drain() if e["detail"].get("event_id") in ids}
    assert set(events) == ids
    assert {e["source"] for e in events.values()} == {"boomerang.ingest"}
    assert {e["detail"]["source"] for e in events.values()} == {source}
    # And `boomerang raw show` on its raw_ref prints exactly the body that was posted
    [ref] = {e["detail"]["raw_ref"] for e in events.values()}
    capsysbinary.readouterr()
    assert cli(["raw", "show", ref, "--endpoint-url", stack.moto_url]) == 0
    assert capsysbinary.readouterr().out == body


def test_three_identical_deliveries_at_once_are_each_accepted_with_the_same_event_ids(stack):
    # Given one generic event (an id no other test sends), posted three times at the same moment
    body = json.dumps(
        {
            "id": "e2e-triplet",
            "type": "TicketOpened",
            "occurred_at": "2026-11-22T11:00:00Z",
            "account": {"id": "acc-kestrel"},
            "data": {"ticket_id": "T-3", "severity": "low"},
        }
    ).encode()
    with ThreadPoolExecutor(max_workers=3) as pool:
        answers = list(pool.map(lambda _: _deliver(stack, "generic", body), range(3)))
    # Then none is told "still being processed": each is accepted (202), or a duplicate (200) of one that
    # completed first, and all carry the same event ids (the moto test holds three in flight at once)
    assert {status for status, _ in answers} <= {200, 202}
    assert 202 in {status for status, _ in answers}
    assert len({tuple(answer["event_ids"]) for _, answer in answers}) == 1


def test_an_unknown_account_waits_in_the_quarantine_and_is_published_once_its_mapping_is_imported(stack, tap):
    # Given a ChurnZero renewal for an account id that is in no portfolio yet
    body = SAMPLES["churnzero"].body.replace(b"CUST-10474", b"CUST-20001")
    status, answer = _deliver(stack, "churnzero", body)
    # Then it is refused with 422, nothing is published, and it is listed in the quarantine
    assert (status, answer["error"]) == (422, "unknown_account")
    [item] = [i for i in _pending(stack, "unknown_account") if i["id"] == answer["quarantine_id"]]
    assert item["waiting_for"] == ["LOOKUP#churnzero#CUST-20001"]
    assert item["source"] == "churnzero"
    # When the operator imports the portfolio with Rio Claro's ChurnZero id
    with tempfile.TemporaryDirectory() as workdir:
        portfolio = Path(workdir) / "portfolio"
        shutil.copytree(ROOT / "examples" / "portfolio", portfolio)
        accounts = portfolio / "accounts.csv"
        header, *rows = accounts.read_text().splitlines()
        column = header.split(",").index("ext_churnzero")
        for n, row in enumerate(rows):
            if row.startswith("acc-rioclaro,"):
                cells = row.split(",")
                cells[column] = "CUST-20001"
                rows[n] = ",".join(cells)
        accounts.write_text("\n".join([header, *rows]) + "\n")
        status, _ = _operator("portfolio", "import", "--data", str(portfolio), "--table", "PortfolioTable")
        assert status == 0
    # Then the kept renewal is replayed on its own and published for Rio Claro, pointing at its raw body
    event = _until(tap, lambda e: e["detail-type"] == "RenewalSigned" and e["detail"]["account_id"] == "acc-rioclaro")
    assert event["detail"]["raw_ref"].startswith("s3://")
    assert [i for i in _pending(stack, "unknown_account") if i["id"] == answer["quarantine_id"]] == []


def test_a_mapping_learned_from_a_crm_event_replays_what_waited_for_it(stack, tap):
    # Given a HubSpot risk flag for a company id nobody imported: kept in the quarantine
    risk = {
        "eventId": 9100000001,
        "subscriptionType": "company.propertyChange",
        "objectId": 7700000001,
        "occurredAt": int(time.time() * 1000),
        "propertyName": "renewal_risk",
        "propertyValue": "high",
    }
    status, answer = _deliver(stack, "hubspot", json.dumps([risk]).encode())
    assert (status, answer["error"]) == (422, "unknown_account")
    # When HubSpot later reports that company's domain, which is Rio Claro's
    domain = risk | {"eventId": 9100000002, "propertyName": "domain", "propertyValue": "rioclaro-transportes.example"}
    status, answer = _deliver(stack, "hubspot", json.dumps([domain]).encode())
    assert status == 200, answer
    # Then the mapping is learned and the waiting risk flag is published for Rio Claro
    event = _until(
        tap, lambda e: e["detail-type"] == "RenewalRiskFlagged" and e["detail"]["account_id"] == "acc-rioclaro"
    )
    assert event["detail"]["source_event_id"] == "9100000001"


def test_the_operator_replays_an_item_that_still_cannot_be_mapped_and_it_stays(stack, tap):
    # Given a generic event of a type Boomerang produces itself (never accepted from outside)
    body = json.dumps(
        {
            "id": "e2e-injected",
            "type": "AskApproved",
            "occurred_at": "2026-11-21T09:30:00Z",
            "account": {"id": "acc-kestrel"},
            "data": {"trigger_id": "t", "slack_user_id": "U1"},
        }
    ).encode()
    status, answer = _deliver(stack, "generic", body)
    assert (status, answer["error"]) == (422, "unmappable")
    # When the operator replays it by id
    status, out = _operator(
        "quarantine", "replay", answer["quarantine_id"], "--function", REPLAY_FUNCTION, "--endpoint-url", stack.moto_url
    )
    # Then it is still quarantined with its reason (exit status 1), counted as one more attempt
    assert status == 1
    [result] = [json.loads(line) for line in out.splitlines()]
    assert (result["result"], result["reason"]) == ("quarantined", "unmappable")
    [item] = [i for i in _pending(stack, "unmappable") if i["id"] == answer["quarantine_id"]]
    assert item["attempts"] == 1
    assert [e for e in tap.drain(wait=0.5) if e["detail"].get("source_event_id") == "e2e-injected"] == []
