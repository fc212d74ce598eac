"""Dorm check-in (宿舍入住): the service handlers, jobs and other services use.

The parts live in `dorms_base` (rules, permissions), `dorms_checkin` (the student),
`dorms_admin` (dorm admin tools), `dorms_verify` (student id + name binding),
`dorms_notify` (notices and reminders) and `dorms_csv` (the roster file).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tortoise.expressions import Q

from bot.core.errors import NotFound
from bot.services.dorms.admin import DormAdminTools, find_room
from bot.services.dorms.base import DEFAULT_REMINDERS, Stay, load_stays
from bot.services.dorms.checkin import DormCheckins
from bot.services.dorms.notify import DormNotices
from bot.services.dorms.verify import DormVerify
from bot.services.people import PeopleService
from bot.services.repairs import RepairService
from models.dorms import ACTIVE_STATUSES, DormAssignment, DormBed
from models.people import Person
from models.places import Place

MAX_FOUND = 10


@dataclass
class BuildingProgress:
    """Check-in counts of one dorm building."""

    building: Place
    checked_in: int = 0
    pending: int = 0
    deferred: int = 0

    @property
    def total(self) -> int:
        """Every active assignment of the building."""
        return self.checked_in + self.pending + self.deferred


class DormService(DormCheckins, DormAdminTools, DormVerify, DormNotices):
    """Dorm rosters, check-in, reminders and the dorm admin tools."""

    def __init__(
        self,
        repairs: RepairService,
        people: PeopleService,
        timezone: str = "Asia/Shanghai",
        reminders: str = DEFAULT_REMINDERS,
        verify_max_failures: int = 5,
        verify_window_minutes: int = 60,
    ):
        super().__init__(repairs, timezone, reminders)
        self.people = people
        self.verify_max_failures = verify_max_failures
        self.verify_window = timedelta(minutes=verify_window_minutes)

    async def residents_of(self, building_code: str) -> list[Person]:
        """People with an active bed assignment (pending, deferred or checked in) in the dorm
        building with this place code; an unknown code gives an empty list."""
        code = building_code.strip()
        building = await Place.get_or_none(code=code.upper(), kind="building")
        building = building or await Place.get_or_none(code=code, kind="building")
        if building is None:
            return []
        ids = await DormAssignment.filter(
            status__in=ACTIVE_STATUSES, bed__room__parent_id=building.id
        ).values_list("person_id", flat=True)
        return await Person.filter(id__in=set(ids), active=True).order_by("id")

    async def stays_of(self, person: Person) -> list[Stay]:
        """The person's own active assignments."""
        return await load_stays(
            DormAssignment.filter(person_id=person.id, status__in=ACTIVE_STATUSES).order_by("id")
        )

    async def progress(self, actor: Person) -> list[BuildingProgress]:
        """Counts per dorm building the actor manages (confirmed / pending / deferred)."""
        ids = await self.managed_building_ids(actor)
        query = DormAssignment.filter(status__in=ACTIVE_STATUSES)
        if ids is not None:
            query = query.filter(bed__room__parent_id__in=list(ids))
        rows = await query.values_list("status", "bed__room__parent_id")
        wanted = set(ids) if ids is not None else set()
        wanted |= {building_id for _, building_id in rows}
        buildings = await Place.filter(id__in=wanted).order_by("code")
        by_id = {b.id: BuildingProgress(b) for b in buildings}
        for status, building_id in rows:
            entry = by_id[building_id]
            setattr(entry, status, getattr(entry, status) + 1)
        return list(by_id.values())

    async def building_stays(self, actor: Person, building_id: int) -> tuple[Place, list[Stay]]:
        """A managed building and its active assignments, by room and bed."""
        building = await Place.get_or_none(id=building_id, kind="building")
        if building is None:
            raise NotFound("dorm.unknown_building")
        await self.require_building(actor, building)
        stays = await load_stays(
            DormAssignment.filter(status__in=ACTIVE_STATUSES, bed__room__parent_id=building.id)
        )
        stays.sort(key=lambda s: (s.room.code, s.bed.label))
        return building, stays

    async def find_place(self, query: str) -> Place | None:
        """A dorm building or room named by its code (for look-ups)."""
        room = await find_room(query)
        if room is not None:
            return room
        code = query.strip()
        for candidate in dict.fromkeys((code.upper(), code)):
            building = await Place.get_or_none(code=candidate, kind="building", active=True)
            if building is not None:
                return building
        return None

    async def room_beds(self, actor: Person, room: Place) -> list[tuple[DormBed, Stay | None]]:
        """A managed room's beds, each with its current occupant (None when free)."""
        building = await Place.get(id=room.parent_id)
        await self.require_building(actor, building)
        beds = await DormBed.filter(room_id=room.id, active=True).order_by("label")
        stays = await load_stays(
            DormAssignment.filter(status__in=ACTIVE_STATUSES, bed__room_id=room.id)
        )
        by_bed = {s.bed.id: s for s in stays}
        return [(bed, by_bed.get(bed.id)) for bed in beds]

    async def find_students(self, actor: Person, query: str) -> list[Stay]:
        """Assignments (newest first) of students matching a student id or part of a name,
        limited to the buildings the actor manages."""
        ids = await self.managed_building_ids(actor)
        text = query.strip()[:64]
        if not text:
            return []
        people = await Person.filter(Q(external_id=text) | Q(name__icontains=text)).limit(50)
        query_set = DormAssignment.filter(person_id__in=[p.id for p in people])
        if ids is not None:
            query_set = query_set.filter(bed__room__parent_id__in=list(ids))
        stays = await load_stays(query_set.order_by("-id").limit(MAX_FOUND))
        stays.sort(key=lambda s: (s.assignment.status not in ACTIVE_STATUSES, -s.id))
        return stays
