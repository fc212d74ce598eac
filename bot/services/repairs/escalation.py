"""SLA timers: stored deadlines, reminders before them, escalation after them (zone lead, then
managers), every escalation recorded in the ticket's history."""

from __future__ import annotations

from datetime import datetime

from bot.delivery.announce import Announcer
from bot.delivery.notifier import PRIORITY_STAFF_ALERT
from bot.services.repairs.dispatch_queries import assignee, live_jobs
from bot.services.repairs.duty import DutyService, place_zone
from bot.services.repairs.sla import SlaPolicy
from bot.services.repairs.views import escalation_notice, reminder_notice
from models.audit import AuditLog
from models.dispatch import DueTask, TicketSla
from models.places import Place
from models.repairs import OPEN_STATUSES, Ticket, TicketEvent

PHASES = ("response", "resolution")
SLA_KINDS = tuple(f"{step}_{phase}" for phase in PHASES for step in ("remind", "lead", "manager"))


async def schedule(ticket_id: int, kind: str, due_at: datetime, *, job_id: int | None = None,
                   ref_id: int | None = None, version: int = 0) -> DueTask:
    """Store work due at `due_at` for the periodic job."""
    return await DueTask.create(ticket_id=ticket_id, kind=kind, due_at=due_at, job_id=job_id,
                                ref_id=ref_id, version=version)


class SlaTracker:
    """Keeps each ticket's deadlines and acts when they come."""

    def __init__(self, policy: SlaPolicy, duty: DutyService):
        self.policy = policy
        self.duty = duty

    async def get(self, ticket_id: int) -> TicketSla | None:
        """The ticket's deadlines, if tracked."""
        return await TicketSla.get_or_none(ticket_id=ticket_id)

    async def start(self, ticket: Ticket, now: datetime) -> TicketSla:
        """Compute and store a new ticket's deadlines and plan its reminders/escalations."""
        due = self.policy.deadlines(ticket.category, ticket.urgency, now)
        sla, _ = await TicketSla.get_or_create(
            ticket_id=ticket.id,
            defaults={"started_at": now, "response_due": due.response,
                      "resolution_due": due.resolution},
        )
        await self._plan(ticket, sla, now, PHASES)
        return sla

    async def _plan(self, ticket: Ticket, sla: TicketSla, now: datetime, phases: tuple[str, ...],
                    urgency: str | None = None) -> None:
        urgency = urgency or ticket.urgency
        for phase in phases:
            due = sla.response_due if phase == "response" else sla.resolution_due
            remind = self.policy.reminder_at(ticket.category, urgency, now, due)
            if remind is not None:
                await schedule(ticket.id, f"remind_{phase}", remind, version=sla.version)
            lead, managers = self.policy.escalations(ticket.category, urgency, due)
            await schedule(ticket.id, f"lead_{phase}", lead, version=sla.version)
            await schedule(ticket.id, f"manager_{phase}", managers, version=sla.version)

    async def retime(self, ticket: Ticket, now: datetime, *, urgency: str | None = None,
                     resolution_only: bool = False) -> TicketSla:
        """Recompute deadlines from `now` (urgency changed, job reopened); older timers lapse."""
        sla = await self.get(ticket.id) or await self.start(ticket, now)
        due = self.policy.deadlines(ticket.category, urgency or ticket.urgency, now)
        sla.version += 1
        sla.resolution_due, sla.resolved_at = due.resolution, None
        phases: tuple[str, ...] = ("resolution",)
        if not resolution_only and sla.responded_at is None:
            sla.response_due = due.response
            phases = PHASES
        await sla.save()
        await self._plan(ticket, sla, now, phases, urgency)
        return sla

    async def responded(self, ticket_id: int, now: datetime) -> None:
        """A worker accepted: the response deadline is met."""
        await TicketSla.filter(ticket_id=ticket_id, responded_at=None).update(responded_at=now)

    async def resolved(self, ticket_id: int, now: datetime) -> None:
        """The job is done: the resolution deadline is met."""
        await TicketSla.filter(ticket_id=ticket_id, resolved_at=None).update(resolved_at=now)

    async def overdue_ids(self, now: datetime) -> set[int]:
        """Open tickets past a deadline they have not met."""
        late_response = await TicketSla.filter(
            responded_at=None, response_due__lt=now
        ).values_list("ticket_id", flat=True)
        late_resolution = await TicketSla.filter(
            resolved_at=None, resolution_due__lt=now
        ).values_list("ticket_id", flat=True)
        ids = {*late_response, *late_resolution}
        open_ids = await Ticket.filter(id__in=list(ids), status__in=OPEN_STATUSES).values_list(
            "id", flat=True
        )
        return set(open_ids)

    async def handle(self, announce: Announcer, task: DueTask, now: datetime) -> str:
        """Run one reminder or escalation task; returns what happened."""
        step, phase = task.kind.split("_", 1)
        sla = await self.get(task.ticket_id)  # type: ignore[attr-defined]
        if sla is None or sla.version != task.version:
            return "stale"
        ticket = await Ticket.get(id=task.ticket_id)  # type: ignore[attr-defined]
        if ticket.status not in OPEN_STATUSES:
            return "closed"
        if (sla.responded_at if phase == "response" else sla.resolved_at) is not None:
            return "met"
        due = sla.response_due if phase == "response" else sla.resolution_due
        place = await Place.get(id=ticket.place_id)  # type: ignore[attr-defined]
        if step == "remind":
            return await self._remind(announce, ticket, place, phase, due)
        return await self._escalate(announce, ticket, place, phase, due, step)

    async def _remind(self, announce: Announcer, ticket: Ticket, place: Place, phase: str,
                      due: datetime) -> str:
        status = "offered" if phase == "response" else "accepted"
        jobs = await live_jobs(ticket.id, role="primary", status=status)
        for job in jobs:
            notice = reminder_notice(phase, job, ticket, place, due)
            await announce.tell(job.worker, notice.key, notice.buttons, PRIORITY_STAFF_ALERT,
                                **notice.fields)
        return "reminded" if jobs else "nobody"

    async def _escalate(self, announce: Announcer, ticket: Ticket, place: Place, phase: str,
                        due: datetime, step: str) -> str:
        leads = await self.duty.zone_leads(await place_zone(place)) if step == "lead" else []
        level = "lead" if leads else "manager"
        people = leads or await self.duty.managers_on_duty()
        worker = await assignee(ticket.id)
        for person in people:
            notice = escalation_notice(phase, person, ticket, place, due, worker)
            await announce.tell(person, notice.key, notice.buttons, PRIORITY_STAFF_ALERT,
                                **notice.fields)
        kind = f"sla_{phase}_{level}"
        await TicketEvent.create(ticket_id=ticket.id, kind=kind,
                                 note=", ".join(p.name for p in people)[:500] or None)
        await AuditLog.create(action=f"ticket.{kind}", target=ticket.number,
                              detail={"due": due.isoformat(), "to": [p.id for p in people]})
        return f"escalated_{level}"
