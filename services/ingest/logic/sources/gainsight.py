"""Gainsight CS: Rules Engine "Call External API" action or Journey Orchestrator "Call API" step.

Gainsight sends whatever JSON body the admin defines on the External Action, with fields mapped from the
rule's dataset or the program's participant tokens; it signs nothing. So the call carries a shared token
(``X-Boomerang-Token: <gainsight_token>`` set as a header on the Custom Connector / External Action, or
``Authorization: Bearer <gainsight_token>``). ``account_id`` is the Gainsight Company GSID (``1P02…``),
matched against ``ext_gainsight`` in accounts.csv. Body template and mapping: docs/sources/cs-platforms.md.
"""

from __future__ import annotations

from services.common.storage import SOURCE_SECRET_KEYS
from services.ingest.logic.sources.cs_platform import CsPlatformSource


class Gainsight(CsPlatformSource):
    name = "gainsight"
    secret_key = SOURCE_SECRET_KEYS[name]
