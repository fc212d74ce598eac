"""Dorm services, shared part: checklist items, the stay view, time rules and who may act where."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from bot.core.errors import NotFound, PermissionDenied, ServiceError, require_role
from bot.services.repairs import RepairService
from models.dorms import DormAssignment, DormBed, DormBuildingAdmin, DormCheckItem, DormReminder
from models.people import Person
from models.places import Place
from models.repairs import Ticket

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


async def load_stays(query: QuerySet[DormAssignment]) -> list[Stay]:
    """Stays for a DormAssignment queryset, with their people and places loaded."""
    rows = await query.prefetch_related("person", "bed__room__parent")
    return [Stay(a, a.person, a.bed, a.bed.room, a.bed.room.parent) for a in rows]


class DormBase:
    """Time rules and permissions every dorm operation shares."""

    def __init__(self, repairs: RepairService, timezone: str, reminders: str = DEFAULT_REMINDERS):
        self.repairs = repairs
        self.tz = ZoneInfo(timezone)
        self.offsets = parse_reminder_offsets(reminders)

    def local(self, when: datetime) -> str:
        """A moment as local "MM-DD HH:MM" (for texts and error fields)."""
        return when.astimezone(self.tz).strftime("%m-%d %H:%M")

    def local_date(self, when: datetime) -> date:
        """The local calendar day of a moment."""
        return when.astimezone(self.tz).date()

    def due_times(self, day: date) -> list[datetime]:
        """The reminder moments for a window closing (or a deferred arrival) on `day`."""
        return [
            datetime.combine(day + timedelta(days=days), at, self.tz) for days, at in self.offsets
        ]

    async def stay(self, assignment_id: int) -> Stay:
        """One assignment as a Stay (any status)."""
        stays = await load_stays(DormAssignment.filter(id=assignment_id))
        if not stays:
            raise NotFound("dorm.unknown_assignment")
        return stays[0]

    async def managed_building_ids(self, actor: Person | None) -> set[int] | None:
        """The dorm buildings `actor` manages; None means every building (managers, admins)."""
        require_role(actor, *ADMIN_ROLES)
        assert actor is not None
        if actor.has_role("manager"):
            return None
        rows = await DormBuildingAdmin.filter(person_id=actor.id).values_list(
            "building_id", flat=True
        )
        return set(rows)

    async def require_building(self, actor: Person | None, building: Place) -> None:
        """Raise PermissionDenied unless `actor` manages `building`."""
        ids = await self.managed_building_ids(actor)
        if ids is not None and building.id not in ids:
            raise PermissionDenied("dorm.not_your_building", building=building.code)

    async def visible_stay(self, viewer: Person, assignment_id: int) -> Stay:
        """A stay the viewer may see: their own, or one in a building they manage."""
        try:
            stay = await self.stay(assignment_id)
        except NotFound:
            raise NotFound("dorm.unknown_assignment") from None
        if stay.person.id == viewer.id:
            return stay
        if viewer.has_role(*ADMIN_ROLES):
            ids = await self.managed_building_ids(viewer)
            if ids is None or stay.building.id in ids:
                return stay
        raise NotFound("dorm.unknown_assignment")

    async def admins_of(self, building: Place) -> list[Person]:
        """Who hears about a building: its dorm admins, else the managers."""
        links = await DormBuildingAdmin.filter(building_id=building.id).prefetch_related("person")
        admins = [link.person for link in links if link.person.active]
        if admins:
            return admins
        return [p for p in await Person.filter(active=True) if p.has_role("manager")]

    def check_results(self, results: list[CheckResult]) -> None:
        """Every checklist item answered once; each problem has a ticket text."""
        items = [r.item for r in results]
        if sorted(items) != sorted(CHECK_ITEMS):
            raise ServiceError("dorm.checklist_incomplete")
        if any(not r.ok and not r.description.strip() for r in results):
            raise ServiceError("dorm.problem_needs_text")

    async def record_checklist(
        self, stay: Stay, actor: Person, phase: str, results: list[CheckResult], now: datetime
    ) -> list[Ticket]:
        """Store the answers; every problem becomes a repair ticket on the room with its photos,
        videos and voice notes (call inside the transaction that changes the assignment)."""
        tickets: list[Ticket] = []
        for result in results:
            ticket = None
            if not result.ok:
                ticket = await self.repairs.create(
                    actor,
                    stay.room,
                    CHECK_ITEMS[result.item],
                    result.description,
                    "normal",
                    result.attachment_ids,
                    now,
                )
                tickets.append(ticket)
            await DormCheckItem.create(
                assignment_id=stay.id,
                phase=phase,
                item=result.item,
                ok=result.ok,
                note=result.note.strip()[:2000] or None,
                ticket=ticket,
                actor=actor,
            )
        return tickets

    async def schedule_reminders(self, stay: Stay, day: date, now: datetime) -> int:
        """Store the student's reminders (and the building admins' missing lists) for an arrival
        expected by `day`; moments already past are left out. Returns how many were new."""
        made = 0
        for due in self.due_times(day):
            if due <= now:
                continue
            stamp = int(due.timestamp())
            for key, values in (
                (f"s:{stay.id}:{stamp}", {"kind": "student", "assignment_id": stay.id}),
                (
                    f"a:{stay.building.id}:{stamp}",
                    {"kind": "admins", "building_id": stay.building.id},
                ),
            ):
                if await DormReminder.exists(key=key):
                    continue
                try:
                    async with in_transaction():
                        await DormReminder.create(key=key, due_at=due, **values)
                    made += 1
                except IntegrityError:  # another instance stored it first
                    continue
        return made

    async def skip_reminders(self, assignment_id: int, now: datetime) -> None:
        """Drop the student's unsent reminders (checked in, deferred, moved out)."""
        await DormReminder.filter(assignment_id=assignment_id, sent_at=None).update(
            sent_at=now, outcome="skipped"
        )
