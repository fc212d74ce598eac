"""Dorm check-in by the student: confirm on arrival with the room checklist, or defer."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from tortoise.transactions import in_transaction

from bot.core.errors import InvalidState, NotFound, ServiceError
from bot.services.dorms.base import CheckResult, DormBase, Stay, utc
from models.audit import AuditLog
from models.dorms import DormAssignment
from models.people import Person
from models.repairs import Ticket

UNCONFIRMED = ("pending", "deferred")
MAX_DEFER_DAYS = 60
MAX_REASON = 500


class DormCheckins(DormBase):
    """What a student does with their own assignment."""

    async def own_stay(self, person: Person, assignment_id: int) -> Stay:
        """The person's own assignment (anyone else's is "not found")."""
        stay = await self.stay(assignment_id)
        if stay.person.id != person.id:
            raise NotFound("dorm.unknown_assignment")
        return stay

    def _check_can_confirm(self, stay: Stay, now: datetime) -> None:
        status = stay.assignment.status
        if status == "checked_in":
            raise InvalidState("dorm.already_checked_in")
        if status not in UNCONFIRMED:
            raise InvalidState("dorm.not_active")
        if now < stay.assignment.window_start:
            raise InvalidState(
                "dorm.window_not_open", start=self.local(stay.assignment.window_start)
            )

    async def start_checkin(
        self, person: Person, assignment_id: int, now: datetime | None = None
    ) -> Stay:
        """Check the student may confirm now (before they go through the checklist)."""
        stay = await self.own_stay(person, assignment_id)
        self._check_can_confirm(stay, utc(now))
        return stay

    async def confirm_checkin(
        self,
        person: Person,
        assignment_id: int,
        results: list[CheckResult],
        now: datetime | None = None,
    ) -> list[Ticket]:
        """Confirm the student's check-in with the answered checklist; every problem becomes a
        repair ticket on the room (with its photos). Returns those tickets."""
        now = utc(now)
        stay = await self.own_stay(person, assignment_id)
        self._check_can_confirm(stay, now)
        self.check_results(results)
        async with in_transaction():
            moved = await DormAssignment.filter(id=stay.id, status__in=UNCONFIRMED).update(
                status="checked_in", confirmed_at=now, confirmed_by_id=person.id
            )
            if not moved:
                raise InvalidState("dorm.already_checked_in")
            tickets = await self.record_checklist(stay, person, "checkin", results, now)
            await self.skip_reminders(stay.id, now)
            await AuditLog.create(
                actor=person,
                action="checkin.confirm",
                target=f"dorm:{stay.id}",
                detail={
                    "room": stay.room.code,
                    "bed": stay.bed.label,
                    "tickets": [t.number for t in tickets],
                },
            )
        return tickets

    def check_new_date(self, new_date: date, now: datetime) -> None:
        """A deferred arrival date must be from tomorrow to MAX_DEFER_DAYS ahead."""
        today = self.local_date(now)
        if not today < new_date <= today + timedelta(days=MAX_DEFER_DAYS):
            raise ServiceError("dorm.bad_date", days=MAX_DEFER_DAYS)

    async def defer(
        self,
        person: Person,
        assignment_id: int,
        reason: str,
        new_date: date,
        now: datetime | None = None,
    ) -> Stay:
        """The student cannot come in the window: record why and when they will come; their
        reminders move to the new date."""
        now = utc(now)
        stay = await self.own_stay(person, assignment_id)
        if stay.assignment.status not in UNCONFIRMED:
            raise InvalidState(
                "dorm.already_checked_in"
                if stay.assignment.status == "checked_in"
                else "dorm.not_active"
            )
        text = " ".join(reason.split())
        if not text:
            raise ServiceError("dorm.need_reason")
        if len(text) > MAX_REASON:
            raise ServiceError("dorm.reason_too_long", limit=MAX_REASON)
        self.check_new_date(new_date, now)
        async with in_transaction():
            changed = await DormAssignment.filter(id=stay.id, status__in=UNCONFIRMED).update(
                status="deferred", deferred_reason=text, deferred_to=new_date
            )
            if not changed:
                raise InvalidState("dorm.already_checked_in")
            await self.skip_reminders(stay.id, now)
            await AuditLog.create(
                actor=person,
                action="checkin.defer",
                target=f"dorm:{stay.id}",
                detail={"to": new_date.isoformat(), "reason": text[:200]},
            )
        stay = await self.stay(stay.id)
        await self.schedule_reminders(stay, new_date, now)
        return stay
