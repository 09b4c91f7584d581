"""In-memory scoring adapters (health-check schedules, the announcer, profiles) and scoring assembled on them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from services.common.models.config import Health
from services.common.models.events import EventEnvelope, EventType
from services.common.models.portfolio import Account
from services.scoring.logic.cadence import CadenceJob
from services.scoring.logic.recorder import SignalRecorder
from services.scoring.models.announcement import Announcement
from services.scoring.models.schedule import Schedule
from tests.fakes import InMemoryStateStore, bus_message, generic_event


class InMemorySchedules:
    """Health-check schedules as the StateTable's CADENCE items and DueIndex keep them."""

    def __init__(self) -> None:
        self.items: dict[str, Schedule] = {}

    def put_schedule(self, entry: Schedule) -> None:
        current = self.items.get(entry.account_id)
        if current is not None and current.since > entry.since:
            return  # an older status change arriving late
        last_check = current.last_check_at if current is not None else None
        self.items[entry.account_id] = replace(entry, last_check_at=last_check)

    def due(self, now: datetime) -> list[Schedule]:
        return sorted((e for e in self.items.values() if e.due_at <= now), key=lambda e: e.due_at)

    def reschedule(self, before: Schedule, after: Schedule) -> bool:
        current = self.items.get(before.account_id)
        if current is None or current.due_at != before.due_at or current.since != before.since:
            return False
        self.items[after.account_id] = after
        return True


class RecordingAnnouncer:
    """Scoring's announcer (history records, schedules into ``schedules``) and the cadence job's publisher:
    every event scoring puts on the bus, in ``events``."""

    def __init__(self, schedules: InMemorySchedules | None = None) -> None:
        self.announcements: list[Announcement] = []
        self.events: list[EventEnvelope] = []
        self.schedules = schedules

    def announce(self, announcement: Announcement) -> None:
        self.announcements.append(announcement)
        if announcement.schedule is not None and self.schedules is not None:
            self.schedules.put_schedule(announcement.schedule)
        self.events.append(announcement.event)

    def signal(self, event: EventEnvelope) -> None:
        self.events.append(event)

    def publish(self, events: list[EventEnvelope]) -> None:
        self.events.extend(events)

    def of_type(self, event_type: str) -> list[EventEnvelope]:
        return [e for e in self.events if e.type == event_type]


class AccountProfiles:
    """The ``Profiles`` port: the same profile (Acme, 100 seats, CSM ``mem-csm``, unless told) for every account,
    counting the reads."""

    def __init__(self, **profile: Any) -> None:
        self.profile = {
            "name": "Acme",
            "segment": "Enterprise",
            "arr": 1,
            "csm_id": "mem-csm",
            "licensed_seats": 100,
            **profile,
        }
        self.reads = 0

    def account(self, account_id: str) -> Account:
        self.reads += 1
        return Account(account_id=account_id, **self.profile)


@dataclass
class Scoring:
    """Scoring's recorder and cadence job on in-memory adapters: what it stores, schedules and announces."""

    profiles: AccountProfiles = field(default_factory=AccountProfiles)
    health: Health = field(default_factory=Health)
    store: InMemoryStateStore = field(default_factory=InMemoryStateStore)
    schedules: InMemorySchedules = field(default_factory=InMemorySchedules)

    def __post_init__(self) -> None:
        self.announcer = RecordingAnnouncer(self.schedules)
        self.recorder = SignalRecorder(self.store, self.profiles, self.announcer, self.health)

    def cadence_job(self) -> CadenceJob:
        return CadenceJob(self.schedules, self.recorder, self.announcer, self.health.cadence)


# -- what the ScoringQueue receives ---------------------------------------------------------------------------


def usage(
    active_users: int, logins_30d: int, features_adopted: int, licensed_seats: int = 180, features_available: int = 10
) -> dict[str, int]:
    """A UsageReported's data (180 seats, 10 features available: Halvorsen's, unless told)."""
    return {
        "active_users": active_users,
        "licensed_seats": licensed_seats,
        "logins_30d": logins_30d,
        "features_adopted": features_adopted,
        "features_available": features_available,
    }


def account_message(account_id: str, event_type: EventType, data: dict[str, Any], sid: str, at: datetime) -> str:
    """The ScoringQueue message of a generic event about ``account_id``."""
    return bus_message(generic_event(event_type, data, sid, at, account_id=account_id))


def counted(stdout: str) -> dict[str, float]:
    """Each metric's total in the EMF lines a handler printed (Powertools Metrics writes them to stdout)."""
    totals: dict[str, float] = {}
    for line in stdout.splitlines():
        if not line.startswith('{"_aws"'):
            continue
        blob = json.loads(line)
        for metric in blob["_aws"]["CloudWatchMetrics"][0]["Metrics"]:
            name, values = metric["Name"], blob[metric["Name"]]  # one value, or a list of them
            totals[name] = totals.get(name, 0.0) + (sum(values) if isinstance(values, list) else values)
    return totals
