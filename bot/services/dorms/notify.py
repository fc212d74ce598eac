"""Dorm pushes: the assignment notice, stored reminders, admins' missing lists, change notes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tortoise.expressions import Subquery

from bot.core.types import Button
from bot.services.dorms.base import DormBase, Stay, load_stays, utc
from models.dorms import DormAssignment, DormReminder
from models.people import Identity
from models.places import Place

if TYPE_CHECKING:
    from bot.delivery.notifier import Notifier

Translate = Callable[..., str]
MAX_LIST = 40
UNCONFIRMED = ("pending", "deferred")


def stay_fields(stay: Stay, locale: str | None, t: Translate, local: Callable) -> dict[str, Any]:
    """The fields dorm texts use, rendered for one reader's locale."""
    a = stay.assignment
    return {
        "name": stay.person.name,
        "student_id": stay.person.external_id or "-",
        "building": stay.building.display(locale),
        "room": stay.room.display(locale),
        "bed": t(locale, "dorm.bed", label=stay.bed.label),
        "start": local(a.window_start),
        "end": local(a.window_end),
        "pickup": a.key_pickup or t(locale, "dorm.key_default"),
        "date": a.deferred_to.strftime("%m-%d") if a.deferred_to else "-",
        "reason": a.deferred_reason or "-",
    }


def student_buttons(stay: Stay, locale: str | None, t: Translate) -> list[list[Button]]:
    """Confirm check-in / cannot come in the window, for the student's own messages."""
    return [
        [
            Button(t(locale, "dorm.btn_confirm"), f"dm:c:{stay.id}"),
            Button(t(locale, "dorm.btn_defer"), f"dm:d:{stay.id}"),
        ]
    ]


class DormNotices(DormBase):
    """Pushes to students and dorm admins (through the notifier's outbox)."""

    def _fields(self, notifier: Notifier, stay: Stay, locale: str | None) -> dict[str, Any]:
        return stay_fields(stay, locale, notifier.translator, self.local)

    async def push_notice(
        self, notifier: Notifier, assignment_id: int, now: datetime | None = None
    ) -> bool:
        """Send the assignment notice once (to a bound student) and store their reminders."""
        now = utc(now)
        assignment = await DormAssignment.get_or_none(id=assignment_id)
        if assignment is None or not await Identity.exists(person_id=assignment.person_id):
            return False
        claimed = await DormAssignment.filter(
            id=assignment_id, notified_at=None, status__in=UNCONFIRMED
        ).update(notified_at=now)
        if not claimed:
            return False
        stay = await self.stay(assignment_id)
        locale = stay.person.locale
        buttons = student_buttons(stay, locale, notifier.translator)
        await notifier.push(
            stay.person, "dorm.notice", buttons, **self._fields(notifier, stay, locale)
        )
        day = stay.assignment.deferred_to or self.local_date(stay.assignment.window_end)
        await self.schedule_reminders(stay, day, now)
        return True

    async def push_due_notices(
        self, notifier: Notifier, now: datetime | None = None, limit: int = 200
    ) -> int:
        """Notices for every bound student whose assignment has not been announced yet."""
        now = utc(now)
        bound = Subquery(Identity.all().values("person_id"))
        waiting = (
            await DormAssignment.filter(
                notified_at=None, status__in=UNCONFIRMED, person_id__in=bound
            )
            .order_by("id")
            .limit(limit)
            .values_list("id", flat=True)
        )
        sent = 0
        for assignment_id in waiting:
            sent += await self.push_notice(notifier, assignment_id, now)
        return sent

    async def missing_in(self, building: Place, now: datetime) -> list[Stay]:
        """Students of a building still missing: window open and not confirmed, or past their
        deferred date."""
        stays = await load_stays(
            DormAssignment.filter(status__in=UNCONFIRMED, bed__room__parent_id=building.id)
        )
        today = self.local_date(now)
        return [
            s
            for s in stays
            if (s.assignment.status == "pending" and s.assignment.window_start <= now)
            or (s.assignment.deferred_to is not None and s.assignment.deferred_to < today)
        ]

    async def send_due_reminders(
        self, notifier: Notifier, now: datetime | None = None, limit: int = 200
    ) -> int:
        """Send stored reminders that are due (each exactly once); returns how many went out."""
        now = utc(now)
        due = (
            await DormReminder.filter(sent_at=None, due_at__lte=now)
            .order_by("due_at", "id")
            .limit(limit)
        )
        sent = 0
        for row in due:
            if not await DormReminder.filter(id=row.id, sent_at=None).update(sent_at=now):
                continue  # another instance took it
            if row.kind == "student" and row.assignment_id is not None:
                outcome = await self._remind_student(notifier, row.assignment_id)
            elif row.building_id is not None:
                outcome = await self._remind_admins(notifier, row.building_id, now)
            else:
                outcome = "skipped"
            await DormReminder.filter(id=row.id).update(outcome=outcome)
            sent += outcome == "sent"
        return sent

    async def _remind_student(self, notifier: Notifier, assignment_id: int) -> str:
        stay = await self.stay(assignment_id)
        if stay.assignment.status not in UNCONFIRMED:
            return "skipped"
        locale = stay.person.locale
        key = "dorm.reminder_deferred" if stay.assignment.status == "deferred" else "dorm.reminder"
        buttons = student_buttons(stay, locale, notifier.translator)
        pushed = await notifier.push(
            stay.person, key, buttons, **self._fields(notifier, stay, locale)
        )
        return "sent" if pushed else "unreachable"

    async def _remind_admins(self, notifier: Notifier, building_id: int, now: datetime) -> str:
        building = await Place.get(id=building_id)
        missing = await self.missing_in(building, now)
        if not missing:
            return "skipped"
        for admin in await self.admins_of(building):
            lines = [self.missing_line(notifier.translator, admin.locale, s) for s in missing]
            if len(lines) > MAX_LIST:
                more = notifier.translator(
                    admin.locale, "dorm.and_more", count=len(lines) - MAX_LIST
                )
                lines = [*lines[:MAX_LIST], more]
            await notifier.push(
                admin,
                "dorm.missing_list",
                building=building.display(admin.locale),
                count=len(missing),
                lines="\n".join(lines),
            )
        return "sent"

    def missing_line(self, t: Translate, locale: str | None, stay: Stay) -> str:
        """One student in a list for an admin: name, student id, room, bed, status."""
        fields = stay_fields(stay, locale, t, self.local)
        status = t(locale, f"dorm.status_{stay.assignment.status}")
        if stay.assignment.status == "deferred":
            status = t(locale, "dorm.deferred_to", date=fields["date"])
        return t(locale, "dorm.list_line", status=status, **fields)

    async def tell_student(self, notifier: Notifier, stay: Stay, key: str, **extra: Any) -> int:
        """Push a dorm text about their stay to the student."""
        locale = stay.person.locale
        return await notifier.push(
            stay.person, key, **self._fields(notifier, stay, locale), **extra
        )

    async def tell_admins(self, notifier: Notifier, stay: Stay, key: str) -> None:
        """Push a dorm text about a student's stay to the admins of that building."""
        for admin in await self.admins_of(stay.building):
            await notifier.push(admin, key, **self._fields(notifier, stay, admin.locale))
