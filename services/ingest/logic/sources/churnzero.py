"""ChurnZero: the webhook step of a Play.

When an account or contact reaches the step, ChurnZero POSTs the JSON body configured on the step; it signs
nothing. The step carries a shared token (``X-Boomerang-Token: <churnzero_token>`` or
``Authorization: Bearer <churnzero_token>``). ``account_id`` is the ChurnZero Account External ID (the id
your systems use, e.g. ``CUST-10474``), matched against ``ext_churnzero`` in accounts.csv. Body template and
mapping: docs/sources/cs-platforms.md.
"""

from __future__ import annotations

from services.common.storage import SOURCE_SECRET_KEYS
from services.ingest.logic.sources.cs_platform import CsPlatformSource


class ChurnZero(CsPlatformSource):
    name = "churnzero"
    secret_key = SOURCE_SECRET_KEYS[name]
