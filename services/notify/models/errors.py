"""What can go wrong in notify.

Delivering (NotifyQueue): the ``Undeliverable`` errors leave the message on the queue, so SQS redelivers it
(and, after the queue's receive count, parks it in the DLQ); each says who or what is missing.

Slack's button clicks (``POST /slack/interactions``): each ``InteractionRefused`` is the answer the endpoint
gives, a status and an error code; nothing is recorded or published.
"""

from __future__ import annotations

from typing import Any, ClassVar


class Undeliverable(LookupError):
    """A message that cannot be delivered yet: the redelivery may find what is missing."""


class DmNotSentYet(Undeliverable):
    """A decision arrived for a trigger whose DM is not recorded yet (the TriggerFired is still on its way)."""

    def __init__(self, trigger_id: str):
        super().__init__(f"trigger {trigger_id} has no DM to update yet")


class Unreachable(Undeliverable):
    """A member to tell who has neither a Slack user id nor an email."""

    def __init__(self, role: str, member_id: str):
        super().__init__(f"{role} {member_id} has neither a Slack user id nor an email")


class NobodyToTell(Undeliverable):
    """An account message with no recipient: the account has no AE or CSM in the portfolio."""

    def __init__(self, account_id: str, event_type: str):
        super().__init__(f"account {account_id}: nobody to tell about {event_type} (no AE/CSM)")


class InteractionRefused(Exception):
    """A request to the interactions endpoint that is answered ``status`` with ``error`` and a message."""

    status: ClassVar[int]
    error: ClassVar[str]

    def __init_subclass__(cls, *, status: int, error: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.status, cls.error = status, error


class NotConfigured(InteractionRefused, status=503, error="not_configured"):
    """The secret has no Slack signing secret yet: nothing can be verified (the deploy step was skipped)."""


class BadSignature(InteractionRefused, status=401, error="invalid_signature"):
    """Not signed by Slack: a signature or timestamp missing, malformed, wrong or stale."""


class BadInteraction(InteractionRefused, status=400, error="malformed_payload"):
    """Signed by Slack but not an interaction payload (a form with a JSON object in ``payload``)."""
