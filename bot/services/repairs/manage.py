"""Manager tools: open tickets filtered by status, zone or overdue; reassign; change urgency;
close as duplicate or invalid with a reason the reporter is told."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.errors import InvalidState, NotFound, ServiceError, require_role
from bot.services.repairs.dispatch import WORKING, DispatchService, clock
from bot.services.repairs.dispatch_queries import assignee, live_jobs
from bot.services.repairs.duty import WorkerInfo, place_zone
from bot.services.repairs.tickets import STAFF_ROLES
from bot.services.repairs.views import closed_key, urgency_text
from models.audit import AuditLog
from models.dispatch import TicketSla
from models.people import Person
from models.places import Place
from models.repairs import OPEN_STATUSES, URGENCIES, Ticket, TicketEvent, TicketFollower

CLOSE_KINDS = ("duplicate", "invalid")
NUMBER = re.compile(r"R-\d{8}-\d{4}", re.IGNORECASE)
MAX_LIST = 30


@dataclass
class OpenTicket:
    """One line of `/open`."""

    ticket: Ticket
    place: Place
    zone: str | None
    worker: Person | None
    due: datetime | None
    overdue: bool
    offered_to: list[str] = field(default_factory=list)  # names holding a live offer


@dataclass
class OpenFilter:
    """Which open tickets to list."""

    status: str | None = None
    zone: str | None = None
    overdue: bool = False


class ManageService:
    """What managers do with tickets in chat."""

    def __init__(self, dispatch: DispatchService):
        self.dispatch = dispatch

    async def _line(self, ticket: Ticket, overdue_ids: set[int]) -> OpenTicket:
        place = await Place.get(id=ticket.place_id)  # type: ignore[attr-defined]
        sla = await TicketSla.get_or_none(ticket_id=ticket.id)
        due = None
        if sla is not None:
            due = sla.response_due if sla.responded_at is None else sla.resolution_due
        worker = await assignee(ticket.id)
        offered = [] if worker else [
            j.worker.name for j in await live_jobs(ticket.id, role="primary", status="offered")]
        return OpenTicket(ticket, place, await place_zone(place), worker, due,
                          ticket.id in overdue_ids, offered)

    async def open_tickets(self, actor: Person, wanted: OpenFilter | None = None,
                           now: datetime | None = None) -> list[OpenTicket]:
        """Open tickets, oldest first, filtered (staff only)."""
        require_role(actor, *STAFF_ROLES)
        wanted = wanted or OpenFilter()
        now = clock(now)
        if wanted.status and wanted.status not in OPEN_STATUSES:
            raise ServiceError("manage.bad_status", value=wanted.status[:20])
        query = Ticket.filter(status=wanted.status) if wanted.status else Ticket.filter(
            status__in=OPEN_STATUSES)
        overdue = await self.dispatch.tracker.overdue_ids(now)
        if wanted.overdue:
            query = query.filter(id__in=list(overdue))
        lines = []
        for ticket in await query.order_by("id"):
            line = await self._line(ticket, overdue)
            if wanted.zone and (line.zone or "").lower() != wanted.zone.lower():
                continue
            lines.append(line)
            if len(lines) >= MAX_LIST:
                break
        return lines

    async def zones(self) -> list[str]:
        """Every zone named on a place."""
        zones = await Place.filter(active=True).exclude(zone=None).distinct().values_list(
            "zone", flat=True
        )
        return sorted({z for z in zones if z})

    async def ticket(self, actor: Person, ticket_id: int | str,
                     now: datetime | None = None) -> OpenTicket:
        """One ticket for the manager's card."""
        require_role(actor, "manager")
        ticket = await self._get(ticket_id)
        overdue = await self.dispatch.tracker.overdue_ids(clock(now))
        return await self._line(ticket, overdue)

    async def _get(self, ticket_id: int | str) -> Ticket:
        ticket = await Ticket.get_or_none(id=int(ticket_id)) if str(ticket_id).isdigit() else None
        if ticket is None:
            raise NotFound("tickets.unknown", number=str(ticket_id)[:30])
        return ticket

    async def _open(self, actor: Person, ticket_id: int | str) -> Ticket:
        require_role(actor, "manager")
        ticket = await self._get(ticket_id)
        if ticket.status not in OPEN_STATUSES:
            raise InvalidState("tickets.not_open", number=ticket.number)
        return ticket

    async def reassign_choices(self, actor: Person, ticket_id: int | str) -> list[WorkerInfo]:
        """Workers to reassign to: with the skill and on duty first, then everyone else."""
        ticket = await self._open(actor, ticket_id)
        current = await assignee(ticket.id)
        everyone = await self.dispatch.duty.workers(None, on_duty_only=False)
        categories = self.dispatch.repairs.categories

        def rank(w: WorkerInfo) -> tuple:
            """Fitting skill, on duty, least load, then by name."""
            fits = categories.serves(ticket.category, w.person.skills)
            return (not fits, not w.on_duty, w.load, w.person.name)

        return sorted([w for w in everyone if not current or w.person.id != current.id],
                      key=rank)

    async def reassign(self, actor: Person, ticket_id: int | str,
                       worker_id: int | str, now: datetime | None = None) -> Person:
        """Take the ticket from whoever has it and offer it to the chosen worker."""
        now = clock(now)
        ticket = await self._open(actor, ticket_id)
        worker = await Person.get_or_none(id=int(worker_id)) if str(worker_id).isdigit() else None
        if worker is None or not worker.active or "worker" not in (worker.roles or []):
            raise NotFound("errors.person_unknown")
        current = await assignee(ticket.id)
        if current and current.id == worker.id:
            raise InvalidState("manage.already_theirs", name=worker.name)
        await self.dispatch.withdraw(ticket, now, "dispatch.job_reassigned")
        if ticket.status in WORKING:
            await self.dispatch.repairs.transition(ticket, "assigned", actor)
        await TicketEvent.create(ticket_id=ticket.id, actor=actor, kind="reassigned",
                                 note=worker.name)
        await self.dispatch.offer(ticket, worker, now, by=actor)
        if current:
            await self._tell_watchers(ticket, "manage.rep_reassigned")
        return worker

    async def change_urgency(self, actor: Person, ticket_id: int | str,
                             urgency: str, now: datetime | None = None) -> Ticket:
        """Set the urgency; deadlines are recomputed from now and everyone involved is told."""
        now = clock(now)
        if urgency not in URGENCIES:
            raise ServiceError("repair.bad_urgency")
        ticket = await self._open(actor, ticket_id)
        if ticket.urgency == urgency:
            raise InvalidState("manage.urgency_same", number=ticket.number)
        moved = await Ticket.filter(id=ticket.id, urgency=ticket.urgency).update(urgency=urgency)
        if not moved:
            raise InvalidState("tickets.changed_meanwhile", number=ticket.number)
        ticket.urgency = urgency
        await TicketEvent.create(ticket_id=ticket.id, actor=actor, kind=f"urgency_{urgency}")
        await AuditLog.create(actor=actor, action="ticket.urgency", target=ticket.number,
                              detail={"urgency": urgency})
        await self.dispatch.tracker.retime(ticket, now)
        workers = [j.worker for j in await live_jobs(ticket.id)]
        announce = self.dispatch.announcer()
        await announce.tell_all(workers, "manage.urgency_changed_worker", number=ticket.number,
                                urgency=urgency_text(urgency))
        await self._tell_watchers(ticket, "manage.rep_urgency",
                                  urgency=urgency_text(urgency))
        if ticket.status == "submitted" and not await live_jobs(ticket.id):
            await self.dispatch.dispatch(ticket, now)
        return ticket

    async def close(self, actor: Person, ticket_id: int | str, kind: str,
                    reason: str, now: datetime | None = None) -> Ticket | None:
        """Close as duplicate or invalid; the reason goes to the reporter and followers. For a
        duplicate naming the original's number, they follow the original from now on.
        Returns the original ticket, if one was named."""
        now = clock(now)
        if kind not in CLOSE_KINDS:
            raise ServiceError("errors.unknown_button")
        reason = " ".join((reason or "").split())[:500]
        if not reason:
            raise ServiceError("dispatch.need_reason")
        ticket = await self._open(actor, ticket_id)
        original = await self._original(ticket, reason) if kind == "duplicate" else None
        await self.dispatch.withdraw(ticket, now, "dispatch.job_closed_notice")
        await self.dispatch.repairs.transition(ticket, "closed", actor, reason)
        await TicketEvent.create(ticket_id=ticket.id, actor=actor, kind=f"closed_{kind}",
                                 note=original.number if original else None)
        watchers = await self.dispatch.repairs.watchers(ticket)
        if original:
            for person in watchers:
                if person.id != original.reporter_id:  # type: ignore[attr-defined]
                    await TicketFollower.get_or_create(ticket_id=original.id, person=person)
        await self.dispatch.announcer().tell_all(
            watchers, closed_key(kind), number=ticket.number, reason=reason,
            original=original.number if original else "-",
        )
        return original

    async def _original(self, ticket: Ticket, reason: str) -> Ticket | None:
        match = NUMBER.search(reason)
        if not match:
            return None
        original = await Ticket.get_or_none(number=match[0].upper())
        if original is None or original.id == ticket.id:
            raise NotFound("manage.original_unknown", number=match[0][:30])
        return original

    async def _tell_watchers(self, ticket: Ticket, key: str,
                             **fields: object) -> None:
        place = await Place.get(id=ticket.place_id)  # type: ignore[attr-defined]
        await self.dispatch.announcer().tell_all(
            await self.dispatch.repairs.watchers(ticket), key, number=ticket.number,
            place=place, **fields,
        )
