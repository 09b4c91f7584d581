"""Shared by the vendor adapters' tests: the bus, the ingest service on one source, requests, captured bodies,
and the HMAC primitives each test module builds its vendor's documented signature from (the tests sign as the
vendor's docs say, not with boomerang.signing, so that a mistake there cannot hide one here)."""

from __future__ import annotations

import base64
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from services.ingest.logic.pipeline import IngestService
from services.ingest.logic.sources import Source
from services.ingest.models.webhook import IngestResult, WebhookRequest
from tests.fakes import FakePublisher
from tests.fakes.ingest import InMemoryQuarantine, ingest_service

#: When every test's delivery arrives (signature timestamps are checked against it).
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


@pytest.fixture
def bus() -> FakePublisher:
    return FakePublisher()


@pytest.fixture
def quarantine() -> InMemoryQuarantine:
    return InMemoryQuarantine()


def service(
    source: Source, secrets: dict[str, str], bus: FakePublisher, quarantine: InMemoryQuarantine | None = None
) -> IngestService:
    """The ingest service on this one source, the example portfolio and in-memory adapters."""
    return ingest_service({source.name: source}, secrets, bus, quarantine=quarantine)


def request(source: str, body: bytes, headers: dict[str, str], *, url: str = "", now: datetime = NOW) -> WebhookRequest:
    return WebhookRequest(source=source, headers=headers, body=body, received_at=now, url=url)


def fixture(vendor: str, name: str) -> bytes:
    """A body captured from (or written after) the vendor's documentation: tests/fixtures/<vendor>/<name>."""
    return (FIXTURES / vendor / name).read_bytes()


def edited(body: bytes, change: Callable[[Any], object]) -> bytes:
    """``body``'s JSON, re-serialized after ``change`` edits it in place."""
    value = json.loads(body)
    change(value)
    return json.dumps(value).encode()


def mac(secret: str, message: bytes, digest: str = "sha256") -> bytes:
    return hmac.new(secret.encode(), message, digest).digest()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def refused(result: IngestResult, bus: FakePublisher, status: int, error: str) -> str:
    """Asserts the delivery was refused with ``status`` and ``error`` and nothing reached the bus; its message."""
    assert result.status == status, result.body
    assert result.body["error"] == error
    assert bus.published == []
    return str(result.body["message"])


def ignored(result: IngestResult, bus: FakePublisher) -> str:
    """Asserts the delivery was acknowledged (200) and nothing reached the bus; why it was ignored."""
    assert result.status == 200, result.body
    assert bus.published == []
    return str(result.body["ignored"])
