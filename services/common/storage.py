"""The storage contract: every name infra and the services share, spelled once.

Infra creates the tables, indexes, TTLs and environment variables from these names; the adapters read and
write items by them; the CLI and the local stack use them too. docs/architecture.md describes each item and
the access patterns. Nothing here does I/O.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class Env(StrEnum):
    """Environment variables infra sets on a function (each with the matching grant) and wiring reads."""

    EVENT_BUS_NAME = "EVENT_BUS_NAME"
    SECRETS_ID = "SECRETS_ID"
    PORTFOLIO_TABLE = "PORTFOLIO_TABLE"
    STATE_TABLE = "STATE_TABLE"
    IDEMPOTENCY_TABLE = "IDEMPOTENCY_TABLE"
    QUARANTINE_TABLE = "QUARANTINE_TABLE"
    RAW_ARCHIVE_STREAM = "RAW_ARCHIVE_STREAM"
    RAW_ARCHIVE_BUCKET = "RAW_ARCHIVE_BUCKET"
    BOOMERANG_CONFIG = "BOOMERANG_CONFIG"  # the rules file, bundled with the code
    SLACK_API_URL = "SLACK_API_URL"  # unset in AWS (slack.com); the local stack's Slack-compatible sink


# -- table keys --------------------------------------------------------------------------------------------
PK = "pk"
SK = "sk"


class Sk(StrEnum):
    """Sort keys that are literals (the others are built below)."""

    PROFILE = "PROFILE"  # an account's, member's or target's own item
    LOOKUP = "LOOKUP"  # a name → account (and contact) mapping
    SIGNALS = "SIGNALS"  # an account's signals and health summary (StateTable)
    CADENCE = "CADENCE"  # an account's health-check schedule (StateTable, in DueIndex)
    TRIGGER = "TRIGGER"  # a fired trigger and its ask (StateTable)
    ASKED = "ASKED"  # a promoter's cool-down (StateTable)
    NOTIFIED = "NOTIFIED"  # a scoring message delivered to one member (StateTable)
    QUARANTINED = "ITEM"  # a quarantined delivery (QuarantineTable)


ACCOUNT_PREFIX = "ACCOUNT#"
LOOKUP_PREFIX = "LOOKUP#"
CONTACT_PREFIX = "CONTACT#"  # an account's contacts (sort key) and a contact's own partition
KNOWS_PREFIX = "KNOWS#"  # a contact's connections (sort key)
HEALTH_PREFIX = "HEALTH#"  # an account's score history (sort key)
RENEWAL_PREFIX = "RENEWAL#"


def account_key(account_id: str) -> str:
    return f"{ACCOUNT_PREFIX}{account_id}"


def lookup_key(namespace: str, external_id: str) -> str:
    return f"{LOOKUP_PREFIX}{namespace}#{external_id}"


def contact_namespace(source: str) -> str:
    """The lookup namespace of a vendor's person ids (``hubspot:contact``): company and person ids may collide."""
    return f"{source}:contact"


def email_key(email: str) -> str:
    return lookup_key("email", email.strip().lower())


def name_key(name: str) -> str:
    """An account's name, case and spacing folded (``boomerang health --customer NAME``)."""
    return lookup_key("name", " ".join(name.split()).lower())


def renewal_key(renewal: date) -> str:
    """The quarter an account renews in (``boomerang forecast --period 2027Q1`` Queries it)."""
    return renewal_quarter_key(f"{renewal.year}Q{(renewal.month - 1) // 3 + 1}")


def renewal_quarter_key(quarter: str) -> str:
    return f"{RENEWAL_PREFIX}{quarter}"


def member_key(member_id: str) -> str:
    return f"MEMBER#{member_id}"


def contact_key(contact_id: str) -> str:
    return f"{CONTACT_PREFIX}{contact_id}"


def knows_key(number: int) -> str:
    """The sort key of a contact's ``number``-th connection."""
    return f"{KNOWS_PREFIX}{number:05d}"


def target_key(domain: str) -> str:
    return f"TARGET#{domain.lower()}"


def health_key(at: datetime) -> str:
    """The sort key of one score-history record."""
    return f"{HEALTH_PREFIX}{at.isoformat()}"


def trigger_key(trigger_id: str) -> str:
    return f"TRIGGER#{trigger_id}"


def asked_key(promoter_key: str) -> str:
    return f"ASKED#{promoter_key}"


def notified_key(claim: str) -> str:
    return f"NOTIFIED#{claim}"


