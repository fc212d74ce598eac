"""Binding a chat account to a student on the dorm roster by student id + name, rate limited."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from bot.core.errors import InvalidState, ServiceError
from bot.services.dorms.rules import same_name, utc
from bot.services.people import PeopleService
from models.audit import AuditLog
from models.dorms import ACTIVE_STATUSES, DormAssignment, DormVerifyAttempt
from models.people import Identity, Person


class RosterVerification:
    """Student id + name verification for accounts not yet linked to their roster entry."""

    def __init__(self, people: PeopleService, max_failures: int = 5, window_minutes: int = 60):
        self.people = people
        self.verify_max_failures = max_failures
        self.verify_window = timedelta(minutes=window_minutes)

    async def _lock_minutes(
        self, platform: str, user_id: str, student_id: str, now: datetime
    ) -> int | None:
        """Minutes until another try is allowed, or None when not locked."""
        since = now - self.verify_window
        for query in (
            DormVerifyAttempt.filter(platform=platform, user_id=user_id),
            DormVerifyAttempt.filter(student_id=student_id),
        ):
            failures = await query.filter(ok=False, created_at__gt=since).order_by("created_at")
            if len(failures) >= self.verify_max_failures:
                oldest = failures[-self.verify_max_failures].created_at
                return max(1, math.ceil((oldest + self.verify_window - now).total_seconds() / 60))
        return None

    async def check_can_verify(self, current: Person | None) -> None:
        """Refuse accounts already linked to a roster student (nothing to verify)."""
        if current is not None and (
            current.external_id
            or await DormAssignment.exists(person_id=current.id, status__in=ACTIVE_STATUSES)
        ):
            raise InvalidState("dorm.verify_already", name=current.name)

    async def _roster_person(self, student_id: str) -> Person | None:
        person = await Person.get_or_none(external_id=student_id, active=True)
        if person is None:
            return None
        on_roster = await DormAssignment.exists(person_id=person.id, status__in=ACTIVE_STATUSES)
        return person if on_roster else None

    async def verify_student(
        self,
        platform: str,
        user_id: str,
        chat_id: str,
        student_id: str,
        name: str,
        current: Person | None = None,
        locale: str | None = None,
        now: datetime | None = None,
    ) -> Person:
        """Link this account to the roster student with this id and name. A wrong pair is
        answered with the tries left; too many failures (per account or per student id) lock
        further tries for a while. A student already linked elsewhere is not taken over."""
        now = utc(now)
        student_id = student_id.strip()[:64]
        await self.check_can_verify(current)
        locked = await self._lock_minutes(platform, user_id, student_id, now)
        if locked is not None:
            raise InvalidState("dorm.verify_locked", minutes=locked)
        person = await self._roster_person(student_id)
        ok = person is not None and same_name(name, person.name)
        taken = ok and person is not None and await Identity.exists(person_id=person.id)
        await DormVerifyAttempt.create(
            platform=platform,
            user_id=user_id,
            student_id=student_id,
            ok=ok and not taken,
            created_at=now,
        )
        if taken:
            raise InvalidState("dorm.verify_taken")
        if not ok or person is None:
            locked = await self._lock_minutes(platform, user_id, student_id, now)
            if locked is not None:
                raise InvalidState("dorm.verify_locked", minutes=locked)
            since = now - self.verify_window
            failures = await DormVerifyAttempt.filter(
                platform=platform, user_id=user_id, ok=False, created_at__gt=since
            ).count()
            raise ServiceError("dorm.verify_mismatch", left=self.verify_max_failures - failures)
        await self.people.bind(person, platform, user_id, chat_id)
        if person.locale is None and locale:
            person.locale = locale
            await person.save(update_fields=["locale"])
        await AuditLog.create(
            actor=person,
            action="checkin.verify",
            target=f"person:{person.id}",
            detail={"platform": platform, "replaced": current.id if current else None},
        )
        return person
