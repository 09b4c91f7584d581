"""What ingest refuses, and why: each refusal carries the HTTP status and error code the vendor is told."""

from __future__ import annotations

from pydantic import ValidationError


def describe(exc: ValidationError, limit: int = 5) -> str:
    """A pydantic error as one readable line: what the vendor (or operator) is told is wrong."""
    parts = []
    for err in exc.errors()[:limit]:
        where = ".".join(str(p) for p in err["loc"]) or "body"
        parts.append(f"{where}: {err['msg']}")
    more = len(exc.errors()) - limit
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


class WebhookError(Exception):
    """A delivery we refuse; ``status`` and ``code`` become the HTTP answer."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class UnknownSource(WebhookError):
    status = 404
    code = "unknown_source"


class SignatureInvalid(WebhookError):
    status = 401
    code = "invalid_signature"


class SourceNotConfigured(WebhookError):
    """The source's key is not in the Boomerang secret yet: 503, so the vendor retries once it is."""

    status = 503
    code = "source_not_configured"


class MalformedPayload(WebhookError):
    status = 400
    code = "malformed_payload"


class Unmappable(WebhookError):
    status = 422
    code = "unmappable"


class UnknownAccount(WebhookError):
    status = 422
    code = "unknown_account"

    def __init__(self, message: str, waiting_for: tuple[str, ...] = ()):
        super().__init__(message)
        self.waiting_for = waiting_for  # the lookup keys whose arrival would resolve it


#: The refusals a correctly signed delivery can get: each is kept in the quarantine, never dropped.
QUARANTINED = (MalformedPayload, Unmappable, UnknownAccount)


class RetryLater(Exception):
    """A waiting delivery could not be replayed by this deployment (its source is unknown here); the stream
    retries the record, which a container running newer code may handle."""