def quarantine_key(quarantine_id: str) -> str:
    return f"Q#{quarantine_id}"


def wait_key(lookup: str) -> str:
    """The partition of the quarantine items waiting for ``lookup`` (a PortfolioTable key) to be written."""
    return f"WAIT#{lookup}"


#: PortfolioTable items whose arrival can resolve a quarantined delivery: a lookup or an account profile.
#: Infra filters the table's stream on exactly these; the replay function maps a record back with ``mapping_key``.
MAPPING_ITEMS: tuple[tuple[str, Sk], ...] = ((LOOKUP_PREFIX, Sk.LOOKUP), (ACCOUNT_PREFIX, Sk.PROFILE))


def mapping_key(pk: str, sk: str) -> str | None:
    """The key quarantined items wait for, if the written item ``(pk, sk)`` is one of ``MAPPING_ITEMS``."""
    return pk if any(pk.startswith(prefix) and sk == literal for prefix, literal in MAPPING_ITEMS) else None


#: The attributes of the StateTable's ``SIGNALS`` item: the zlib-packed signals and their version (optimistic lock).
SIGNALS_ATTRIBUTE = "z"
VERSION_ATTRIBUTE = "version"


# -- time to live ------------------------------------------------------------------------------------------
TTL_ATTRIBUTE = "expires_at"  # StateTable and QuarantineTable (epoch seconds)
IDEMPOTENCY_KEY = "id"
IDEMPOTENCY_TTL_ATTRIBUTE = "expiration"  # Powertools Idempotency's own attribute


# -- indexes -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Index:
    name: str
    partition_key: str
    sort_key: str
    projected: tuple[str, ...]  # non-key attributes the index copies (what its readers use)


#: Sparse GSI of the StateTable: only health-check schedules (``CADENCE`` items) carry its keys.
DUE_INDEX = Index(
    "DueIndex",
    "due_shard",
    "due_at",
    ("account_id", "status", "score", "since", "check_at", "escalate_at", "last_check_at", "csm_member_id"),
)
DUE_SHARDS = 4


def due_shard(shard: int) -> str:
    return f"DUE#{shard}"


def due_shard_of(account_id: str) -> str:
    """Accounts spread over ``DUE_SHARDS`` index partitions: a mass status change makes no partition hot."""
    return due_shard(zlib.crc32(account_id.encode()) % DUE_SHARDS)


#: Sparse GSI of the QuarantineTable: pending items by reason; what `boomerang quarantine list` shows (never a body).
BY_REASON_INDEX = Index(
    "ByReason",
    "list_pk",
    "list_sk",
    (
        "quarantine_id",
        "source",
        "reason",
        "message",
        "received_at",
        "last_seen_at",
        "content_type",
        "path",
        "verified",
        "status",
        "deliveries",
        "attempts",
        "waiting_for",
        "pending_events",
    ),
)


# -- the raw archive bucket -------------------------------------------------------------------------------
RAW_PREFIX = "raw/"  # Firehose batches (it appends YYYY/MM/dd/HH/) and bodies stored on their own
QUARANTINE_BODY_PREFIX = "quarantine/"  # quarantined bodies too large for a DynamoDB item


# -- the Boomerang secret ----------------------------------------------------------------------------------
#: Each webhook source's key in the secret (the source adapters read theirs from here).
SOURCE_SECRET_KEYS: dict[str, str] = {
    "delighted": "delighted_api_key",  # Delighted signs webhooks with the account's private API key
    "typeform": "typeform_secret",
    "zendesk": "zendesk_signing_secret",
    "intercom": "intercom_client_secret",
    "hubspot": "hubspot_client_secret",
    "salesforce": "salesforce_token",
    "gainsight": "gainsight_token",
    "churnzero": "churnzero_token",
    "totango": "totango_token",
    "generic": "generic_signing_secret",
}
SLACK_SIGNING_SECRET = "slack_signing_secret"
SLACK_BOT_TOKEN = "slack_bot_token"
#: Ours to issue to senders, so generated at deploy rather than pasted.
GENERATED_SECRET_KEY = SOURCE_SECRET_KEYS["generic"]
SECRET_KEYS: tuple[str, ...] = (*sorted(set(SOURCE_SECRET_KEYS.values())), SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN)
#: The deployed secret starts with this placeholder; it is public, so it must never verify anything.
SECRET_PLACEHOLDER = "REPLACE_ME"
