"""Automatic dispatch (派工): choose a worker, send the offer, pass it on, take jobs back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.core.types import Button
from bot.delivery.announce import Announcer, Translate
from bot.delivery.notifier import PRIORITY_OFFER, PRIORITY_STAFF_ALERT
from bot.services.repairs.dispatch_queries import assignee, job_view, live_jobs
from bot.services.repairs.duty import DutyService, place_zone
from bot.services.repairs.escalation import SlaTracker, schedule
from bot.services.repairs.sla import SlaPolicy
from bot.services.repairs.ticket_media import REPORTER_KINDS, forward, ticket_media
from bot.services.repairs.tickets import RepairService
from bot.services.repairs.views import (
    caption,
    job_buttons,
    job_text,
    manage_button,
    no_worker_notice,
)
from models.audit import AuditLog
from models.dispatch import DueTask, Job
from models.people import Person
from models.places import Place
from models.repairs import Ticket, TicketEvent

if TYPE_CHECKING:
    from bot.delivery.notifier import Notifier

# workers not offered a ticket again by automatic dispatch
NOT_AGAIN = ("offered", "accepted", "declined", "released", "escalated")
DISPATCHABLE = ("submitted", "assigned", "reopened")
WORKING = ("accepted", "on_the_way", "arrived", "in_progress", "reopened")


def clock(now: datetime | None = None) -> datetime:
    """`now` (the current time when None) in UTC: stored times must all be UTC, as SQLite
    compares them as text."""
    return (now or datetime.now(UTC)).astimezone(UTC)


@dataclass
class DispatchOutcome:
    """What dispatching did: offered (to `worker`), deferred (until `when`), nobody, closed."""

    kind: str
    worker: Person | None = None
    when: datetime | None = None
    response_due: datetime | None = None
    resolution_due: datetime | None = None


class DispatchService:
    """Chooses workers and sends them offers; takes offers and jobs back."""

    def __init__(self, policy: SlaPolicy, repairs: RepairService, duty: DutyService,
                 tracker: SlaTracker, timezone: str, notifier: Notifier):
        self.policy = policy
        self.repairs = repairs
        self.duty = duty
        self.tracker = tracker
        self.timezone = timezone
        self.notifier = notifier

    def announcer(self) -> Announcer:
        """Pushes through the notifier, rendered per recipient."""
        return Announcer(self.notifier, self.timezone)

    async def on_ticket_created(self, ticket: Ticket,
                                now: datetime | None = None) -> DispatchOutcome:
        """Start the ticket's SLA clock and dispatch it (or hold it for the morning)."""
        now = clock(now)
        sla = await self.tracker.start(ticket, now)
        outcome = await self.dispatch(ticket, now, first=True)
        outcome.response_due, outcome.resolution_due = sla.response_due, sla.resolution_due
        return outcome

    async def dispatch(self, ticket: Ticket, now: datetime | None = None,
                       *, first: bool = False) -> DispatchOutcome:
        """Offer the ticket to the best next candidate; alert managers when nobody is left."""
        now = clock(now)
        ticket = await Ticket.get(id=ticket.id)
        if ticket.status not in DISPATCHABLE:
            return DispatchOutcome("closed")
        place = await Place.get(id=ticket.place_id)  # type: ignore[attr-defined]
        announce = self.announcer()
        start = self.policy.active_at(ticket.urgency, now)
        if start > now:
            await self._defer(ticket, start)
            if first:
                await announce.tell_all(
                    await self.duty.managers_on_duty(), "dispatch.new_deferred",
                    manage_button(ticket), PRIORITY_STAFF_ALERT,
                    number=ticket.number, place=place, when=start,
                    description=ticket.description[:200],
                )
            return DispatchOutcome("deferred", when=start)
        tried = await Job.filter(
            ticket_id=ticket.id, role="primary", status__in=NOT_AGAIN
        ).values_list("worker_id", flat=True)
        candidates = await self.duty.candidates(
            ticket.category, await place_zone(place), set(tried)
        )
        if not candidates:
            await self._nobody(announce, ticket, place)
            return DispatchOutcome("nobody")
        worker = candidates[0].person
        await self.offer(ticket, worker, now)
        return DispatchOutcome("offered", worker=worker)

    async def _defer(self, ticket: Ticket, when: datetime) -> None:
        pending = await DueTask.exists(ticket_id=ticket.id, kind="dispatch", done_at=None)
        if not pending:
            await schedule(ticket.id, "dispatch", when)

    async def _nobody(self, announce: Announcer, ticket: Ticket, place: Place) -> None:
        """Nobody (else) to ask. While a timed-out offer is still open the worker may yet
        answer, so the managers are told only once nobody holds an offer, and only once per
        event: not again unless the ticket was offered to someone since the last alert."""
        if await live_jobs(ticket.id, role="primary", status="offered"):
            return  # the response deadline's escalation reaches the managers if nobody answers
        if ticket.status == "assigned":
            await self.repairs.transition(ticket, "submitted", None)
        if not await self._new_nobody_event(ticket):
            return
        notice = no_worker_notice(ticket, place)
        await announce.tell_all(await self.duty.managers_on_duty(), notice.key, notice.buttons,
                                PRIORITY_STAFF_ALERT, **notice.fields)

    async def _new_nobody_event(self, ticket: Ticket) -> bool:
        """Record this "nobody left" moment; False when it repeats the last one (no offer was
        made in between), so two triggers of the same event send one alert."""
        offers = await Job.filter(ticket_id=ticket.id, role="primary").count()
        last = await AuditLog.filter(action="dispatch.no_worker", target=ticket.number
                                     ).order_by("-id").first()
        if last is not None and (last.detail or {}).get("offers") == offers:
            return False
        await AuditLog.create(action="dispatch.no_worker", target=ticket.number,
                              detail={"offers": offers})
        return True

    async def offer(self, ticket: Ticket, worker: Person, now: datetime,
                    *, role: str = "primary", by: Person | None = None) -> Job:
        """Offer the ticket to `worker` (as its primary worker or as a helper)."""
        job = await Job.create(
            ticket_id=ticket.id, worker=worker, role=role, status="offered", offered_at=now,
            expires_at=self.policy.offer_expiry(ticket.urgency, now),
            valid_until=self.policy.offer_valid_until(now), offered_by=by,
        )
        if role == "primary" and ticket.status != "assigned":
            await self.repairs.transition(ticket, "assigned", by)
        kind = "offered" if role == "primary" else "help_offered"
        await TicketEvent.create(ticket_id=ticket.id, actor=by, kind=kind, note=worker.name)
        await self.duty.note_offered(worker, now)
        await schedule(ticket.id, "offer_timeout", job.expires_at, job_id=job.id)
        await self.send_offer(self.announcer(), job, now)
        return job

    async def send_offer(self, announce: Announcer, job: Job, now: datetime) -> None:
        """The dispatch message: the reporter's photos, videos and voice notes, then the card
        with Accept/Decline."""
        view = await job_view(job)
        worker = await Person.get(id=job.worker_id)  # type: ignore[attr-defined]
        if job.role == "primary":
            files = await ticket_media(view.ticket.id, REPORTER_KINDS)
            if files:  # 📷 with photos among them, 🎬 for videos and voice notes only
                kind = "photo" if any(a.kind == "photo" for a in files) else "media"
                await forward(announce, worker, files, caption(kind, view.ticket.number),
                              PRIORITY_OFFER)
        contact = self.policy.config.show_reporter_contact

        def render(t: Translate, locale: str | None) -> tuple[str, list[list[Button]]]:
            """The card in the worker's language."""
            body = job_text(t, announce.local, locale, view, now, contact)
            return body, job_buttons(t, view)

        await announce.card(worker, render, PRIORITY_OFFER)

    async def withdraw(self, ticket: Ticket, now: datetime, key: str, *,
                       keep: int | None = None, offers_only: bool = False,
                       role: str | None = None) -> list[Person]:
        """Take back the ticket's live offers (and accepted jobs unless `offers_only`), telling
        each worker with `key`; returns who was told."""
        announce = self.announcer()
        told = []
        for job in await live_jobs(ticket.id, role=role):
            if job.id == keep or (offers_only and job.status != "offered"):
                continue
            new = "withdrawn" if job.status == "offered" else "released"
            moved = await Job.filter(id=job.id, status=job.status).update(
                status=new, finished_at=now
            )
            if moved:
                await announce.tell(job.worker, key, number=ticket.number)
                told.append(job.worker)
        return told

    async def on_ticket_cancelled(self, ticket: Ticket,
                                  now: datetime | None = None) -> list[Person]:
        """The reporter withdrew the ticket: offers and jobs are taken back."""
        return await self.withdraw(ticket, clock(now), "dispatch.job_cancelled")

    async def on_duty_started(self, worker: Person,
                              now: datetime | None = None, limit: int = 5) -> int:
        """A worker came on duty: waiting tickets they can do are dispatched again."""
        now = clock(now)
        waiting = await Ticket.filter(status__in=("submitted", "reopened")).order_by("id")
        sent = 0
        for ticket in waiting:
            if sent >= limit:
                break
            if not self.repairs.categories.serves(ticket.category, worker.skills):
                continue
            if await Job.exists(ticket_id=ticket.id, status__in=("offered", "accepted")):
                continue
            if (await self.dispatch(ticket, now)).kind == "offered":
                sent += 1
        return sent

    async def run_deferred(self, task: DueTask, now: datetime) -> str:
        """A ticket held for the morning is dispatched now."""
        ticket = await Ticket.get(id=task.ticket_id)  # type: ignore[attr-defined]
        if ticket.status not in ("submitted", "reopened"):
            return "stale"
        if await Job.exists(ticket_id=ticket.id, status__in=("offered", "accepted")):
            return "stale"
        return (await self.dispatch(ticket, now)).kind

    async def assignee(self, ticket: Ticket) -> Person | None:
        """The worker who accepted the ticket, if any (for its detail view)."""
        return await assignee(ticket.id)
