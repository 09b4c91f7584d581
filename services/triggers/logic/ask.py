"""Builds the ask a CSM sees: who (ranked, with reasons), what (the script), why now (the facts)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.common.logic.scripts import render
from services.common.models.config import BoomerangConfig, Trigger
from services.common.models.events import Ask, EventEnvelope, GateResult, NpsResponded, Person
from services.common.models.portfolio import Account, Connection, Contact, Member, Target
from services.triggers.logic.icp import fit
from services.triggers.models.facts import Facts


def rank_people(connections: list[Connection], targets: dict[str, Target], config: BoomerangConfig) -> list[Person]:
    """Everyone the promoter knows at ICP-fit target accounts, best fit first, one entry per person."""
    people: dict[tuple[str, str], Person] = {}
    for connection in connections:
        target = targets.get(connection.company_domain or "")
        if target is None:
            continue
        score, reasons = fit(target, config.icp)
        if score < config.icp.min_fit:
            continue
        key = ((connection.email or connection.name).casefold(), target.domain)
        person = Person(
            name=connection.name,
            title=connection.position,
            company=target.name,
            domain=target.domain,
            fit=score,
            fit_reasons=reasons,
            relationship=connection.relationship,
        )
        if key not in people or people[key].fit < score:
            people[key] = person
    return sorted(people.values(), key=lambda p: (-p.fit, p.company, p.name))


def build_ask(
    *,
    event: EventEnvelope,
    trigger: Trigger,
    config: BoomerangConfig,
    facts: Facts,
    gates: list[GateResult],
    window_ends_at: datetime,
    now: datetime,
) -> Ask:
    data = event.data
    account, promoter, csm = facts.account, facts.promoter, facts.csm
    people = rank_people(facts.connections, facts.targets, config)
    promoter_name = _promoter_name(promoter, data)
    script_name = trigger.script if people or not trigger.fallback_script else trigger.fallback_script
    script = render(config.scripts[script_name], _script_values(event, account, promoter_name, csm, people))
    return Ask(
        promoter_contact_id=promoter.contact_id if promoter else getattr(data, "contact_id", None),
        promoter_name=promoter_name,
        promoter_title=promoter.title if promoter else None,
        promoter_email=(promoter.email if promoter else None) or getattr(data, "respondent_email", None),
        account_name=account.name,
        people=people[: config.asks.max_people],
        people_known=len(people),
        script=script,
        why_now=why_now(event, trigger, account, gates, window_ends_at, now, promoter_name),
    )


def _promoter_name(promoter: Contact | None, data: Any) -> str:
    if promoter:
        return promoter.name
    return getattr(data, "respondent_name", None) or getattr(data, "respondent_email", None) or "the customer"


def _script_values(
    event: EventEnvelope, account: Account, promoter_name: str, csm: Member | None, people: list[Person]
) -> dict[str, str]:
    data = event.data
    first = people[0] if people else None
    milestone = getattr(data, "milestone", None) or {
        "RenewalSigned": "the renewal",
        "ExpansionSigned": "the expansion",
        "OnboardingCompleted": "onboarding",
    }.get(event.type.value, "this milestone")
    return {
        "promoter_first_name": promoter_name.split()[0],
        "promoter_name": promoter_name,
        "account_name": account.name,
        "score": str(data.score) if isinstance(data, NpsResponded) else "",
        "milestone": milestone,
        "intro_first_name": first.name.split()[0] if first else "",
        "intro_name": first.name if first else "",
        "intro_company": first.company if first else "",
        "intro_relationship": (first.relationship or "you know each other") if first else "",
        "intro_list": ", ".join(f"{p.name} ({p.company})" for p in people),
        "csm_name": csm.name if csm else "",
        "csm_first_name": csm.first_name if csm else "",
    }


def why_now(
    event: EventEnvelope,
    trigger: Trigger,
    account: Account,
    gates: list[GateResult],
    window_ends_at: datetime,
    now: datetime,
    promoter_name: str,
) -> list[str]:
    data = event.data
    hours_left = max(0, int((window_ends_at - now).total_seconds() // 3600))
    moment = (
        f"{promoter_name} answered NPS {data.score} on {_when(event.occurred_at)}"
        if isinstance(data, NpsResponded)
        else f"{trigger.label} on {_when(event.occurred_at)}"
    )
    lines = [
        f"{trigger.label}: {moment}",
        f"Peak window closes {_when(window_ends_at)} ({hours_left} h left)",
    ]
    lines.extend(g.detail for g in gates if g.passed)
    if account.renewal_date:
        lines.append(f"Renewal {account.renewal_date.isoformat()} · ARR ${account.arr:,.0f}")
    return lines


def _when(moment: datetime) -> str:
    return moment.strftime("%a %d %b %H:%M UTC")
