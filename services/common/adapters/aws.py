"""boto3 clients: one per AWS service per container, created on first use (boto3 honours AWS_ENDPOINT_URL)."""

from __future__ import annotations

import os
from typing import Any

from services.common.per_container import per_container


@per_container
def client(service: str) -> Any:
    # boto3 costs ~200 ms to import; handlers import this module, so it is loaded on first use only.
    import boto3

    return boto3.session.Session().client(service, region_name=os.environ.get("AWS_REGION") or None)
