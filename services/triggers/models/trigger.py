"""A fired trigger as the StateTable keeps it: what notify and the Slack buttons later read back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.common.models.events import TriggerFired


@dataclass(frozen=True)
class TriggerRecord:
    trigger_id: str
    account_id: str
    rule: str
    csm_member_id: str
    csm_slack_user_id: str | None
    promoter_contact_id: str  # the cool-down's key: the contact id, else the respondent's email or account
    window_ends_at: datetime
    fired_at: datetime

    @classmethod
    def of(cls, fired: TriggerFired, *, account_id: str, promoter_key: str, fired_at: datetime) -> TriggerRecord:
        return cls(
            trigger_id=fired.trigger_id,
            account_id=account_id,
            rule=fired.rule,
            csm_member_id=fired.csm_member_id,
            csm_slack_user_id=fired.csm_slack_user_id,
            promoter_contact_id=promoter_key,
            window_ends_at=fired.window_ends_at,
            fired_at=fired_at,
        )
