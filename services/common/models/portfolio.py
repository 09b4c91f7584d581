"""Who is who: accounts, their contacts, our team, the promoters' connections and ICP target accounts.

Pure models; their PortfolioTable keys are in services/common/storage.py (docs/architecture.md).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Segment = Literal["Enterprise", "Mid-Market", "SMB", "Strategic"]
ContactRole = Literal["champion", "executive_sponsor", "decision_maker", "user"]
MemberRole = Literal["csm", "cro", "partner_manager", "exec_sponsor", "ae"]


class _Row(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=True, defer_build=True)


class Account(_Row):
    account_id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    domain: str | None = None
    segment: Segment
    arr: float = Field(ge=0)
    renewal_date: date | None = None
    csm_id: str = Field(min_length=1)
    ae_id: str | None = Field(default=None, description="the account executive, who gets expansion signals")
    industry: str | None = None
    employees: int | None = Field(default=None, ge=0)
    region: str | None = None
    customer_since: date | None = None
    licensed_seats: int | None = Field(default=None, ge=0)
    external_ids: dict[str, str] = Field(default_factory=dict, description="source → the vendor's id")

    @field_validator("domain")
    @classmethod
    def _lower(cls, value: str | None) -> str | None:
        return value.lower() if value else None


class Contact(_Row):
    contact_id: str = Field(min_length=1)
    account_id: str = Field(min_length=1)
    first_name: str = Field(min_length=1)
    last_name: str = ""
    email: str | None = None
    title: str | None = None
    role: ContactRole = "user"
    external_ids: dict[str, str] = Field(default_factory=dict)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if not value:
            return None
        if "@" not in value or value.startswith("@") or value.endswith("@"):
            raise ValueError("not an email address")
        return value.lower()

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Member(_Row):
    """A member of our own team (CSM, CRO, partner manager, exec sponsor)."""

    member_id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    email: str | None = None
    slack_user_id: str | None = Field(default=None, pattern=r"^[UW][A-Z0-9]{2,}$")
    role: MemberRole = "csm"
    manager_id: str | None = None

    @property
    def first_name(self) -> str:
        return self.name.split()[0]


class Connection(_Row):
    """Someone a customer contact knows (a shared network export)."""

    contact_id: str = Field(min_length=1)
    first_name: str = Field(min_length=1)
    last_name: str = ""
    email: str | None = None
    company: str = Field(min_length=1)
    company_domain: str | None = None
    position: str | None = None
    connected_on: date | None = None
    relationship: str | None = None

    @field_validator("company_domain")
    @classmethod
    def _lower(cls, value: str | None) -> str | None:
        return value.lower() if value else None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Target(_Row):
    """A prospect account, with the firmographics the ICP fit is computed from."""

    domain: str = Field(min_length=1)
    name: str = Field(min_length=1)
    industry: str | None = None
    employees: int | None = Field(default=None, ge=0)
    region: str | None = None
    hq_city: str | None = None

    @field_validator("domain")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()
