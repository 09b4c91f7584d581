"""The one rules file CS ops owns (``boomerang.toml``): triggers, gates, windows, scripts, ICP, health.

Validated by pydantic so a bad edit is caught by ``boomerang config validate`` before it is deployed.
"""

from __future__ import annotations

import os
import string
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from services.common.models.errors import ConfigError
from services.common.models.events import PEAK_EVENT_TYPES, EventType

# What a script may name. Kept explicit so a typo in a script fails validation instead of a live DM.
SCRIPT_FIELDS = frozenset(
    {
        "promoter_first_name",
        "promoter_name",
        "account_name",
        "score",
        "milestone",
        "intro_first_name",
        "intro_name",
        "intro_company",
        "intro_relationship",
        "intro_list",
        "csm_name",
        "csm_first_name",
    }
)


Loc = tuple[str | int, ...]


class _Problems(ValueError):
    """Problems one validator found, each at its own path below the validator's (a model validator's own path is
    the whole model: a trigger's missing script would otherwise be reported at the model, not at the trigger)."""

    def __init__(self, problems: list[tuple[Loc, str]]):
        super().__init__("; ".join(message for _, message in problems))
        self.problems = problems


def _sum_problem(model: BaseModel, names: tuple[str, ...], total: float) -> str | None:
    """``a + b + c must add up to <total>, got <sum> (<a> + <b> + <c>)``, or None when they do."""
    values = [getattr(model, name) for name in names]
    if abs(sum(values) - total) <= 1e-6:
        return None
    return f"{' + '.join(names)} must add up to {total:g}, got {sum(values):g} ({' + '.join(f'{v:g}' for v in values)})"


class _Strict(BaseModel):
    # Built on first validation (the first load_config), not at import: keeps handler imports light.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Windows(_Strict):
    peak_hours: int = Field(default=72, gt=0, le=24 * 14, description="How long a peak moment stays open.")


class Gates(_Strict):
    """When a direct customer ask is not clean (seed 000's pillar table)."""

    open_critical_ticket: bool = True
    min_nps: int = Field(default=7, ge=0, le=10, description="Any answer on the account below this blocks.")
    nps_lookback_days: int = Field(default=90, gt=0)
    renewal_risk: bool = True
    escalation_lookback_days: int = Field(default=14, ge=0)
    ask_cooldown_days: int = Field(default=90, ge=0, description="Never ask the same person twice within this.")


