"""The local HTTP API hands the handlers what API Gateway's HTTP API does: the forwarded headers the webhook handler
rebuilds the caller's URL from, so a HubSpot v3 signature computed over the local URL verifies."""

from __future__ import annotations

import pytest

from boomerang.replay import post
from boomerang.signing import sign
from tests.fakes import EXAMPLES

HUBSPOT_BATCH = EXAMPLES.parent / "tests" / "fixtures" / "hubspot" / "01-mixed-batch.json"

pytestmark = pytest.mark.e2e


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
