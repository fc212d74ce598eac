"""The due-work runner: stored tasks whose time has come are claimed one by one with a lease
(a conditional update, so two instances never run a task at once), handed to their service,
and only then marked done — a process killed mid-task leaves the task to the next run once its
lease has passed."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from tortoise.expressions import Q

from bot.core.errors import ServiceError
from bot.services.repairs.dispatch import DispatchService, clock
from bot.services.repairs.escalation import SLA_KINDS
from bot.services.repairs.followup import FollowUpService
from bot.services.repairs.offers import OfferService
from models.dispatch import DueTask

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)  # far longer than any runner takes; a dead runner's task waits this
Runner = Callable[[DueTask, datetime], Awaitable[str]]


class DueWork:
    """Runs offer time-outs, deferred dispatch, SLA reminders/escalations, follow-up closing."""

    def __init__(self, dispatch: DispatchService, offers: OfferService,
                 followup: FollowUpService):
        self.runners: dict[str, Runner] = {
            "offer_timeout": offers.on_timeout,
            "dispatch": dispatch.run_deferred,
            "followup_close": followup.auto_close,
        }
        for kind in SLA_KINDS:
            self.runners[kind] = self._sla(dispatch)

    @staticmethod
    def _sla(dispatch: DispatchService) -> Runner:
        async def run(task: DueTask, now: datetime) -> str:
            """Hand an SLA task to the tracker."""
            return await dispatch.tracker.handle(dispatch.announcer(), task, now)

        return run

    async def run(self, now: datetime | None = None, limit: int = 200
                  ) -> int:
        """Run every task due by `now` (oldest first); returns how many ran."""
        now = clock(now)
        free = Q(lease_until=None) | Q(lease_until__lt=now)
        due = await DueTask.filter(free, done_at=None, due_at__lte=now).order_by(
            "due_at", "id").limit(limit)
        ran = 0
        for task in due:
            claimed = await DueTask.filter(free, id=task.id, done_at=None).update(
                lease_until=now + LEASE)
            if not claimed:
                continue
            runner = self.runners.get(task.kind)
            try:
                outcome = await runner(task, now) if runner else "unknown_kind"
            except ServiceError as err:
                outcome = err.key
            except Exception:
                log.exception("due task %s (%s) failed", task.id, task.kind)
                outcome = "failed"
            await DueTask.filter(id=task.id).update(done_at=now, outcome=outcome[:32])
            ran += 1
        return ran
