"""The raw-body archive: Firehose batches bodies into gzipped S3 objects; oversized ones go straight to S3.

Layout and reference format: services/ingest/logic/raw.py. Firehose answers PutRecord once the record is
stored durably (replicated across three AZs) and delivers it within its buffering interval; the bucket's
lifecycle rule moves and later expires what it holds (infra/constructs/raw_archive.py).
"""

from __future__ import annotations

import functools
import gzip
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from services.common.adapters.aws import client
from services.ingest.logic.raw import (
    BODY_SUFFIX,
    MAX_RECORD_BYTES,
    RawDelivery,
    RawRef,
    find_in_batch,
    record_line,
    reference,
)


class FirehoseArchive:
    def __init__(self, stream: str, bucket: str, firehose: Any = None, s3: Any = None) -> None:
        self.stream = stream
        self.bucket = bucket
        self._firehose = firehose
        self._s3 = s3

    def reference(self, raw: RawDelivery) -> str:
        return reference(self.bucket, raw)

    def begin(self, raw: RawDelivery) -> Callable[[], str]:
        """Store in the background (alongside PutEvents); the result waits for it and raises its error."""
        return _background().submit(self.store, raw).result

    def store(self, raw: RawDelivery) -> str:
        """``firehose`` or ``object`` (too large for a record, or Firehose refused: the body is still kept)."""
        line = record_line(raw)
        if len(line) <= MAX_RECORD_BYTES:
            from botocore.exceptions import BotoCoreError, ClientError

            try:
                (self._firehose or client("firehose")).put_record(DeliveryStreamName=self.stream, Record={"Data": line})
                return "firehose"
            except (ClientError, BotoCoreError):
                pass  # throttled or unavailable: one S3 PUT keeps the body all the same
        put_body(self._s3 or client("s3"), self.bucket, RawRef.of(self.bucket, raw).body_key, raw)
        return "object"


@functools.cache
def _background() -> ThreadPoolExecutor:
    # One archive write per webhook, a few at once in a process; botocore clients are thread-safe.
    return ThreadPoolExecutor(max_workers=4, thread_name_prefix="raw-archive")


def put_body(s3: Any, bucket: str, key: str, raw: RawDelivery) -> None:
    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=raw.body,
        ContentType=raw.content_type or "application/octet-stream",
        Metadata={"source": raw.source, "received-at": raw.received_at.isoformat(), "record-id": raw.record_id},
        ServerSideEncryption="AES256",
    )


def get_body(s3: Any, bucket: str, key: str) -> RawDelivery | None:
    from datetime import datetime

    try:
        obj = s3.get_object(Bucket=bucket, Key=key)
    except s3.exceptions.NoSuchKey:
        return None
    meta = obj.get("Metadata") or {}
    return RawDelivery(
        record_id=meta.get("record-id", key.rsplit("/", 1)[-1].removesuffix(BODY_SUFFIX)),
        source=meta.get("source", ""),
        received_at=datetime.fromisoformat(meta["received-at"]),
        content_type=obj.get("ContentType"),
        body=obj["Body"].read(),
    )


class RawReader:
    """Finds the exact body a ``raw_ref`` names (``boomerang raw show``)."""

    def __init__(self, s3: Any = None) -> None:
        self._s3 = s3

    @property
    def s3(self) -> Any:
        return self._s3 or client("s3")

    def fetch(self, ref: str) -> RawDelivery:
        where = RawRef.parse(ref)
        direct = get_body(self.s3, where.bucket, where.body_key)
        if direct is not None:
            return direct
        paginator = self.s3.get_paginator("list_objects_v2")
        for prefix in where.search_prefixes():
            for page in paginator.paginate(Bucket=where.bucket, Prefix=prefix):
                for obj in page.get("Contents", []):
                    if obj["Key"].endswith(BODY_SUFFIX):
                        continue
                    data = self.s3.get_object(Bucket=where.bucket, Key=obj["Key"])["Body"].read()
                    if data[:2] == b"\x1f\x8b":
                        data = gzip.decompress(data)
                    found = find_in_batch(data, where.record_id)
                    if found is not None:
                        return found
        raise LookupError(
            f"{ref}: not in the archive (yet): Firehose delivers within its 15-minute buffer; if the event is "
            "older, check the RawArchiveDeliveryStale alarm and the stream's DeliveryToS3 metrics"
        )
