"""Managers' side of inspection rounds: templates and schedules, pause/resume, reassigning an
open round, and the numbers the digest shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.errors import InvalidState, NotFound, require_role
from bot.services.inspections.base import InspectionBase, RoundView, utc
from bot.services.inspections.rules import next_fire, parse_rule
from models.audit import AuditLog
from models.inspections import (
    OPEN_ROUND_STATES,
    InspectionAnswer,
    InspectionRound,
    InspectionSchedule,
    InspectionTemplate,
)
from models.people import Person

ADMIN_ROLES = ("manager",)


@dataclass
class RoundsSummary:
    """Inspection rounds in a span: done, missed, problems found (safety ones among them)."""

    done: int
    missed: int
    problems: int
    safety_problems: int


@dataclass
class TemplateLine:
    """One template with its item count and schedules, for the managers' list."""

    template: InspectionTemplate
    items: int
    schedules: list[InspectionSchedule]


class InspectionAdmin(InspectionBase):
    """What managers do with templates, schedules and rounds."""

    async def overview(self, actor: Person) -> list[TemplateLine]:
        """Every active template with its schedules (managers only)."""
        require_role(actor, *ADMIN_ROLES)
        lines = []
        for template in await InspectionTemplate.filter(active=True).order_by("code"):
            schedules = await InspectionSchedule.filter(template_id=template.id).order_by(
                "id"
            ).prefetch_related("worker", "place")
            items = await template.items.filter(active=True).count()
            lines.append(TemplateLine(template, items, list(schedules)))
        return lines

    async def set_paused(self, actor: Person, schedule_id: int, paused: bool,
                         now: datetime | None = None) -> InspectionSchedule:
        """Pause or resume a schedule; a resumed one starts from its next fire time after now
        (no rounds for the paused stretch)."""
        require_role(actor, *ADMIN_ROLES)
        schedule = await InspectionSchedule.get_or_none(id=schedule_id)
        if schedule is None:
            raise NotFound("inspections.unknown_schedule")
        values: dict[str, object] = {"paused": paused}
        if not paused:
            values["next_due_at"] = next_fire(parse_rule(schedule.rule, self.timezone), utc(now))
        await InspectionSchedule.filter(id=schedule.id).update(**values)
        await AuditLog.create(actor=actor, action="inspection.pause" if paused
                              else "inspection.resume", target=f"schedule:{schedule.id}")
        return await InspectionSchedule.get(id=schedule.id).prefetch_related("worker", "place",
                                                                               "template")

    async def open_rounds(self, actor: Person, limit: int = 10) -> list[RoundView]:
        """Open rounds of everyone, oldest first (managers only)."""
        require_role(actor, *ADMIN_ROLES)
        rows = await InspectionRound.filter(state__in=OPEN_ROUND_STATES).order_by(
            "due_at", "id"
        ).limit(limit)
        return [await self.view(r.id) for r in rows]

    async def reassign_candidates(self, actor: Person) -> list[Person]:
        """Workers an open round may be given to: on duty first, then by name (managers only)."""
        require_role(actor, *ADMIN_ROLES)
        workers = await self.duty.workers(None, on_duty_only=False)
        workers.sort(key=lambda w: (not w.on_duty, w.person.name))
        return [w.person for w in workers]

    async def reassign(self, actor: Person, round_id: int, worker_id: int) -> RoundView:
        """Give an open round to another worker (managers only); answers so far stay."""
        require_role(actor, *ADMIN_ROLES)
        worker = await Person.get_or_none(id=worker_id, active=True)
        if worker is None or not worker.has_role("worker", "manager"):
            raise NotFound("errors.person_unknown")
        moved = await InspectionRound.filter(id=round_id, state__in=OPEN_ROUND_STATES).update(
            worker_id=worker.id, reminded_at=None
        )
        if not moved:
            view = await self.view(round_id)  # NotFound when it does not exist
            raise InvalidState("inspections.not_open", state=view.round.state)
        await AuditLog.create(actor=actor, action="inspection.reassign",
                              target=f"round:{round_id}", detail={"to": worker.id})
        return await self.view(round_id)

    async def rounds_summary(self, start: datetime, end: datetime) -> RoundsSummary:
        """Rounds done and missed, and problems found, in [start, end) — for the digest."""
        done = await InspectionRound.filter(done_at__gte=start, done_at__lt=end).count()
        missed = await InspectionRound.filter(
            state="missed", due_at__gte=start, due_at__lt=end
        ).count()
        problems = InspectionAnswer.filter(ok=False, created_at__gte=start, created_at__lt=end)
        return RoundsSummary(
            done=done,
            missed=missed,
            problems=await problems.count(),
            safety_problems=await problems.filter(item__safety=True).count(),
        )
