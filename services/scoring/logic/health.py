"""The seed's three-pillar health model (seed 004): HEALTH = Product×40 % + Relationship×30 % + Outcomes×30 %.

Pure: pillars (0–10, the mean of their sub-metrics) and weights in, a 0–100 score out. A missing pillar
does not count as zero: its weight is shared among the present ones, and confidence says how much of the
model's weight was actually measured.

``HealthModel`` / ``score_inputs`` / ``assess`` apply it to an account (sub-metrics from
``submetrics.py``); ``summarize`` keeps the small summary stored in the signals item and decides whether the
score is announced (HealthChanged + one history record); ``explain`` rebuilds the full explanation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, NamedTuple, get_args

from services.common.models.config import Health, PillarWeights
from services.common.models.events import Status
from services.common.models.portfolio import Account, Segment
from services.common.models.signals import AccountSignals, HealthSummary, short_id
from services.scoring.logic.submetrics import (
    PILLAR_OF,
    SUBMETRICS,
    Inputs,
    SubmetricModel,
    compute,
    extract,
    inputs_used,
)

PILLARS = ("product", "relationship", "outcomes")


@dataclass(frozen=True)
class Combined:
    score: float | None  # 0–100, None when no pillar was measured
    confidence: float  # share of the model's weight that had data (0–1)


def pillar_mean(sub_metrics: Mapping[str, float | None]) -> float | None:
    """A pillar is the mean of its measured sub-metrics (0–10); None when none was measured."""
    present = [v for v in sub_metrics.values() if v is not None]
    return sum(present) / len(present) if present else None


def to_hundredths(score: float) -> float:
    """A 0–100 score to two decimals, half up: ``round(x, 2)`` costs a decimal conversion per call, and every
    account's score is rounded on every rescoring."""
    return (score * 100 + 0.5) // 1 / 100


def combine(pillars: Mapping[str, float | None], weights: PillarWeights) -> Combined:
    measured = {p: pillars.get(p) for p in PILLARS if pillars.get(p) is not None}
    weight_of = {p: getattr(weights, p) for p in PILLARS}
    present_weight = sum(weight_of[p] for p in measured)
    if not measured or present_weight == 0:
        return Combined(score=None, confidence=0.0)
    total = sum(weight_of[p] * float(v) for p, v in measured.items() if v is not None) / present_weight
    return Combined(score=to_hundredths(total * 10), confidence=round(present_weight, 4))


def status(score: float, health: Health) -> Status:
    if score >= health.green:
        return "green"
    if score >= health.yellow:
        return "yellow"
    return "red"


def weights_for(segment: str | None, health: Health) -> PillarWeights:
    return health.segments.get(segment, health.weights) if segment else health.weights  # type: ignore[call-overload]


# --- The model applied to an account: signals + profile → sub-metrics → pillars → score (seed 004) ---------


@dataclass(frozen=True, slots=True)
class Weighting:
    """One weight triple with what follows from it alone, precomputed: for every count of measured
    sub-metrics per pillar (n_p 0–4, n_r 0–4, n_o 0–3, at index n_p * 20 + n_r * 4 + n_o), the confidence
    (share of the weight whose pillar had data), the coverage (share measured per sub-metric) and whether
    that is insufficient data. Rescoring then looks them up instead of summing and rounding per account."""

    weights: tuple[float, float, float]
    measured: tuple[tuple[float, float, bool], ...]

    @classmethod
    def of(cls, weights: tuple[float, float, float], min_coverage: float) -> Weighting:
        wp, wr, wo = weights
        table = [(0.0, 0.0, True)] * 100
        for n_p in range(5):
            for n_r in range(5):
                for n_o in range(4):
                    present = (wp if n_p else 0.0) + (wr if n_r else 0.0) + (wo if n_o else 0.0)
                    coverage = round(wp * n_p / 4 + wr * n_r / 4 + wo * n_o / 3, 4)
                    table[n_p * 20 + n_r * 4 + n_o] = (round(present, 4), coverage, coverage < min_coverage)
        return cls(weights, tuple(table))


