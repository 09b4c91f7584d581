"""HMAC checks, always in constant time."""

from __future__ import annotations

import base64
import hmac
from datetime import datetime

from services.ingest.models.errors import SignatureInvalid

MAX_SKEW_SECONDS = 300


def hmac_hex(secret: str, message: bytes, digest: str = "sha256") -> str:
    # hmac.digest: OpenSSL's one-shot HMAC, half the time of hmac.new(...).hexdigest() on the hot path
    return hmac.digest(secret.encode(), message, digest).hex()


def hmac_b64(secret: str, message: bytes, digest: str = "sha256") -> str:
    return base64.b64encode(hmac.digest(secret.encode(), message, digest)).decode()


def require_equal(expected: str, received: str | None, what: str) -> None:
    if not received:
        raise SignatureInvalid(f"missing {what}")
    if not hmac.compare_digest(expected.encode(), received.strip().encode()):
        raise SignatureInvalid(f"{what} does not match")


def require_fresh(sent_at: datetime, now: datetime, what: str = "timestamp") -> None:
    skew = abs((now - sent_at).total_seconds())
    if skew > MAX_SKEW_SECONDS:
        raise SignatureInvalid(f"{what} is {int(skew)} s away from now (more than {MAX_SKEW_SECONDS} s)")


def parse_stripe_style(header: str | None) -> tuple[int, list[str]]:
    """``t=<unix>,v1=<hex>[,v1=<hex>]`` → (timestamp, signatures)."""
    if not header:
        raise SignatureInvalid("missing signature header")
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            signatures.append(value)
    if timestamp is None or not signatures:
        raise SignatureInvalid("signature header must look like t=<unix seconds>,v1=<hex>")
    return timestamp, signatures
