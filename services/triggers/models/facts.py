"""Everything rule evaluation needs to know about an account, gathered in as few reads as possible."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from services.common.models.portfolio import Account, Connection, Contact, Member, Target
from services.common.models.signals import AccountSignals


@dataclass(frozen=True)
class Facts:
    account: Account
    promoter: Contact | None  # the account's contact who had the peak moment, when known
    csm: Member | None
    signals: AccountSignals
    last_asked: datetime | None
    connections: list[Connection] = field(default_factory=list)  # the promoter's
    targets: dict[str, Target] = field(default_factory=dict)  # by domain, for those connections
