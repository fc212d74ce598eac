"""Dorm rules without a database: the checklist, the stay record, reminder offsets, name matching
and what a checklist answer or a deferral must satisfy."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from bot.core.errors import ServiceError
from models.dorms import DormAssignment, DormBed
from models.people import Person
from models.places import Place

# The room-condition checklist, in the order it is asked, with the repair category of a problem.
CHECK_ITEMS: dict[str, str] = {
    "door": "carpentry",
    "lights": "electrical",
    "water": "plumbing",
    "furniture": "carpentry",
    "ac": "hvac",
    "network": "network",
}
ADMIN_ROLES = ("dorm_admin", "manager")
DEFAULT_REMINDERS = "-1@20:00,1@09:00"
UNCONFIRMED = ("pending", "deferred")
MAX_DEFER_DAYS = 60
MAX_REASON = 500
_OFFSET = re.compile(r"^\s*([+-]?\d{1,2})\s*@\s*(\d{1,2}):(\d{2})\s*$")


def parse_reminder_offsets(spec: str) -> list[tuple[int, time]]:
    """Parse "-1@20:00,1@09:00": days relative to the day the window closes, local time of day."""
    offsets: list[tuple[int, time]] = []
    for part in (p for p in spec.split(",") if p.strip()):
        found = _OFFSET.match(part)
        if not found or int(found[2]) > 23 or int(found[3]) > 59:
            raise ValueError(
                f"HOUQIN_DORM_REMINDERS: {part.strip()!r} is not DAYS@HH:MM (e.g. -1@20:00)"
            )
        offsets.append((int(found[1]), time(int(found[2]), int(found[3]))))
    return sorted(set(offsets))


def utc(now: datetime | None = None) -> datetime:
    """`now` (or the current time) in UTC: stored times are compared as UTC in the database."""
    return (now or datetime.now(UTC)).astimezone(UTC)


@dataclass
class CheckResult:
    """One answered checklist item; `description` is the ticket text when not OK; its photos,
    videos and voice notes go onto that ticket."""

    item: str
    ok: bool
    note: str = ""
    description: str = ""
    photo_ids: list[int] = field(default_factory=list)
    video_ids: list[int] = field(default_factory=list)
    voice_ids: list[int] = field(default_factory=list)

    @property
    def attachment_ids(self) -> list[int]:
        """Every file of the answer: photos, videos, voice notes."""
        return [*self.photo_ids, *self.video_ids, *self.voice_ids]


@dataclass
class Stay:
    """An assignment with the person, bed, room and building it concerns."""

    assignment: DormAssignment
    person: Person
    bed: DormBed
    room: Place
    building: Place

    @property
    def id(self) -> int:
        """The assignment id."""
        return self.assignment.id


def check_results(results: list[CheckResult]) -> None:
    """Every checklist item answered once; each problem has a ticket text."""
    items = [r.item for r in results]
    if sorted(items) != sorted(CHECK_ITEMS):
        raise ServiceError("dorm.checklist_incomplete")
    if any(not r.ok and not r.description.strip() for r in results):
        raise ServiceError("dorm.problem_needs_text")


def check_new_date(new_date: date, today: date) -> None:
    """A deferred arrival date must be from tomorrow to MAX_DEFER_DAYS ahead."""
    if not today < new_date <= today + timedelta(days=MAX_DEFER_DAYS):
        raise ServiceError("dorm.bad_date", days=MAX_DEFER_DAYS)


def clean_reason(reason: str) -> str:
    """A deferral's reason, whitespace-collapsed; refused when empty or too long."""
    text = " ".join(reason.split())
    if not text:
        raise ServiceError("dorm.need_reason")
    if len(text) > MAX_REASON:
        raise ServiceError("dorm.reason_too_long", limit=MAX_REASON)
    return text
