"""Night duty (夜间值班) per dorm building: who hears about approved late returns.

A real dorm office keeps one person on night duty per building (the 宿管 at the door); the
building's dorm admin names them with /nightduty, and the name stays until changed. With nobody
named, the building's dorm admins (else the managers) hear instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.errors import NotFound
from bot.services.dorm_requests.rules import RequestView, dorm_places
from bot.services.dorm_requests.views import request_fields
from bot.services.dorms import DormService
from bot.services.people import find_people, suggest_people
from models.audit import AuditLog
from models.dorm_requests import DormNightDuty
from models.people import Identity, Person
from models.places import Place

if TYPE_CHECKING:
    from bot.delivery.notifier import Notifier

MAX_PEOPLE_FOUND = 6


class NightDutyService:
    """Naming and finding a building's night duty person, who hears of approved late returns."""

    def __init__(self, dorms: DormService, notifier: Notifier):
        self.dorms = dorms
        self.notifier = notifier

    async def night_duty_of(self, building: Place) -> Person | None:
        """The person on night duty in the building (None when nobody is named)."""
        row = await DormNightDuty.get_or_none(building_id=building.id).prefetch_related("person")
        if row is None or not row.person.active:
            return None
        return row.person

    async def night_duty_targets(self, building: Place) -> tuple[list[Person], bool]:
        """Who receives the building's late returns, and whether that is the fallback (its
        dorm admins or the managers, when no night duty person is named)."""
        person = await self.night_duty_of(building)
        if person is not None:
            return [person], False
        return await self.dorms.admins_of(building), True

    async def duty_overview(self, actor: Person) -> list[tuple[Place, Person | None]]:
        """The dorm buildings the actor manages, each with its night duty person."""
        ids = await self.dorms.managed_building_ids(actor)
        _, buildings = await dorm_places()
        if ids is not None:
            buildings = [b for b in buildings if b.id in ids]
        return [(b, await self.night_duty_of(b)) for b in buildings]

    async def find_building(self, actor: Person, code: str) -> Place:
        """A dorm building the actor manages, by its code or name."""
        wanted = code.strip().lower()
        for building, _ in await self.duty_overview(actor):
            if wanted in (building.code.lower(), building.name_zh.lower(),
                          building.name_en.lower()):
                return building
        building = await Place.get_or_none(code=code.strip().upper()[:32], kind="building")
        if building is not None:
            await self.dorms.require_building(actor, building)
        raise NotFound("dorm.unknown_building")

    async def find_people(self, query: str) -> list[Person]:
        """Active people matching a staff/student id, a phone, a name or its beginning; close
        names when nothing matches (all index look-ups, bounded)."""
        return (await find_people(query, limit=MAX_PEOPLE_FOUND)
                or await suggest_people(query, MAX_PEOPLE_FOUND))

    async def reachable(self, person: Person) -> bool:
        """True when the person has a chat account the bot can push to."""
        return await Identity.exists(person_id=person.id)

    async def set_night_duty(self, actor: Person, building_id: int,
                             person_id: int | None) -> tuple[Place, Person | None]:
        """Name the building's night duty person (None clears it); the actor must manage it."""
        building = await Place.get_or_none(id=building_id, kind="building")
        if building is None:
            raise NotFound("dorm.unknown_building")
        await self.dorms.require_building(actor, building)
        if person_id is None:
            await DormNightDuty.filter(building_id=building.id).delete()
            person = None
        else:
            person = await Person.get_or_none(id=person_id, active=True)
            if person is None:
                raise NotFound("dorm_requests.unknown_person")
            await DormNightDuty.update_or_create(
                defaults={"person_id": person.id, "set_by_id": actor.id},
                building_id=building.id,
            )
        await AuditLog.create(actor=actor, action="dorm_night_duty.set",
                              target=f"place:{building.id}", detail={"person": person_id})
        return building, person

    async def push_late_return(self, view: RequestView) -> int:
        """An approved late return reaches the building's night duty person (or, with nobody
        named, its dorm admins): name, room, expected time, reason."""
        targets, fallback = await self.night_duty_targets(view.stay.building)
        key = "dorm_requests.night_duty_fallback" if fallback else "dorm_requests.night_duty"
        sent = 0
        for person in targets:
            fields = request_fields(view, person.locale, self.notifier.translator, self.dorms.tz)
            sent += await self.notifier.push(person, key, **fields)
        return sent
