"""Scoring's messages for people: ExpansionSignal → the account's AE; HealthCheckDue → the CSM;
RedAccountEscalated → the CSM's manager (and the CSM). A Slack DM when the member has a Slack user id, else an
email. Each (event, recipient) is claimed before it is sent, so a redelivered message never DMs twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from services.common.models.events import EventEnvelope, ExpansionSignal, HealthCheckDue, RedAccountEscalated
from services.common.models.portfolio import Member
from services.notify.logic.ports import Clock, Directory, Mailer, SentLog, Slack
from services.notify.models.errors import NobodyToTell, Unreachable

SENT_TTL = timedelta(days=30)  # SQS gives up on a message long before this

GUIDANCE = {  # seed 004's thresholds table
    "green": "Healthy — maintain cadence, pursue expansion.",
    "yellow": "Attention — increase touchpoints, address gaps.",
    "red": "At risk — activate the risk playbook immediately.",
}
SIGNAL_LABELS = {
    "high_adoption": "High adoption",
    "new_department": "New department interested",
    "premium_requests": "Premium-tier feature requests",
    "executive_engagement": "Executive engagement increasing",
    "renewal_soon": "Renewal within 90 days",
}


@dataclass(frozen=True)
class HealthAlerts:
    slack: Slack
    directory: Directory
    mailer: Mailer
    sent: SentLog
    sender: str
    now: Clock

    def handle(self, event: EventEnvelope) -> str:
        data = event.data
        account = self.directory.account(event.account_id)
        name = account.name if account else event.account_id
        csm = self._member(account.csm_id if account else None)
        if isinstance(data, ExpansionSignal):
            ae = self._member(data.ae_member_id or (account.ae_id if account else None))
            text, blocks = expansion_message(name, data, csm)
            recipients = [ae or csm]
        elif isinstance(data, HealthCheckDue):
            text, blocks = check_message(name, data)
            recipients = [csm]
        elif isinstance(data, RedAccountEscalated):
            manager = self._member(csm.manager_id if csm else None)
            text, blocks = escalation_message(name, data, csm, manager)
            recipients = [manager, csm]
        else:
            return "ignored"
        people = [m for i, m in enumerate(recipients) if m is not None and m not in recipients[:i]]
        if not people:
            raise NobodyToTell(event.account_id, event.type.value)
        outcomes = [self._deliver(event, person, text, blocks) for person in people]
        return "+".join(outcomes)

    def _member(self, member_id: str | None) -> Member | None:
        return self.directory.member(member_id) if member_id else None

    def _deliver(self, event: EventEnvelope, person: Member, text: str, blocks: list[dict[str, Any]]) -> str:
        key = f"{event.event_id}#{person.member_id}"
        if not self.sent.claim(key, self.now() + SENT_TTL):
            return "already_sent"
        try:
            if person.slack_user_id:
                self.slack.chat_postMessage(channel=person.slack_user_id, text=text, blocks=blocks, unfurl_links=False)
                return "dm_sent"
            if not person.email:
                raise Unreachable("member", person.member_id)
            body = "\n\n".join(b["text"]["text"] for b in blocks if b.get("type") == "section")
            self.mailer.send(sender=self.sender, to=[person.email], cc=[], reply_to=[], subject=text, body=body)
            return "emailed"
        except Exception:
            self.sent.release(key)  # not sent: let the redelivery try again
            raise


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _who(member: Member | None) -> str:
    if member is None:
        return "unassigned"
    return f"<@{member.slack_user_id}>" if member.slack_user_id else member.name


def _score(score: float | None) -> str:
    return "n/a" if score is None else f"{score:.0f}"


def expansion_message(name: str, data: ExpansionSignal, csm: Member | None) -> tuple[str, list[dict[str, Any]]]:
    text = f"📈 Expansion signal: {name} scores {data.score} (threshold {data.threshold})"
    reasons = "\n".join(
        f"• *{SIGNAL_LABELS.get(r.signal, r.signal)}* (+{r.points}): {r.detail} → _{r.action}_" for r in data.reasons
    )
    health = f"health {_score(data.health_score)} {str(data.status or '').capitalize()}".strip()
    renewal = f" · renewal {data.renewal_date.isoformat()}" if data.renewal_date else ""
    return text, [
        _section(f"📈 *Expansion signal: {name}* — {data.score} points (threshold {data.threshold}), {health}."),
        _section(f"*Why*\n{reasons}"),
        _section(
            "*How* (seed 004): recap the value delivered first, name the gap, propose the expansion, quantify "
            "it, agree a next step with the stakeholder."
        ),
        _context(f"CSM {_who(csm)}{renewal}"),
    ]


def check_message(name: str, data: HealthCheckDue) -> tuple[str, list[dict[str, Any]]]:
    status = data.status.capitalize()
    text = f"🩺 Health check due: {name} is {status} ({_score(data.score)})"
    pillars = ", ".join(f"{p} {'n/a' if v is None else f'{v:.1f}'}" for p, v in data.pillars.items())
    lines = [
        f"🩺 *Health check due: {name}* — {status} {_score(data.score)}, every {data.cadence_days} days "
        f"while {data.status}; {data.status} since {data.status_since.date().isoformat()}.",
        GUIDANCE[data.status],
    ]
    if pillars:
        lines.append(f"Pillars (0–10): {pillars}.")
    if data.insufficient_data:
        lines.append("⚠️ Insufficient data: too few fresh inputs to trust the score — the customer may have gone quiet.")
    plans = ", ".join(p.replace("_", " ") for p in data.active_interventions) or "none"
    last = data.last_check_at.date().isoformat() if data.last_check_at else "never"
    return text, [_section("\n".join(lines)), _context(f"Active intervention plans: {plans} · last check: {last}")]


def escalation_message(
    name: str, data: RedAccountEscalated, csm: Member | None, manager: Member | None
) -> tuple[str, list[dict[str, Any]]]:
    text = f"🚨 Escalation: {name} has been Red for {data.days_red} days with no active intervention plan"
    return text, [
        _section(
            f"🚨 *Escalation: {name}* has been Red for *{data.days_red} days* (limit {data.limit_days}) with no "
            f"active intervention plan. Score {_score(data.score)}."
        ),
        _section(
            "Start the matching risk playbook now (low engagement, low adoption, executive change, competitor "
            "evaluation) and record it as an InterventionStarted event; if the customer is silent, escalate to "
            "their executive sponsor."
        ),
        _context(f"CSM {_who(csm)} · escalated to {_who(manager)}"),
    ]
