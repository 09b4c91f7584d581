"""The raw-body archive's format: one JSON line per accepted delivery, and the reference events carry.

Bodies travel to S3 through Firehose, which batches many deliveries into one gzipped object under
``raw/YYYY/MM/dd/HH/`` (its default UTC hour prefix, taken from the oldest record in the object). A body
too large for one Firehose record, or one Firehose refused, is written as its own object
``raw/YYYY/MM/dd/HH/<record id>.body`` instead. The reference is the same either way, and it is known
before anything is stored, so the events can carry it:

    s3://<bucket>/raw/2026/11/22/12/#<record id>

i.e. "the record with this id, in the objects of this hour prefix". ``boomerang raw show REF`` reads the
``.body`` object if there is one, else scans that hour and its neighbours (a batch object is named after
its oldest record, so a record received at 12:00:01 can sit in an 11/ object). The record id is a hash of
the source and the bytes: the same delivery retried within the hour has the same reference.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from services.common.storage import RAW_PREFIX

BODY_SUFFIX = ".body"
#: Firehose's limit for one record's data is 1,000 KiB; keep a margin for the line's own fields.
MAX_RECORD_BYTES = 1_000 * 1024 - 4096


class RawDelivery(NamedTuple):  # a tuple: one is built per accepted webhook, on the hot path
    record_id: str
    source: str
    received_at: datetime
    content_type: str | None
    body: bytes
    # When it is archived, if not at receipt (a replay, hours later): Firehose files it under that hour.
    stored_at: datetime | None = None

    @classmethod
    def new(
        cls,
        source: str,
        received_at: datetime,
        content_type: str | None,
        body: bytes,
        stored_at: datetime | None = None,
    ) -> RawDelivery:
        # Named by its bytes: a delivery retried after a failure gets the same reference (within the hour),
        # so an event published before the archive write failed still points at the body once it is kept.
        digest = hashlib.sha1(source.encode() + b"\x1f" + body, usedforsecurity=False).hexdigest()[:16]
        return cls(f"{source}-{digest}", source, received_at, content_type, body, stored_at)


@dataclass(frozen=True)
class RawRef:
    bucket: str
    hour: datetime  # UTC, truncated to the hour
    record_id: str

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{hour_prefix(self.hour)}#{self.record_id}"

    @property
    def body_key(self) -> str:
        """Where the body is when it was stored on its own (too large for Firehose, or Firehose failed)."""
        return f"{hour_prefix(self.hour)}{self.record_id}{BODY_SUFFIX}"

    def search_prefixes(self) -> list[str]:
        """The hour prefixes that can hold the record's batch object, most likely first."""
        return [hour_prefix(self.hour + timedelta(hours=h)) for h in (0, -1, 1)]

    @classmethod
    def of(cls, bucket: str, raw: RawDelivery) -> RawRef:
        moment = _utc(raw.stored_at or raw.received_at)
        return cls(bucket, moment.replace(minute=0, second=0, microsecond=0), raw.record_id)

    @classmethod
    def parse(cls, text: str) -> RawRef:
        """``s3://bucket/raw/YYYY/MM/dd/HH/#id``; ValueError says what is wrong with anything else."""
        if not text.startswith("s3://") or "#" not in text:
            raise ValueError(f"{text!r} is not a raw_ref (s3://<bucket>/raw/YYYY/MM/dd/HH/#<record id>)")
        location, _, record_id = text[5:].partition("#")
        bucket, _, key = location.partition("/")
        if not bucket or not record_id or not key.startswith(RAW_PREFIX):
            raise ValueError(f"{text!r} is not a raw_ref (s3://<bucket>/raw/YYYY/MM/dd/HH/#<record id>)")
        try:
            hour = datetime.strptime(key[len(RAW_PREFIX) :].rstrip("/"), "%Y/%m/%d/%H").replace(tzinfo=UTC)
        except ValueError:
            raise ValueError(f"{text!r}: the prefix must be raw/YYYY/MM/dd/HH/") from None
        return cls(bucket, hour, record_id)


def reference(bucket: str, raw: RawDelivery) -> str:
    """``str(RawRef.of(bucket, raw))``, with the hour's part cached (the same for every delivery that hour)."""
    moment = _utc(raw.stored_at or raw.received_at)
    return _ref_prefix(bucket, moment.year, moment.month, moment.day, moment.hour) + raw.record_id


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is UTC else moment.astimezone(UTC)


@functools.lru_cache(maxsize=64)
def _ref_prefix(bucket: str, year: int, month: int, day: int, hour: int) -> str:
    return f"s3://{bucket}/{hour_prefix(datetime(year, month, day, hour, tzinfo=UTC))}#"


def hour_prefix(hour: datetime) -> str:
    # Spelled out: strftime costs more than the rest of the reference on the ingest hot path.
    return f"{RAW_PREFIX}{hour.year:04d}/{hour.month:02d}/{hour.day:02d}/{hour.hour:02d}/"


def record_line(raw: RawDelivery) -> bytes:
    """The archived JSON line; ``id`` comes first so a scan can match it without parsing every line."""
    try:
        body, encoding = raw.body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        body, encoding = base64.b64encode(raw.body).decode(), "base64"
    fields = {
        "id": raw.record_id,
        "source": raw.source,
        "received_at": raw.received_at.isoformat(),
        "stored_at": raw.stored_at.isoformat() if raw.stored_at else None,
        "content_type": raw.content_type,
        "encoding": encoding,
        "body": body,
    }
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def line_prefix(record_id: str) -> bytes:
    return b'{"id":' + json.dumps(record_id).encode() + b","


def parse_line(line: bytes) -> RawDelivery:
    fields = json.loads(line)
    body = fields["body"]
    raw_body = base64.b64decode(body) if fields.get("encoding") == "base64" else body.encode("utf-8")
    return RawDelivery(
        record_id=fields["id"],
        source=fields["source"],
        received_at=datetime.fromisoformat(fields["received_at"]),
        content_type=fields.get("content_type"),
        body=raw_body,
        stored_at=datetime.fromisoformat(fields["stored_at"]) if fields.get("stored_at") else None,
    )


def find_in_batch(data: bytes, record_id: str) -> RawDelivery | None:
    """The record in one batch object's (decompressed) bytes, if it is there."""
    wanted = line_prefix(record_id)
    for line in data.split(b"\n"):
        if line.startswith(wanted):
            return parse_line(line)
    return None
