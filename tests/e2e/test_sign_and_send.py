"""What a user does by hand against the local stack: sign a body with `boomerang sign` and send its exact bytes
over HTTP, as curl's --data-binary does. The local HTTP API hands the handlers what API Gateway's HTTP API does
(the forwarded headers the webhook handler rebuilds the caller's URL from), so a HubSpot v3 signature computed over
the local URL verifies; and `sign --now` re-stamps a shipped sample so its peak moment is still open."""

from __future__ import annotations

from pathlib import Path

import pytest

from boomerang.cli import main
from boomerang.replay import post
from boomerang.replay import wait_until_idle as _wait_until_idle
from boomerang.signing import sign
from tests.fakes import EXAMPLES

pytestmark = pytest.mark.e2e

HUBSPOT_BATCH = EXAMPLES.parent / "tests" / "fixtures" / "hubspot" / "01-mixed-batch.json"
DELIGHTED = EXAMPLES / "webhooks" / "delighted"
TOMAS, DANA = "U07OXTZ7Q74", "U05YCDYBK15"  # the CSMs of Halvorsen (Priya) and Meridian (Derek)


def test_a_hubspot_v3_webhook_signed_over_the_local_url_is_accepted(stack):
    # Given a HubSpot batch signed as HubSpot signs it: over POST, the URL it calls, the body and the time
    body = HUBSPOT_BATCH.read_bytes()
    url = f"{stack.api_url}/webhooks/hubspot"
    headers = sign("hubspot", body, stack.secrets["hubspot_client_secret"], url=url)
    # When it is posted to the local stack over HTTP
    status, answer = post(url, body, headers)
    # Then the signature verifies over http://127.0.0.1:<port>/webhooks/hubspot and the batch is taken in
    assert status == 202, answer


def test_a_hubspot_signature_over_another_url_is_refused(stack):
    body = HUBSPOT_BATCH.read_bytes()
    elsewhere = stack.api_url.replace("http://", "https://") + "/webhooks/hubspot"
    headers = sign("hubspot", body, stack.secrets["hubspot_client_secret"], url=elsewhere)
    status, _ = post(f"{stack.api_url}/webhooks/hubspot", body, headers)
    assert status == 401


def _sign_and_send(stack, capsys, sample: Path, *options: str) -> tuple[int, dict]:
    """`boomerang sign … FILE` (or `--now --out BODY`), then POST the bytes of the file it names, headers as printed."""
    capsys.readouterr()  # what the handlers logged before
    secret = stack.secrets["delighted_api_key"]
    assert main(["sign", "--source", "delighted", "--secret", secret, *options, str(sample)]) == 0
    printed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("-H '")]
    headers = dict(line.removeprefix("-H '").removesuffix("'").split(": ", 1) for line in printed)
    sent = Path(options[options.index("--out") + 1]) if "--out" in options else sample
    return post(f"{stack.api_url}/webhooks/delighted", sent.read_bytes(), headers)


def _dms_to(stack, user: str) -> list[dict]:
    return [c for c in stack.slack_calls if c["method"] == "chat.postMessage" and c["payload"]["channel"] == user]


def test_a_shipped_sample_sent_as_it_is_is_accepted_but_its_window_closed_long_ago(stack, capsys):
    # Given Derek's NPS 9 from the samples, dated 2026-11-22; When signed and sent as it is
    status, answer = _sign_and_send(stack, capsys, DELIGHTED / "03-promoter-derek-osei-meridian.json")
    # Then it is accepted, and no DM follows: the peak window of an answer that old has closed
    assert status == 202, answer
    assert _wait_until_idle(stack)
    assert _dms_to(stack, DANA) == []


def test_sign_now_re_stamps_a_shipped_sample_so_its_dm_arrives(stack, capsys, tmp_path):
    # Given Priya's NPS 10 from the samples; When re-stamped to now, signed, and the written bytes sent
    body = tmp_path / "priya-now.json"
    status, answer = _sign_and_send(
        stack, capsys, DELIGHTED / "01-promoter-priya-raman-halvorsen.json", "--now", "--out", str(body)
    )
    # Then it is accepted and her CSM gets the DM, as in the demo
    assert status == 202, answer
    assert _wait_until_idle(stack)
    [dm] = _dms_to(stack, TOMAS)
    assert dm["payload"]["text"].startswith("🎯 Priya Raman")
