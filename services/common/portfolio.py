"""Who is who: accounts, their contacts, our team, the promoters' connections and ICP target accounts.

Pure models plus their DynamoDB item keys (docs/architecture.md, PortfolioTable).
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


def account_key(account_id: str) -> str:
    return f"ACCOUNT#{account_id}"


def lookup_key(source: str, external_id: str) -> str:
    return f"LOOKUP#{source}#{external_id}"


def contact_namespace(source: str) -> str:
    """The lookup namespace of a vendor's person ids (``hubspot:contact``): company and person ids may collide."""
    return f"{source}:contact"


def email_key(email: str) -> str:
    return f"LOOKUP#email#{email.strip().lower()}"


def name_key(name: str) -> str:
    """An account's name, case and spacing folded (``boomerang health --customer NAME``)."""
    return f"LOOKUP#name#{' '.join(name.split()).lower()}"


def renewal_key(renewal: date) -> str:
    """The quarter an account renews in (``boomerang forecast --period 2027Q1`` Queries it)."""
    return f"RENEWAL#{renewal.year}Q{(renewal.month - 1) // 3 + 1}"


def member_key(member_id: str) -> str:
    return f"MEMBER#{member_id}"


def contact_key(contact_id: str) -> str:
    return f"CONTACT#{contact_id}"


def target_key(domain: str) -> str:
    return f"TARGET#{domain.lower()}"
