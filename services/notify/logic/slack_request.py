"""Is a request from Slack, and what does it carry? Every refusal is a named error the endpoint answers as is.

The signature is Slack's documented v0 scheme (https://docs.slack.dev/authentication/verifying-requests-from-slack/),
the one slack_sdk's ``SignatureVerifier`` implements: ``v0=`` + hex HMAC-SHA256 of ``v0:<timestamp>:<body>``
under the signing secret. It is computed here over the exact bytes received: ``SignatureVerifier`` decodes the
body as UTF-8 first (a correctly signed non-UTF-8 body would raise) and ``int()``s the timestamp unchecked (a
missing or non-numeric one would raise), and a refusal must be a 401, never a crash.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from urllib.parse import parse_qs

from pydantic import ValidationError

from services.notify.models.errors import BadInteraction, BadSignature
from services.notify.models.interaction import Interaction

MAX_AGE = timedelta(minutes=5)  # Slack's advice against replays (SignatureVerifier's too)
TIMESTAMP = "x-slack-request-timestamp"
SIGNATURE = "x-slack-signature"
_UNIX_SECONDS = re.compile(r"[0-9]{1,12}")


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """Slack's v0 signature of ``body`` sent at ``timestamp``."""
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    return "v0=" + hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()


def verify(body: bytes, headers: Mapping[str, str], secret: str, now: datetime) -> None:
    """Raise ``BadSignature`` unless ``body`` is signed with ``secret`` within ``MAX_AGE`` of ``now``.

    ``headers`` are lower-cased (services.common.handlers.http.headers)."""
    timestamp, signed = headers.get(TIMESTAMP), headers.get(SIGNATURE)
    if not timestamp:
        raise BadSignature("the X-Slack-Request-Timestamp header is missing")
    if not signed:
        raise BadSignature("the X-Slack-Signature header is missing")
    if not _UNIX_SECONDS.fullmatch(timestamp):
        raise BadSignature("X-Slack-Request-Timestamp is not a Unix time in seconds")
    if abs(now.timestamp() - int(timestamp)) > MAX_AGE.total_seconds():
        raise BadSignature("X-Slack-Request-Timestamp is more than 5 minutes from now (stale or replayed)")
    # Bytes on both sides: compare_digest refuses non-ASCII strings, and a header may hold anything.
    if not hmac.compare_digest(signature(secret, timestamp, body).encode(), signed.encode("utf-8", "replace")):
        raise BadSignature("X-Slack-Signature does not match the body")


def parse_payload(body: bytes) -> Interaction:
    """The interaction in a form body's ``payload`` field (JSON); ``BadInteraction`` says what is wrong."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadInteraction("the body is not UTF-8") from exc
    try:
        form = parse_qs(text, strict_parsing=True)
    except ValueError as exc:
        raise BadInteraction("expected a form body (application/x-www-form-urlencoded)") from exc
    if "payload" not in form:
        raise BadInteraction("the form has no 'payload' field")
    try:
        payload = json.loads(form["payload"][0])
    except ValueError as exc:
        raise BadInteraction("'payload' is not JSON") from exc
    if not isinstance(payload, dict):
        raise BadInteraction("'payload' must be a JSON object")
    try:
        return Interaction.model_validate(payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise BadInteraction(f"'payload' is not a Slack interaction: {where}: {first['msg']}") from exc
