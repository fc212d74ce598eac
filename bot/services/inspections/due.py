"""The stored due work of inspection rounds, run by the periodic job: create the rounds whose
time has come (once: unique per schedule and due time), push each to its worker, remind the
worker after the grace period, then tell the zone lead and mark the round missed.

Every step claims its rows with one conditional update, so a restart or a second instance never
sends anything twice.
"""

from __future__ import annotations

import logging
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from bot.core.errors import ServiceError
from bot.core.types import Button
from bot.delivery.notifier import PRIORITY_DEFAULT, Notifier
from bot.services.inspections.base import InspectionBase, RoundView, utc
from bot.services.inspections.rules import fire_times, next_fire, parse_rule
from models.inspections import OPEN_ROUND_STATES, InspectionRound, InspectionSchedule
from models.people import Person

log = logging.getLogger(__name__)


class InspectionDue(InspectionBase):
    """Generation, pushes, reminders and the missed-round escalation."""

    async def generate(self, now: datetime | None = None) -> int:
        """Create the rounds due by `now` for every running schedule; returns how many are new.
        After a long stop only the latest missed fire time of a schedule becomes a round."""
        now = utc(now)
        made = 0
        for schedule in await InspectionSchedule.filter(paused=False, template__active=True):
            try:
                trigger = parse_rule(schedule.rule, self.timezone)
            except ServiceError:
                log.warning("inspection schedule %s: unreadable rule %r", schedule.id,
                            schedule.rule)
                continue
            cursor = schedule.next_due_at
            if cursor is None:
                cursor = next_fire(trigger, schedule.created_at or now)
                if cursor is None:
                    continue
                await InspectionSchedule.filter(id=schedule.id, next_due_at=None).update(
                    next_due_at=cursor
                )
            if cursor > now:
                continue
            later = fire_times(trigger, cursor, now)
            due = later[-1] if later else cursor
            made += await self._create_round(schedule, due)
            await InspectionSchedule.filter(id=schedule.id, next_due_at=cursor).update(
                next_due_at=next_fire(trigger, due)
            )
        return made

    async def _create_round(self, schedule: InspectionSchedule, due: datetime) -> int:
        if await InspectionRound.exists(schedule_id=schedule.id, due_at=due):
            return 0
        worker = await self.pick_worker(schedule)
        try:
            async with in_transaction():
                await InspectionRound.create(schedule_id=schedule.id, due_at=due, worker=worker)
        except IntegrityError:  # another run stored it first
            return 0
        return 1

    def _start_button(self, notifier: Notifier, person: Person, round_id: int
                      ) -> list[list[Button]]:
        label = notifier.translator(person.locale, "inspections.btn_start")
        return [[Button(label, f"ir:s:{round_id}")]]

    async def _texts(self, view: RoundView, locale: str | None) -> dict[str, str]:
        place = view.place.display(locale) if view.place else "—"
        return {"name": view.template.display(locale), "place": place,
                "due": self.local(view.round.due_at), "count": str(len(view.items))}

    async def push_new(self, notifier: Notifier, now: datetime | None = None) -> int:
        """Push every new round to its worker with a Start button (the managers hear of a
        round nobody could be found for); returns how many rounds were pushed."""
        now = utc(now)
        pushed = 0
        for rnd in await InspectionRound.filter(pushed_at=None, state="pending"):
            claimed = await InspectionRound.filter(id=rnd.id, pushed_at=None).update(
                pushed_at=now
            )
            if not claimed:
                continue
            view = await self.view(rnd.id)
            worker = view.worker
            if worker is None:
                for manager in await self.duty.managers_on_duty():
                    await notifier.push(manager, "inspections.nobody", **await self._texts(
                        view, manager.locale))
                continue
            await notifier.push(worker, "inspections.due", self._start_button(
                notifier, worker, rnd.id), PRIORITY_DEFAULT, **await self._texts(
                view, worker.locale))
            pushed += 1
        return pushed

    async def follow_up(self, notifier: Notifier, now: datetime | None = None) -> tuple[int, int]:
        """Remind workers of rounds open past due + grace (once), then after a second grace
        tell the zone lead (else the managers) and mark the round missed; returns (reminded,
        missed)."""
        now = utc(now)
        reminded = 0
        for rnd in await InspectionRound.filter(
            state__in=OPEN_ROUND_STATES, reminded_at=None, lead_told_at=None,
            due_at__lte=now - self.grace,
        ):
            claimed = await InspectionRound.filter(
                id=rnd.id, reminded_at=None, state__in=OPEN_ROUND_STATES
            ).update(reminded_at=now)
            if not claimed:
                continue
            view = await self.view(rnd.id)
            worker = view.worker
            if worker is None:
                continue
            await notifier.push(worker, "inspections.reminder", self._start_button(
                notifier, worker, rnd.id), **await self._texts(view, worker.locale))
            reminded += 1
        missed = 0
        for rnd in await InspectionRound.filter(
            state__in=OPEN_ROUND_STATES, lead_told_at=None, due_at__lte=now - 2 * self.grace,
        ):
            claimed = await InspectionRound.filter(
                id=rnd.id, lead_told_at=None, state__in=OPEN_ROUND_STATES
            ).update(lead_told_at=now, state="missed")
            if not claimed:
                continue
            missed += 1
            view = await self.view(rnd.id)
            worker = view.worker
            for person in await self.leads_or_managers(view.schedule):
                await notifier.push(
                    person, "inspections.missed_lead",
                    worker=worker.name if worker else "—",
                    answered=str(len(view.answers)), **await self._texts(view, person.locale),
                )
        return reminded, missed
