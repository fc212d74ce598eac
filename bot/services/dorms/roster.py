"""Writing the dorm roster: dorm rooms as places, students as people, beds and assignments.

Used by the CSV import and the demo; callers validate first and wrap a transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.services.people import PeopleService
from models.dorms import ACTIVE_STATUSES, DormAssignment, DormBed, DormReminder
from models.people import Person
from models.places import Place


async def person_ref(ref: str) -> Person | None:
    """A person by external id, or by "#<person id>" for people without one."""
    digits = ref.removeprefix("#")
    if ref.startswith("#") and digits.isdigit():
        return await Person.get_or_none(id=int(digits))
    return await Person.get_or_none(external_id=ref)


async def dorm_room(building_code: str, room_code: str, create: bool = False) -> Place:
    """The room place under its building; with `create`, missing ones are made (names derived
    from the codes, like the demo campus: "D1号楼203" / "Building D1, Room 203")."""
    building = await Place.get_or_none(code=building_code)
    if building is None:
        if not create:
            raise LookupError(f"unknown building {building_code!r}")
        building = await Place.create(
            code=building_code,
            kind="building",
            name_zh=f"{building_code}号楼",
            name_en=f"Building {building_code}",
        )
    room = await Place.get_or_none(code=room_code)
    if room is None:
        if not create:
            raise LookupError(f"unknown room {room_code!r}")
        label = room_code.removeprefix(f"{building_code}-")
        room = await Place.create(
            code=room_code,
            kind="room",
            name_zh=f"{building.name_zh}{label}",
            name_en=f"{building.name_en}, Room {label}",
            parent=building,
            zone=building.zone,
        )
    return room


async def _end_reminders(assignment_id: int, now: datetime) -> None:
    await DormReminder.filter(assignment_id=assignment_id, sent_at=None).update(
        sent_at=now, outcome="skipped"
    )


async def assign(
    people: PeopleService,
    student_id: str,
    name: str,
    room: Place,
    bed_label: str,
    start: datetime,
    end: datetime,
    key_pickup: str | None = None,
) -> bool:
    """Give the student (created by student id if new) this bed and window. The same bed again
    updates the window (a changed window is announced afresh); another bed replaces a not yet
    confirmed assignment. True when a new assignment was made."""
    now = datetime.now(UTC)
    person = await Person.get_or_none(external_id=student_id)
    if person is None:
        person = await people.create(name, [], external_id=student_id)
    elif person.name != name:
        person.name = name
        await person.save(update_fields=["name"])
    bed, _ = await DormBed.get_or_create(room=room, label=bed_label)
    current = await DormAssignment.filter(person_id=person.id, status__in=ACTIVE_STATUSES).first()
    if current is not None and current.bed_id == bed.id:
        moved = (current.window_start, current.window_end) != (start, end)
        if moved or current.key_pickup != key_pickup:
            update: dict = {"window_start": start, "window_end": end, "key_pickup": key_pickup}
            if moved and current.status != "checked_in":
                update["notified_at"] = None
                await _end_reminders(current.id, now)
            await DormAssignment.filter(id=current.id).update(**update)
        return False
    if current is not None:
        await DormAssignment.filter(id=current.id).update(status="cancelled", ended_at=now)
        await _end_reminders(current.id, now)
    await DormAssignment.create(
        person=person, bed=bed, window_start=start, window_end=end, key_pickup=key_pickup
    )
    return True
