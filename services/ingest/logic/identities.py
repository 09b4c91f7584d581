"""Who an event is about: a vendor's names resolved to our account (and contact), and names learned.

Every name lives in the PortfolioTable as ``LOOKUP#<namespace>#<id>`` (docs/architecture.md): ``email``,
``domain``, ``<source>`` for a vendor's company ids and ``<source>:contact`` for its person ids. Imported
with the portfolio, or learned from CRM events when the evidence names exactly one of our records.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Literal

from services.common.storage import account_key, contact_namespace, lookup_key
from services.ingest.logic.ports import IdentityLookup
from services.ingest.models.errors import UnknownAccount
from services.ingest.models.webhook import AccountRef, Identity, IdentityClaim

#: How a vendor's person-id namespace ends (``contact_namespace(source)``), unlike its company ids'.
PERSON_SUFFIX = contact_namespace("")


def normalize_email(email: str) -> str:
    return email.strip().lower()


def normalize_domain(value: str) -> str:
    """``https://www.Example.com/about`` → ``example.com``: how a website field names a domain."""
    text = value.strip().lower()
    text = text.split("://", 1)[-1].split("/", 1)[0].split("?", 1)[0].split(":", 1)[0]
    text = text.rsplit("@", 1)[-1]
    return text.removeprefix("www.").strip(".")


def resolve(ref: AccountRef, lookup: IdentityLookup, *, domain_fallback: bool = True) -> Identity:
    """Our account (and contact, when the ref names a person we know). Never guesses.

    Order: our own account id; the person's email; the vendor's person id; the vendor's company id; the
    company's domain (and, with ``domain_fallback``, the domain of the person's email). Raises
    UnknownAccount with every lookup key whose arrival would have resolved it.
    """
    if ref.account_id:
        if lookup.account_exists(ref.account_id):
            return Identity(ref.account_id)
        raise UnknownAccount(f"unknown account id {ref.account_id!r}", (account_key(ref.account_id),))
    tried: list[str] = []
    if ref.email:  # the common case (a survey respondent, a ticket requester) first
        email = normalize_email(ref.email)
        found = lookup.find("email", email)
        if found is not None:
            return found
        tried.append(lookup_key("email", email))
    for namespace, external_id in _candidates(ref, domain_fallback):
        found = lookup.find(namespace, external_id)
        if found is not None:
            if namespace.endswith(PERSON_SUFFIX):
                return found
            return Identity(found.account_id)
        tried.append(lookup_key(namespace, external_id))
    raise UnknownAccount(
        "no account matches this event's respondent or ids; import the mapping (the delivery is kept in the "
        "quarantine and replayed when it arrives)",
        tuple(tried),
    )


def _candidates(ref: AccountRef, domain_fallback: bool) -> Iterator[tuple[str, str]]:
    """The lookups to try after the email, most specific first (lazily: most events stop at the first)."""
    if ref.source and ref.contact_external_id:
        yield contact_namespace(ref.source), ref.contact_external_id
    if ref.source and ref.external_id:
        yield ref.source, ref.external_id
    domain = normalize_domain(ref.domain) if ref.domain else None
    if domain is None and domain_fallback and ref.email and "@" in ref.email:
        domain = normalize_domain(ref.email)
    if domain:
        yield "domain", domain


#: What became of one vendor id a delivery made claims about (counted as ``identity_<outcome>``).
Learned = Literal["learned", "known", "conflict", "unresolved", "ambiguous"]


def learn(claims: Iterable[IdentityClaim], lookup: IdentityLookup, source: str) -> list[Learned]:
    """Record each claim whose evidence names exactly one of our records and whose vendor id is free.

    Not learned: evidence that resolves to nothing (``unresolved``), a vendor id already mapped elsewhere
    (``conflict``: the imported or earlier mapping wins), and a vendor id this delivery ties to two
    different records (``ambiguous``). Evidence is exact: an email must be a known contact's (its domain
    is not enough), a domain must be an account's own. One outcome per vendor id claimed.
    """
    claims = list(claims)
    resolved: dict[tuple[str, str], list[tuple[IdentityClaim, Identity | None]]] = {}
    for claim in claims:
        try:
            identity: Identity | None = resolve(claim.evidence, lookup, domain_fallback=False)
        except UnknownAccount:
            identity = None
        if identity is not None:
            if claim.source.endswith(PERSON_SUFFIX) and identity.contact_id is None:
                identity = None  # the evidence names a company, not this person
            elif not claim.source.endswith(PERSON_SUFFIX):
                identity = Identity(identity.account_id)
        resolved.setdefault((claim.source, claim.external_id), []).append((claim, identity))

    outcomes: list[Learned] = []
    for found in resolved.values():
        identities = {identity for _, identity in found if identity is not None}
        if not identities:
            outcomes.append("unresolved")
        elif len(identities) > 1:
            outcomes.append("ambiguous")
        else:
            (identity,) = identities
            outcomes.append(_record(found[0][0], identity, lookup, source))
    return outcomes


def _record(claim: IdentityClaim, identity: Identity, lookup: IdentityLookup, source: str) -> Learned:
    existing = lookup.find(claim.source, claim.external_id)
    if existing is None:
        if lookup.remember(claim.source, claim.external_id, identity, f"{source}:{claim.source_event_id}"):
            return "learned"
        existing = lookup.find(claim.source, claim.external_id)  # written meanwhile by someone else
    same_person = not claim.source.endswith(PERSON_SUFFIX) or (
        existing is not None and existing.contact_id == identity.contact_id
    )
    if existing is not None and existing.account_id == identity.account_id and same_person:
        return "known"
    return "conflict"
