"""What can go wrong in scoring."""

from __future__ import annotations


class ConcurrentUpdate(Exception):
    """Someone else changed the account's signals between our read and write: read again."""