@dataclass(frozen=True, slots=True)
class HealthModel:
    """``[health]`` derived once into plain numbers, so rescoring never validates or looks up config."""

    green: float
    yellow: float
    announce_delta: float
    sub: SubmetricModel
    weighting: Weighting
    segment_weighting: dict[str, Weighting]

    @classmethod
    def from_config(cls, health: Health) -> HealthModel:
        def triple(w: PillarWeights) -> tuple[float, float, float]:
            return (float(w.product), float(w.relationship), float(w.outcomes))

        default = triple(health.weights)
        segments = {s: triple(weights_for(s, health)) for s in get_args(Segment)}
        return cls(
            green=float(health.green),
            yellow=float(health.yellow),
            announce_delta=float(health.announce_delta),
            sub=SubmetricModel.from_config(health.submetrics, health.expansion),
            weighting=Weighting.of(default, health.min_coverage),
            segment_weighting={s: Weighting.of(w, health.min_coverage) for s, w in segments.items()},
        )


class Scored(NamedTuple):
    """A score with everything it was made of (a named tuple: built from a tuple in one step)."""

    score: float | None  # 0–100
    status: Status | None
    pillars: tuple[float | None, float | None, float | None]
    subs: list[float | None]  # in submetrics.SUBMETRICS order
    confidence: float  # share of the model's weight whose pillar had data (combine's)
    coverage: float  # share of the model's weight measured, counted per sub-metric
    insufficient: bool  # coverage below [health] min_coverage
    weights: tuple[float, float, float]


_SLICES = ((0, 4), (4, 8), (8, 11))
_new_scored = tuple.__new__


def score_inputs(inputs: Inputs, model: HealthModel) -> Scored:
    """The hot path: plain inputs → Scored. Same arithmetic as ``pillar_mean`` + ``combine`` + ``status``,
    spelled out per pillar with the weighting's precomputed tables: it runs once per account per rescoring."""
    subs = compute(inputs, model.sub)
    segment = inputs.segment
    weighting = model.segment_weighting.get(segment, model.weighting) if segment else model.weighting
    wp, wr, wo = weighting.weights
    logins, adoption, active, tickets, executive, meetings, nps, response, goals, roi, impact = subs

    n_p = n_r = n_o = 0
    product = relationship = outcomes = None
    total = present = acc = 0.0
    if logins is not None:
        acc += logins
        n_p += 1
    if adoption is not None:
        acc += adoption
        n_p += 1
    if active is not None:
        acc += active
        n_p += 1
    if tickets is not None:
        acc += tickets
        n_p += 1
    if n_p:
        product = acc / n_p
        total += wp * product
        present += wp
    acc = 0.0
    if executive is not None:
        acc += executive
        n_r += 1
    if meetings is not None:
        acc += meetings
        n_r += 1
    if nps is not None:
        acc += nps
        n_r += 1
    if response is not None:
        acc += response
        n_r += 1
    if n_r:
        relationship = acc / n_r
        total += wr * relationship
        present += wr
    acc = 0.0
    if goals is not None:
        acc += goals
        n_o += 1
    if roi is not None:
        acc += roi
        n_o += 1
    if impact is not None:
        acc += impact
        n_o += 1
    if n_o:
        outcomes = acc / n_o
        total += wo * outcomes
        present += wo

    score: float | None = None
    state: Status | None = None
    if present > 0:
        score = (total / present * 10 * 100 + 0.5) // 1 / 100  # to_hundredths(total / present * 10), inlined
        state = "green" if score >= model.green else "yellow" if score >= model.yellow else "red"
    confidence, coverage, insufficient = weighting.measured[n_p * 20 + n_r * 4 + n_o]
    return _new_scored(
        Scored,
        (score, state, (product, relationship, outcomes), subs, confidence, coverage, insufficient, weighting.weights),
    )


def assess(
    signals: AccountSignals, profile: Account | None, now: datetime, model: HealthModel
) -> tuple[Inputs, Scored]:
    inputs = extract(signals, profile, now, model.sub)
    return inputs, score_inputs(inputs, model)


Reason = Literal["status", "delta"]


