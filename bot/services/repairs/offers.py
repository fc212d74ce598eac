"""Answers to offers: accept (decided in the database: of two at once exactly one wins),
decline with a reason, no answer in time, and asking a second worker to help."""

from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from bot.core.errors import InvalidState
from bot.delivery.notifier import PRIORITY_STAFF_ALERT
from bot.services.repairs.dispatch import DispatchService, clock
from bot.services.repairs.dispatch_queries import assignee, live_jobs, own_job
from bot.services.repairs.duty import place_zone
from bot.services.repairs.views import manage_button
from models.audit import AuditLog
from models.dispatch import DueTask, Job
from models.people import Person
from models.places import Place
from models.repairs import Ticket, TicketEvent

MAX_REASON = 300


class OfferService:
    """What happens when a worker answers an offer, or does not."""

    def __init__(self, dispatch: DispatchService):
        self.dispatch = dispatch

    async def why_not(self, job: Job, ticket: Ticket, now: datetime) -> str | None:
        """The catalogue key explaining why this offer cannot be answered now, else None."""
        if ticket.status == "cancelled":
            return "dispatch.job_cancelled"
        if ticket.status in ("done", "closed"):
            return "dispatch.job_closed"
        if job.status == "accepted":
            return "dispatch.already_accepted"
        if job.status == "declined":
            return "dispatch.already_declined"
        holder = await assignee(ticket.id) if job.role == "primary" else None
        if holder is not None and holder.id != job.worker_id:  # type: ignore[attr-defined]
            return "dispatch.taken"
        if job.status != "offered":
            return "dispatch.job_withdrawn"
        if job.valid_until < now:
            return "dispatch.offer_expired"
        return None

    async def _check(self, job: Job, now: datetime) -> Ticket:
        ticket = await Ticket.get(id=job.ticket_id)  # type: ignore[attr-defined]
        key = await self.why_not(job, ticket, now)
        if key:
            raise InvalidState(key, number=ticket.number)
        return ticket

    async def check(self, job_id: int | str, person: Person, now: datetime | None = None
                    ) -> tuple[Job, Ticket]:
        """The person's offer and its ticket, if it can still be answered (else a clear no)."""
        job = await own_job(job_id, person)
        return job, await self._check(job, clock(now))

    async def accept(self, job_id: int | str, person: Person,
                     now: datetime | None = None) -> Job:
        """Take the job. The ticket's conditional UPDATE decides between simultaneous Accepts;
        the loser is told the job was taken and nothing of theirs changes."""
        now = clock(now)
        job = await own_job(job_id, person)
        ticket = await self._check(job, now)
        async with in_transaction():
            if job.role == "primary":
                won = await Ticket.filter(id=ticket.id, status="assigned").update(
                    status="accepted"
                )
                if not won:
                    raise InvalidState("dispatch.taken", number=ticket.number)
            mine = await Job.filter(id=job.id, status="offered").update(
                status="accepted", stage="accepted", answered_at=now
            )
            if not mine:
                raise InvalidState("dispatch.job_withdrawn", number=ticket.number)
            if job.role == "primary":
                await TicketEvent.create(ticket_id=ticket.id, actor=person, kind="status",
                                         from_status="assigned", to_status="accepted")
            else:
                await TicketEvent.create(ticket_id=ticket.id, actor=person,
                                         kind="helper_joined", note=person.name)
            await AuditLog.create(actor=person, action=f"job.accept.{job.role}",
                                  target=ticket.number, detail={"job": job.id})
        job.status, job.stage, job.answered_at = "accepted", "accepted", now
        await self._after_accept(job, ticket, person, now)
        return job

    async def _after_accept(self, job: Job, ticket: Ticket,
                            person: Person, now: datetime) -> None:
        announce = self.dispatch.announcer()
        if job.role == "helper":
            primary = await assignee(ticket.id)
            if primary:
                await announce.tell(primary, "dispatch.helper_coming", number=ticket.number,
                                    name=person.name, phone=person.phone or "-")
            return
        await self.dispatch.tracker.responded(ticket.id, now)
        ticket.status = "accepted"
        await self.dispatch.withdraw(ticket, now, "dispatch.offer_taken",
                                     keep=job.id, offers_only=True, role="primary")
        place = await Place.get(id=ticket.place_id)  # type: ignore[attr-defined]
        await announce.tell_all(
            await self.dispatch.repairs.watchers(ticket), "dispatch.rep_accepted",
            number=ticket.number, place=place, worker=person.name,
        )

    async def decline(self, job_id: int | str, person: Person,
                      reason: str, now: datetime | None = None) -> Job:
        """Turn the offer down with a reason; the ticket goes to the next candidate."""
        now = clock(now)
        job = await own_job(job_id, person)
        ticket = await self._check(job, now)
        reason = " ".join((reason or "").split())[:MAX_REASON]
        moved = await Job.filter(id=job.id, status="offered").update(
            status="declined", answered_at=now, finished_at=now, reason=reason or None
        )
        if not moved:
            raise InvalidState("dispatch.job_withdrawn", number=ticket.number)
        job.status = "declined"
        await TicketEvent.create(ticket_id=ticket.id, actor=person, kind="declined",
                                 note=f"{person.name}: {reason}" if reason else person.name)
        await AuditLog.create(actor=person, action="job.decline", target=ticket.number,
                              detail={"job": job.id, "reason": reason})
        await self._pass_on(job, ticket, now)
        return job

    async def _pass_on(self, job: Job, ticket: Ticket,
                       now: datetime) -> None:
        """After a decline or a time-out: ask the next candidate (unless an offer is live)."""
        if job.role == "helper":
            await self.ask_helper(ticket, now)
            return
        if await live_jobs(ticket.id, role="primary", status="accepted"):
            return
        others = [j for j in await live_jobs(ticket.id, role="primary", status="offered")
                  if not j.timed_out and j.id != job.id]
        if not others:
            await self.dispatch.dispatch(ticket, now)

    async def on_timeout(self, task: DueTask, now: datetime) -> str:
        """No answer in time: the offer stays acceptable, and the next candidate is asked too."""
        job = await Job.get_or_none(id=task.job_id)  # type: ignore[attr-defined]
        if job is None or job.status != "offered":
            return "answered"
        ticket = await Ticket.get(id=job.ticket_id)  # type: ignore[attr-defined]
        if await self.why_not(job, ticket, now) not in (None, "dispatch.offer_expired"):
            return "stale"
        await Job.filter(id=job.id, status="offered").update(timed_out=True)
        job.timed_out = True
        worker = await Person.get(id=job.worker_id)  # type: ignore[attr-defined]
        await TicketEvent.create(ticket_id=ticket.id, kind="offer_timeout", note=worker.name)
        await self._pass_on(job, ticket, now)
        return "passed_on"

    async def ask_helper(self, ticket: Ticket, now: datetime,
                         by: Person | None = None) -> Person | None:
        """Offer a helper's place to the next on-duty worker with the skill; None if nobody."""
        busy = await Job.filter(ticket_id=ticket.id).values_list("worker_id", flat=True)
        place = await Place.get(id=ticket.place_id)  # type: ignore[attr-defined]
        pool = await self.dispatch.duty.candidates(
            ticket.category, await place_zone(place), set(busy)
        )
        if pool:
            await self.dispatch.offer(ticket, pool[0].person, now, role="helper",
                                      by=by)
            return pool[0].person
        announce = self.dispatch.announcer()
        primary = await assignee(ticket.id)
        await announce.tell_all(
            await self.dispatch.duty.managers_on_duty(), "dispatch.no_helper",
            manage_button(ticket), PRIORITY_STAFF_ALERT,
            number=ticket.number, place=place, worker=primary.name if primary else "-",
        )
        if primary:
            await announce.tell(primary, "dispatch.no_helper_worker", number=ticket.number)
        return None
