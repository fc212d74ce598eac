"""Binding a chat account to a student on the dorm roster by student id + name, rate limited.

Tries are counted atomically in the database (the shared attempt limiter): at most
`max_failures` per account per window, and per student id at most `max_failures` distinct
accounts per window, so one anonymous chat can never lock a student out on its own."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from bot.core.errors import InvalidState, ServiceError
from bot.services.dorms.rules import same_name, utc
from bot.services.people import PeopleService
from bot.services.people import attempt_limiter as attempts
from models.audit import AuditLog
from models.dorms import ACTIVE_STATUSES, DormAssignment, DormVerifyAttempt
from models.people import Identity, Person

ACCOUNT_SCOPE = "dorm.verify.account"  # tries by one chat account
PAIR_SCOPE = "dorm.verify.pair"  # marks that an account was counted against a student id
STUDENT_SCOPE = "dorm.verify.student"  # distinct accounts that tried one student id


class RosterVerification:
    """Student id + name verification for accounts not yet linked to their roster entry."""

    def __init__(self, people: PeopleService, max_failures: int = 5, window_minutes: int = 60):
        self.people = people
        self.verify_max_failures = max_failures
        self.verify_window = timedelta(minutes=window_minutes)

    async def _wait_minutes(self, scope: str, key: str, now: datetime) -> int:
        """Minutes until the window of (scope, key) ends and tries are allowed again."""
        wait = await attempts.retry_after(scope, key, self.verify_window, now)
        return max(1, math.ceil(wait.total_seconds() / 60))

    async def _admit(self, account: str, student_id: str, now: datetime) -> None:
        """Record this try against the account and (once per account) the student id, both
        atomically, or refuse it when either limit is reached. Counting the student id only
        across distinct accounts means one chat alone cannot lock a student out."""
        limit, window = self.verify_max_failures, self.verify_window
        if not await attempts.hit(ACCOUNT_SCOPE, account, limit, window, now):
            raise InvalidState(
                "dorm.verify_locked", minutes=await self._wait_minutes(ACCOUNT_SCOPE, account, now)
            )
        if await attempts.hit(PAIR_SCOPE, f"{student_id}|{account}", 1, window, now):
            allowed = await attempts.hit(STUDENT_SCOPE, student_id, limit, window, now)
        else:  # this account was counted against the id already: only check the id's lock
            allowed = not await attempts.blocked(STUDENT_SCOPE, student_id, limit, window, now)
        if not allowed:
            raise InvalidState(
                "dorm.verify_locked",
                minutes=await self._wait_minutes(STUDENT_SCOPE, student_id, now),
            )

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
        account = f"{platform}:{user_id}"
        await self._admit(account, student_id, now)
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
            used = await attempts.used(ACCOUNT_SCOPE, account, self.verify_window, now)
            if used >= self.verify_max_failures:
                raise InvalidState(
                    "dorm.verify_locked",
                    minutes=await self._wait_minutes(ACCOUNT_SCOPE, account, now),
                )
            raise ServiceError("dorm.verify_mismatch", left=self.verify_max_failures - used)
        await attempts.clear(ACCOUNT_SCOPE, account)
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
