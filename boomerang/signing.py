"""Signs a webhook body the way each vendor does, for demos, tests and curl."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time


def sign(source: str, body: bytes, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """Headers that make ``body`` a correctly signed delivery from ``source``."""
    headers = {"content-type": "application/json"}
    if source == "delighted":
        headers["x-delighted-webhook-signature"] = (
            "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        )
    elif source == "generic":
        t = int(time.time()) if timestamp is None else timestamp
        digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
        headers["boomerang-signature"] = f"t={t},v1={digest}"
    elif source == "slack":
        t = int(time.time()) if timestamp is None else timestamp
        digest = hmac.new(secret.encode(), f"v0:{t}:".encode() + body, hashlib.sha256).hexdigest()
        headers.update(
            {
                "content-type": "application/x-www-form-urlencoded",
                "x-slack-request-timestamp": str(t),
                "x-slack-signature": f"v0={digest}",
            }
        )
    else:
        raise ValueError(f"don't know how {source} signs its webhooks")
    return headers


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
