"""The demo dorm: two rooms of building 4 with beds; the demo students assigned, window open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.services.dorms.roster import assign
from bot.services.people import PeopleService
from models.dorms import ACTIVE_STATUSES, DormAssignment, DormBed, DormBuildingAdmin
from models.people import Person
from models.places import Place

DORM_BUILDING = "4"
DORM_ROOMS = ("4-101", "4-102")
BEDS = ("1", "2", "3", "4")
# student external id -> (room, bed)
DEMO_RESIDENTS = {"demo-student-1": ("4-101", "1"), "demo-student-2": ("4-101", "2")}
DEMO_DORM_ADMIN = "demo-dorm-admin-1"


async def seed_demo_dorm(people: PeopleService | None = None) -> int:
    """Beds in the demo dorm rooms, the demo students assigned (check-in window open from
    yesterday for four days) and the demo dorm admin in charge; idempotent. Returns how many
    assignments were new."""
    building = await Place.get_or_none(code=DORM_BUILDING)
    if building is None:
        return 0
    for code in DORM_ROOMS:
        room = await Place.get(code=code)
        for label in BEDS:
            await DormBed.get_or_create(room=room, label=label)
    admin = await Person.get_or_none(external_id=DEMO_DORM_ADMIN)
    if admin is not None:
        await DormBuildingAdmin.get_or_create(building=building, person=admin)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    made = 0
    for student_id, (room_code, bed) in DEMO_RESIDENTS.items():
        person = await Person.get_or_none(external_id=student_id)
        if person is None or await DormAssignment.exists(
            person_id=person.id, status__in=ACTIVE_STATUSES
        ):
            continue
        room = await Place.get(code=room_code)
        made += await assign(
            people or PeopleService(),
            student_id,
            person.name,
            room,
            bed,
            now - timedelta(days=1),
            now + timedelta(days=3),
        )
    return made
