"""The DM a CSM acts on in ten seconds: who to ask, what to say, why now, and Approve / Skip."""

from __future__ import annotations

from typing import Any

from services.common.models.events import TriggerFired

APPROVE = "ask_approve"
SKIP = "ask_skip"


def _who(fired: TriggerFired) -> str:
    ask = fired.ask
    promoter = f"*{ask.promoter_name}*" + (
        f" ({ask.promoter_title}, {ask.account_name})" if ask.promoter_title else f" ({ask.account_name})"
    )
    if not ask.people:
        return f"*Who to ask* — {promoter}. No one they know at an ICP-fit account yet: ask for any peer."
    known = max(ask.people_known, len(ask.people))
    best = f"; the best {len(ask.people)}" if known > len(ask.people) else ""
    lines = [
        f"*Who to ask* — {promoter} knows {known} {'person' if known == 1 else 'people'} at ICP-fit accounts{best}:"
    ]
    for number, person in enumerate(ask.people, start=1):
        title = f" — {person.title}" if person.title else ""
        reasons = ", ".join(person.fit_reasons)
        relation = f" · {person.relationship}" if person.relationship else ""
        lines.append(f"{number}. {person.name}{title}, {person.company} · fit {person.fit} ({reasons}){relation}")
    return "\n".join(lines)


def headline(fired: TriggerFired) -> str:
    return f"🎯 {fired.ask.promoter_name} ({fired.ask.account_name}) — {fired.rule_label}. Ask for an intro now."


def dm_blocks(fired: TriggerFired) -> list[dict[str, Any]]:
    ask = fired.ask
    why = "\n".join(f"• {line}" for line in ask.why_now)
    return [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": f"🎯 *{ask.promoter_name}* ({ask.account_name}) — "
                f"peak moment: *{fired.rule_label}*. {ask.why_now[1]}.",
            },
        },
        {"type": "section", "text": {"type": "mrkdwn", "text": _who(fired)}},
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*What to say*\n>{ask.script}"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*Why now*\n{why}"}},
        {
            "type": "actions",
            "block_id": f"ask:{fired.trigger_id}",
            "elements": [
                {
                    "type": "button",
                    "action_id": APPROVE,
                    "style": "primary",
                    "value": fired.trigger_id,
                    "text": {"type": "plain_text", "text": "Approve & send"},
                },
                {
                    "type": "button",
                    "action_id": SKIP,
                    "value": fired.trigger_id,
                    "text": {"type": "plain_text", "text": "Skip"},
                },
            ],
        },
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": f"Trigger `{fired.trigger_id}` · rule `{fired.rule}` · pillar {fired.pillar}",
                }
            ],
        },
    ]


def decided_blocks(original: list[dict[str, Any]], verdict: str) -> list[dict[str, Any]]:
    """The same DM with its buttons replaced by who decided what, so nobody can act twice."""
    kept = [b for b in original if b.get("type") != "actions"]
    return [*kept, {"type": "context", "elements": [{"type": "mrkdwn", "text": verdict}]}]
