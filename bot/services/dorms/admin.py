"""Dorm admin tools: mark a check-in by hand, change a student's room, check a student out."""

from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from bot.core.errors import InvalidState, NotFound, ServiceError
from bot.services.dorms.base import CheckResult, DormBase, Stay, utc
from bot.services.dorms.moves import lock_bed, move_to_bed
from models.audit import AuditLog
from models.dorms import ACTIVE_STATUSES, DormAssignment, DormBed
from models.people import Person
from models.places import Place
from models.repairs import Ticket


async def find_room(code: str) -> Place | None:
    """An active room (kind room, under a building) by its code, any letter case."""
    wanted = code.strip()
    for candidate in dict.fromkeys((wanted.upper(), wanted)):
        place = await Place.get_or_none(code=candidate, active=True, kind="room")
        if place is not None and place.parent_id is not None:
            return place
    return None


class DormAdminTools(DormBase):
    """What a dorm admin does for a student in one of their buildings."""

    async def managed_stay(self, actor: Person, assignment_id: int) -> Stay:
        """An assignment in a building the actor manages."""
        stay = await self.stay(assignment_id)
        await self.require_building(actor, stay.building)
        return stay

    async def mark_checked_in(
        self, actor: Person, assignment_id: int, now: datetime | None = None
    ) -> Stay:
        """Record a check-in by hand (the student came to the office, no checklist)."""
        now = utc(now)
        stay = await self.managed_stay(actor, assignment_id)
        if stay.assignment.status == "checked_in":
            raise InvalidState("dorm.already_checked_in")
        async with in_transaction():
            changed = await DormAssignment.filter(
                id=stay.id, status__in=("pending", "deferred")
            ).update(status="checked_in", confirmed_at=now, confirmed_by_id=actor.id)
            if not changed:
                raise InvalidState("dorm.not_active")
            await self.skip_reminders(stay.id, now)
            await AuditLog.create(
                actor=actor,
                action="checkin.mark",
                target=f"dorm:{stay.id}",
                detail={"student": stay.person.id},
            )
        return await self.stay(stay.id)

    async def change_room(
        self,
        actor: Person,
        assignment_id: int,
        room_code: str,
        bed_label: str,
        now: datetime | None = None,
    ) -> Stay:
        """Move a student to another bed (both buildings must be the actor's); the old
        assignment ends as "moved" and a new one keeps its status, window and reminders. The
        bed is locked and re-checked inside the transaction, so of two moves racing for the
        same free bed exactly one wins."""
        now = utc(now)
        stay = await self.managed_stay(actor, assignment_id)
        old = stay.assignment
        if old.status not in ACTIVE_STATUSES:
            raise InvalidState("dorm.not_active")
        room = await find_room(room_code)
        if room is None:
            raise NotFound("dorm.unknown_room", room=room_code.strip()[:32])
        building = await Place.get(id=room.parent_id)
        await self.require_building(actor, building)
        label = bed_label.strip()
        if not 1 <= len(label) <= 8:
            raise ServiceError("dorm.bad_bed")
        bed, _ = await DormBed.get_or_create(room=room, label=label)
        if bed.id == stay.bed.id:
            raise InvalidState("dorm.same_bed")
        await self._refuse_taken(await DormAssignment.filter(
            bed_id=bed.id, status__in=ACTIVE_STATUSES).first())
        async with in_transaction():
            # re-checked under the bed's lock: a room-change approval may have taken it meanwhile
            await self._refuse_taken(await lock_bed(bed.id))
            new = await move_to_bed(old, bed, building.id, now)
            await AuditLog.create(
                actor=actor,
                action="checkin.room_change",
                target=f"dorm:{new.id}",
                detail={"from": f"{stay.room.code}/{stay.bed.label}", "to": f"{room.code}/{label}"},
            )
        return await self.stay(new.id)

    @staticmethod
    async def _refuse_taken(occupant: DormAssignment | None) -> None:
        if occupant is not None:
            person = await Person.get(id=occupant.person_id)  # type: ignore[attr-defined]
            raise InvalidState("dorm.bed_taken", name=person.name)

    async def start_checkout(self, actor: Person, assignment_id: int) -> Stay:
        """Check the student can be checked out (before the admin walks the checklist)."""
        stay = await self.managed_stay(actor, assignment_id)
        if stay.assignment.status != "checked_in":
            raise InvalidState("dorm.not_checked_in")
        return stay

    async def check_out(
        self,
        actor: Person,
        assignment_id: int,
        results: list[CheckResult],
        now: datetime | None = None,
    ) -> list[Ticket]:
        """Check a student out with the room checklist; damages become repair tickets (the
        admin reports them). Returns those tickets."""
        now = utc(now)
        stay = await self.start_checkout(actor, assignment_id)
        self.check_results(results)
        async with in_transaction():
            changed = await DormAssignment.filter(id=stay.id, status="checked_in").update(
                status="checked_out", ended_at=now
            )
            if not changed:
                raise InvalidState("dorm.changed_meanwhile")
            tickets = await self.record_checklist(stay, actor, "checkout", results, now)
            await self.skip_reminders(stay.id, now)
            await AuditLog.create(
                actor=actor,
                action="checkin.checkout",
                target=f"dorm:{stay.id}",
                detail={"student": stay.person.id, "tickets": [t.number for t in tickets]},
            )
        return tickets
