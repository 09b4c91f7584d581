"""Signs a webhook body the way each vendor does, for demos, tests and curl."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

TOKEN_SOURCES = ("gainsight", "churnzero", "totango")


def sign(source: str, body: bytes, secret: str, timestamp: int | None = None, url: str = "") -> dict[str, str]:
    """Headers that make ``body`` a correctly signed delivery from ``source`` (Salesforce: a URL token)."""
    headers = {"content-type": "application/json"}
    now = int(time.time()) if timestamp is None else timestamp
    if source in TOKEN_SOURCES:
        headers["x-boomerang-token"] = secret
    elif source == "salesforce":
        headers["content-type"] = "text/xml; charset=utf-8"  # authenticated by ?token= in the URL
    elif source == "typeform":
        headers["typeform-signature"] = "sha256=" + b64(hmac.new(secret.encode(), body, hashlib.sha256).digest())
    elif source == "intercom":
        headers["x-hub-signature"] = "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
    elif source == "zendesk":
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
        mac = hmac.new(secret.encode(), stamp.encode() + body, hashlib.sha256).digest()
        headers.update({"x-zendesk-webhook-signature": b64(mac), "x-zendesk-webhook-signature-timestamp": stamp})
    elif source == "hubspot":
        millis = str(now * 1000)
        message = f"POST{url}".encode() + body + millis.encode()
        headers.update(
            {
                "x-hubspot-signature-v3": b64(hmac.new(secret.encode(), message, hashlib.sha256).digest()),
                "x-hubspot-request-timestamp": millis,
            }
        )
    elif source == "delighted":
        headers["x-delighted-webhook-signature"] = (
            "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        )
    elif source == "generic":
        digest = hmac.new(secret.encode(), f"{now}.".encode() + body, hashlib.sha256).hexdigest()
        headers["boomerang-signature"] = f"t={now},v1={digest}"
    elif source == "slack":
        digest = hmac.new(secret.encode(), f"v0:{now}:".encode() + body, hashlib.sha256).hexdigest()
        headers.update(
            {
                "content-type": "application/x-www-form-urlencoded",
                "x-slack-request-timestamp": str(now),
                "x-slack-signature": f"v0={digest}",
            }
        )
    else:
        raise ValueError(f"don't know how {source} signs its webhooks")
    return headers


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
