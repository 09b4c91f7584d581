"""Totango: the "call a webhook" action of an event-based SuccessPlay.

When an account enters (or exits) the SuccessPlay's segment, Totango calls the webhook with the JSON body the
admin configured; it signs nothing. The call carries a shared token (``X-Boomerang-Token: <totango_token>``
or ``Authorization: Bearer <totango_token>``). ``account_id`` is the Totango account id (the ``sdr_o`` id,
e.g. ``acct_rio_claro``), matched against ``ext_totango`` in accounts.csv. Totango dates may arrive as Unix
milliseconds; they are accepted. Body template and mapping: docs/sources/cs-platforms.md.
"""

from __future__ import annotations

from services.common.storage import SOURCE_SECRET_KEYS
from services.ingest.logic.sources.cs_platform import CsPlatformSource


class Totango(CsPlatformSource):
    name = "totango"
    secret_key = SOURCE_SECRET_KEYS[name]
