"""Inspection rounds (巡检): the service handlers, jobs and the digest use.

The parts live in `inspections_base` (shared lookups), `inspections_walk` (the worker answering
a round), `inspections_admin` (managers: schedules, reassigning, the digest numbers),
`inspections_due` (generation, pushes, reminders, missed rounds), `inspection_rules` (schedule
rules) and `inspections_import` (the TOML/CSV file).
"""

from __future__ import annotations

from bot.delivery.notifier import PRIORITY_EMERGENCY, Notifier
from bot.services.inspections.admin import InspectionAdmin, RoundsSummary
from bot.services.inspections.due import InspectionDue
from bot.services.inspections.walk import Answered, InspectionWalk
from models.people import Person

__all__ = ["InspectionService", "RoundsSummary"]


class InspectionService(InspectionWalk, InspectionAdmin, InspectionDue):
    """Everything about inspection rounds."""

    async def alert_safety(self, notifier: Notifier, worker: Person, done: Answered) -> int:
        """A safety item with a problem: every manager on duty (all managers when none is) is
        told at once, ahead of ordinary messages; returns how many were told."""
        view = done.view
        managers = await self.duty.managers_on_duty()
        for manager in managers:
            loc = manager.locale
            await notifier.push(
                manager, "inspections.safety_alert", priority=PRIORITY_EMERGENCY,
                name=view.template.display(loc),
                place=view.place.display(loc) if view.place else "—",
                item=done.item.display(loc), worker=worker.name,
                note=done.answer.note or "—",
                number=done.ticket.number if done.ticket else "—",
            )
        return len(managers)