def _r(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def summarize(
    previous: HealthSummary | None,
    scored: Scored,
    at: datetime,
    event_id: str,
    model: HealthModel,
    expansion_qualified: bool = False,
) -> tuple[HealthSummary, Reason | None]:
    """The small summary kept in the signals item, and why (if at all) this score is announced.

    Announced (HealthChanged + one history record) when there is enough data and the status differs from the
    last announced one, or the score moved by ``announce_delta`` or more since the last announcement.
    ``xq`` keeps whether the account is expansion-qualified, so a crossing (``xby`` = this event) is told once.
    """
    prev = previous or HealthSummary()
    reason: Reason | None = None
    if scored.score is not None and not scored.insufficient:
        if scored.status != prev.announced_status:
            reason = "status"
        elif prev.announced is None or abs(scored.score - prev.announced) >= model.announce_delta:
            reason = "delta"
    since = prev.since if scored.status == prev.status and prev.since is not None else at
    summary = HealthSummary.model_construct(
        score=scored.score,
        status=scored.status,
        since=since,
        low=scored.insufficient,
        pillars=[_r(p) for p in scored.pillars],
        # sub-metrics as of the last announcement: what "moved" is measured against
        sub=[_r(v, 1) for v in scored.subs] if reason else list(prev.sub),
        announced=scored.score if reason else prev.announced,
        announced_status=scored.status if reason else prev.announced_status,
        by=short_id(event_id) if reason else prev.by,
        was=prev.announced if reason else prev.was,
        was_status=prev.announced_status if reason else prev.was_status,
        xq=expansion_qualified,
        xby=short_id(event_id) if expansion_qualified and not prev.xq else prev.xby,
    )
    return summary, reason


def explain(
    inputs: Inputs,
    scored: Scored,
    baseline_sub: list[float | None],
    reason: str | None,
    expansion: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Every pillar, every sub-metric with the inputs it used, and what moved most since ``baseline_sub``.

    Compact (a few hundred bytes): it travels in the HealthChanged event, never in the signals item.
    """
    used = inputs_used(inputs)
    submetrics: dict[str, dict[str, Any]] = {p: {} for p in PILLARS}
    for name, value in zip(SUBMETRICS, scored.subs, strict=True):
        submetrics[PILLAR_OF[name]][name] = {"value": _r(value, 1), **({"inputs": used[name]} if used[name] else {})}
    return {
        "score": scored.score,
        "status": scored.status,
        "reason": reason,
        "segment": inputs.segment,
        "weights": dict(zip(PILLARS, scored.weights, strict=True)),
        "pillars": {p: _r(v) for p, v in zip(PILLARS, scored.pillars, strict=True)},
        "submetrics": submetrics,
        "missing": [n for n, v in zip(SUBMETRICS, scored.subs, strict=True) if v is None],
        "moved": moved(scored, baseline_sub),
        "confidence": scored.confidence,
        "coverage": scored.coverage,
        "insufficient_data": scored.insufficient,
        "expansion": expansion,
    }


def moved(scored: Scored, baseline_sub: list[float | None], top: int = 3) -> list[dict[str, Any]]:
    """The sub-metrics that moved the score most since the baseline, with their approximate effect in points."""
    if len(baseline_sub) != len(SUBMETRICS):
        baseline_sub = [None] * len(SUBMETRICS)
    counts = [sum(v is not None for v in scored.subs[a:b]) for a, b in _SLICES]
    rows = []
    for index, (name, before, after) in enumerate(zip(SUBMETRICS, baseline_sub, scored.subs, strict=True)):
        after = _r(after, 1)
        if before == after:
            continue
        pillar = next(p for p, (a, b) in enumerate(_SLICES) if a <= index < b)
        share = scored.weights[pillar] / counts[pillar] / (scored.confidence or 1) if counts[pillar] else 0.0
        points = None if before is None or after is None else round((after - before) * share * 10, 1)
        rows.append(
            (
                abs(points) if points is not None else -1.0,
                {"submetric": name, "from": before, "to": after, "points": points},
            )
        )
    rows.sort(key=lambda row: -row[0])
    return [row for _, row in rows[:top]]