class Trigger(_Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    event: EventType
    pillar: Literal["customer", "team", "partner", "board"] = "customer"
    min_score: int | None = Field(default=None, ge=0, le=10, description="NpsResponded only.")
    script: str
    fallback_script: str | None = Field(default=None, description="Used when the promoter knows nobody at ICP fit.")

    @field_validator("event")
    @classmethod
    def _peak_only(cls, value: EventType) -> EventType:
        if value not in PEAK_EVENT_TYPES:
            allowed = ", ".join(sorted(t.value for t in PEAK_EVENT_TYPES))
            raise ValueError(f"a peak trigger must fire on one of: {allowed}")
        return value

    @model_validator(mode="after")
    def _score_only_for_nps(self) -> Trigger:
        if self.min_score is not None and self.event is not EventType.NPS_RESPONDED:
            raise ValueError("min_score applies only to NpsResponded triggers")
        return self


class Asks(_Strict):
    max_people: int = Field(default=5, ge=1, le=20)


class Email(_Strict):
    """Approved asks are emailed to the promoter from this sender, replying to (and copying) the CSM."""

    sender: str = Field(default="Boomerang <asks@boomerang.example>", pattern=r"^[^@<>]*<?[^@\s<>]+@[^@\s<>]+>?$")
    subject: str = "A quick favour, {promoter_first_name}?"


class IcpWeights(_Strict):
    industry: int = Field(default=50, ge=0)
    size: int = Field(default=30, ge=0)
    region: int = Field(default=20, ge=0)

    @model_validator(mode="after")
    def _sum_100(self) -> IcpWeights:
        problem = _sum_problem(self, ("industry", "size", "region"), 100)
        if problem:
            raise ValueError(problem)
        return self


class Icp(_Strict):
    industries: list[str] = Field(min_length=1)
    regions: list[str] = Field(min_length=1)
    employees_min: int = Field(ge=1)
    employees_max: int = Field(ge=1)
    min_fit: int = Field(default=60, ge=0, le=100)
    weights: IcpWeights = Field(default_factory=IcpWeights)

    @model_validator(mode="after")
    def _range(self) -> Icp:
        if self.employees_min > self.employees_max:
            raise ValueError(
                f"employees_min ({self.employees_min}) must not exceed employees_max ({self.employees_max})"
            )
        return self


class PillarWeights(_Strict):
    product: float = Field(ge=0, le=1)
    relationship: float = Field(ge=0, le=1)
    outcomes: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _sum_one(self) -> PillarWeights:
        problem = _sum_problem(self, ("product", "relationship", "outcomes"), 1)
        if problem:
            raise ValueError(problem)
        return self


HealthSegment = Literal["Enterprise", "Mid-Market", "SMB", "Strategic"]


class TicketPenalty(_Strict):
    """Points one open ticket of each severity takes off the 10-point support sub-metric."""

    critical: float = Field(default=4.0, ge=0)
    high: float = Field(default=2.0, ge=0)
    normal: float = Field(default=1.0, ge=0)
    low: float = Field(default=0.5, ge=0)


class HealthSubmetrics(_Strict):
    """How each 0–10 sub-metric is derived from signals and profile (services/scoring/logic/submetrics.py)."""

    usage_stale_days: int = Field(default=45, gt=0, description="An older usage snapshot counts as missing.")
    login_baseline_per_seat: dict[HealthSegment, float] = Field(
        default={"Enterprise": 12.0, "Mid-Market": 10.0, "SMB": 8.0, "Strategic": 15.0},
        description="Logins per licensed seat per 30 days that score 10, per segment.",
    )
    login_baseline_default: float = Field(default=10.0, gt=0, description="When the segment is unknown.")
    feature_adoption_target: float = Field(default=0.6, gt=0, le=1, description="adopted ÷ available that scores 10")
    active_target: float = Field(default=0.9, gt=0, le=1, description="active users ÷ licensed seats that scores 10")
    ticket_penalty: TicketPenalty = Field(default_factory=TicketPenalty)
    escalation_penalty: float = Field(default=1.0, ge=0, description="Off the support sub-metric after an escalation.")
    escalation_days: int = Field(default=14, ge=0)
    nps_lookback_days: int = Field(default=180, gt=0, description="NPS answers older than this are not counted.")
    meeting_fresh_days: int = Field(default=45, gt=0, description="A meeting attended within this keeps full marks.")
    meeting_stale_days: int = Field(default=120, gt=0, description="…and none since this long scores 0.")
    meeting_log: int = Field(default=8, ge=2, le=16, description="How many recent meetings attendance is taken over.")
    exec_fresh_days: int = Field(default=90, gt=0, description="An executive in a meeting within this: full marks.")
    exec_stale_days: int = Field(default=180, gt=0, description="…none since this long scores 0.")
    exec_change_days: int = Field(default=90, ge=0, description="An executive sponsor change this recent…")
    exec_change_factor: float = Field(default=0.5, ge=0, le=1, description="…multiplies executive engagement by this.")
    response_target_hours: float = Field(default=4.0, gt=0, description="Customer response time that scores 10.")
    response_max_hours: float = Field(default=72.0, gt=0, description="…and the time that scores 0.")
    response_stale_days: int = Field(default=90, gt=0, description="An older response-time report counts as missing.")
    outcomes_stale_days: int = Field(
        default=200, gt=0, description="An older outcomes review (goals, ROI, impact) counts as missing."
    )

    @model_validator(mode="after")
    def _windows(self) -> HealthSubmetrics:
        for fresh, stale in (("meeting_fresh_days", "meeting_stale_days"), ("exec_fresh_days", "exec_stale_days")):
            if getattr(self, fresh) >= getattr(self, stale):
                raise ValueError(f"{fresh} ({getattr(self, fresh)}) must be below {stale} ({getattr(self, stale)})")
        if self.response_target_hours >= self.response_max_hours:
            raise ValueError(
                f"response_target_hours ({self.response_target_hours:g}) must be below response_max_hours "
                f"({self.response_max_hours:g})"
            )
        if any(v <= 0 for v in self.login_baseline_per_seat.values()):
            raise ValueError("login baselines must be positive")
        return self


class ExpansionPoints(_Strict):
    """Seed 004's expansion-signal table."""

    high_adoption: int = Field(default=3, ge=0, description="more than high_adoption_ratio of licensed seats active")
    new_department: int = Field(default=3, ge=0, description="a new department expressing interest")
    premium_requests: int = Field(default=2, ge=0, description="feature requests for the premium tier")
    executive_engagement: int = Field(default=2, ge=0, description="executive engagement increasing")
    renewal_soon: int = Field(default=2, ge=0, description="contract renewal within renewal_days")


class Expansion(_Strict):
    threshold: int = Field(default=5, ge=0, description="At or above this an account is expansion-qualified.")
    high_adoption_ratio: float = Field(default=0.8, gt=0, le=1)
    renewal_days: int = Field(default=90, ge=0)
    department_days: int = Field(default=90, gt=0, description="Department interest this recent counts.")
    premium_request_days: int = Field(default=90, gt=0, description="Premium-tier feature requests this recent count.")
    require_green: bool = Field(default=True, description="Only a Green account is expansion-qualified (seed 004).")
    points: ExpansionPoints = Field(default_factory=ExpansionPoints)


class Cadence(_Strict):
    """Seed 004: health checks weekly for red, biweekly for yellow, monthly for green; no account red for more
    than ``escalate_red_after_days`` without an active intervention plan."""

    red_days: int = Field(default=7, gt=0)
    yellow_days: int = Field(default=14, gt=0)
    green_days: int = Field(default=30, gt=0)
    escalate_red_after_days: int = Field(default=14, ge=0)
    escalation_repeat_days: int = Field(default=7, gt=0, description="Escalate again this often while it holds.")
    intervention_active_days: int = Field(
        default=45, gt=0, description="A plan without InterventionEnded counts as active this long (or to review_by)."
    )

    def days_for(self, status: str) -> int:
        return {"red": self.red_days, "yellow": self.yellow_days}.get(status, self.green_days)


class Health(_Strict):
    weights: PillarWeights = Field(default_factory=lambda: PillarWeights(product=0.4, relationship=0.3, outcomes=0.3))
    segments: dict[HealthSegment, PillarWeights] = {}
    green: int = Field(default=80, ge=0, le=100)
    yellow: int = Field(default=60, ge=0, le=100)
    min_coverage: float = Field(
        default=0.4, ge=0, le=1, description="Below this share of the model's weight measured: insufficient data."
    )
    announce_delta: float = Field(
        default=5.0, gt=0, le=100, description="HealthChanged + a history record when the score moves this much."
    )
    history_ttl_days: int = Field(default=400, gt=0, description="How long a score-history record is kept.")
    submetrics: HealthSubmetrics = Field(default_factory=HealthSubmetrics)
    expansion: Expansion = Field(default_factory=Expansion)
    cadence: Cadence = Field(default_factory=Cadence)

    @model_validator(mode="after")
    def _order(self) -> Health:
        if self.yellow >= self.green:
            raise ValueError(f"yellow threshold ({self.yellow}) must be below green ({self.green})")
        return self


class BoomerangConfig(_Strict):
    version: Literal[1] = 1
    windows: Windows = Field(default_factory=Windows)
    gates: Gates = Field(default_factory=Gates)
    asks: Asks = Field(default_factory=Asks)
    email: Email = Field(default_factory=Email)
    triggers: list[Trigger] = Field(min_length=1)
    scripts: dict[str, str] = Field(min_length=1)
    icp: Icp
    health: Health = Field(default_factory=Health)
    # Per-source options (`[sources.<name>]`), validated by each source's own Options model.
    sources: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _references(self) -> BoomerangConfig:
        keys = [t.key for t in self.triggers]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        problems: list[tuple[Loc, str]] = []
        if duplicates:
            problems.append((("triggers",), f"trigger keys must be unique; repeated: {', '.join(duplicates)}"))
        for index, trigger in enumerate(self.triggers):
            for field in ("script", "fallback_script"):
                name = getattr(trigger, field)
                if name is not None and name not in self.scripts:
                    problems.append((("triggers", index, field), f"names script {name!r}, which is not in [scripts]"))
        if problems:
            raise _Problems(problems)
        return self

    @field_validator("scripts")
    @classmethod
    def _placeholders(cls, scripts: dict[str, str]) -> dict[str, str]:
        problems: list[tuple[Loc, str]] = []
        for name, text in scripts.items():
            try:
                fields = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
            except ValueError as exc:
                problems.append(((name,), str(exc)))
                continue
            unknown = sorted(f for f in fields if f not in SCRIPT_FIELDS)
            if unknown:
                problems.append(
                    (
                        (name,),
                        f"unknown placeholder(s) {', '.join(unknown)}; known: {', '.join(sorted(SCRIPT_FIELDS))}",
                    )
                )
        if problems:
            raise _Problems(problems)
        return scripts

    def triggers_for(self, event_type: EventType) -> list[Trigger]:
        return [t for t in self.triggers if t.event is event_type]


def parse_config(text: str, source: str = "<config>") -> BoomerangConfig:
    try:
        raw: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, [f"TOML syntax: {exc}"]) from exc
    try:
        return BoomerangConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(source, [line for err in exc.errors() for line in _describe(err, raw)]) from exc


def _describe(error: Any, raw: dict[str, Any]) -> list[str]:
    """``path: message`` lines for one pydantic error (several when a validator found several problems)."""
    loc: Loc = tuple(error["loc"])
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, _Problems):
        return [f"{_path(loc + at, raw)}: {message}" for at, message in cause.problems]
    return [f"{_path(loc, raw)}: {str(error['msg']).removeprefix('Value error, ')}"]


def _path(loc: Loc, raw: Any) -> str:
    """``triggers[nps_promoter].script`` for ("triggers", 0, "script"): a table in a list is named by its ``key``
    (what the rules file calls it), anything else in a list by its index; the path is read along ``raw``."""
    path, node = "", raw
    for part in loc:
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
            key = item.get("key") if isinstance(item, dict) else None
            path += f"[{key}]" if isinstance(key, str) and key else f"[{part}]"
            node = item
        else:
            path += f".{part}" if path else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return path or "(top level)"


def load_config(path: str | os.PathLike[str]) -> BoomerangConfig:
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(file), [f"cannot read: {exc.strerror}"]) from exc
    return parse_config(text, str(file))
