"""`boomerang demo`, the first thing a new user runs: what it prints and its exit status, through the CLI."""

from __future__ import annotations

import contextlib
import io
import os
import re
from collections.abc import Iterator

import pytest

from boomerang.cli import main

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, str]]:
    """One run of `boomerang demo` (it starts its own local stack): its exit status and what it printed."""
    side_effects = tmp_path_factory.mktemp("demo") / "side-effects.jsonl"
    quiet = os.environ.get("POWERTOOLS_LOG_LEVEL")  # the demo quiets the handlers' logs in its process
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            status = main(["demo", "--side-effects", str(side_effects)])
        yield status, out.getvalue()
    finally:
        if quiet is None:
            os.environ.pop("POWERTOOLS_LOG_LEVEL", None)
        else:
            os.environ["POWERTOOLS_LOG_LEVEL"] = quiet


def test_the_demo_succeeds(demo):
    status, _ = demo
    assert status == 0


def test_the_four_promoters_csms_get_their_dms(demo):
    _, out = demo
    dms = re.findall(r"── Slack DM to (.+?) \(U\w+\)", out)
    assert sorted(dms) == ["Aisha Karimi", "Dana Whitlock", "Tomas Lindqvist", "Tomas Lindqvist"]
    for promoter in ("Priya Raman", "Derek Osei", "Sofia Marchetti", "Lars Nygaard"):
        assert f"🎯 {promoter}" in out, promoter


def test_the_promoter_of_an_account_with_a_critical_ticket_is_blocked(demo):
    _, out = demo
    assert "⛔ Not sent — blocked by open_critical_ticket (acc-kestrel)" in out
    assert "🎯 Hannah Brooks" not in out


def test_approving_the_first_dm_emails_the_promoter(demo):
    _, out = demo
    assert "👆 The CSM taps Approve on the first DM → HTTP 200; DM updated: ✅ Approved by" in out
    assert "emails sent: 1" in out


def test_every_webhook_s_fate_is_told_and_the_summary_adds_up_to_the_webhooks_sent(demo):
    _, out = demo
    # Each webhook is listed with what became of it
    assert re.search(r"202  delighted 02-detractor-luis-ortega-copperline\s+signal only", out)
    assert re.search(r"202  delighted 05-promoter-hannah-brooks-kestrel\s+blocked by open_critical_ticket", out)
    assert re.search(r"202  generic   00-kestrel-critical-ticket\s+signal only", out)
    # And the summary counts every one of them once
    [line] = [line for line in out.splitlines() if line.startswith("Summary:")]
    assert line.startswith(
        "Summary: 9 webhooks: 9 accepted → 4 DM, 1 blocked, 4 signal only, 0 not a peak moment; 0 refused."
    )
    sent, accepted = map(int, re.match(r"Summary: (\d+) webhooks: (\d+) accepted", line).groups())
    fates = [int(n) for n in re.findall(r"(\d+) [a-zA-Z ]+?(?:,|;)", line.split("→", 1)[1])]
    refused = int(re.search(r"(\d+) refused", line).group(1))
    assert (sum(fates), accepted + refused) == (accepted, sent)
