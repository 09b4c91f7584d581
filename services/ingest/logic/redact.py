"""Log lines carry no personal data: error messages are redacted before they are logged.

Vendors are told exactly what is wrong (the HTTP answer); logs get the same message with email addresses
replaced and long quoted values (which could be a survey comment or a ticket subject) reduced to their length.
"""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
_QUOTED = re.compile(r"'[^']{25,}'|\"[^\"]{25,}\"")
MAX_CHARS = 300


def redact(message: object) -> str | None:
    if message is None:
        return None
    text = _EMAIL.sub("<email>", str(message))
    text = _QUOTED.sub(lambda m: f"<{len(m.group(0)) - 2} chars>", text)
    return text if len(text) <= MAX_CHARS else text[:MAX_CHARS] + "…"
