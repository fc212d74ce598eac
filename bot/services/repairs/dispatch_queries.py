"""Read-side helpers of dispatch: a job with what its card shows, who works on a ticket."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.errors import NotFound, PermissionDenied
from models.dispatch import Job, TicketSla
from models.people import Person
from models.places import Place
from models.repairs import Attachment, Ticket, TicketEvent


@dataclass
class JobView:
    """A job with its ticket, place, reporter, photo count and deadlines."""

    job: Job
    ticket: Ticket
    place: Place
    reporter: Person
    photos: int
    sla: TicketSla | None
    helpers: list[Person]
    last_note: str | None = None
    videos: int = 0
    voices: int = 0

    @property
    def due(self) -> datetime | None:
        """The deadline that matters now: response before acceptance, resolution after (and
        for a helper, who joins an accepted job)."""
        if self.sla is None:
            return None
        if self.job.status == "offered" and self.job.role == "primary":
            return self.sla.response_due
        return self.sla.resolution_due


async def get_job(job_id: int | str) -> Job:
    """A job by id (an id from a button may be anything)."""
    job = await Job.get_or_none(id=int(job_id)) if str(job_id).isdigit() else None
    if job is None:
        raise NotFound("dispatch.job_unknown")
    return job


async def own_job(job_id: int | str, person: Person) -> Job:
    """A job of `person`'s; anyone else (a reporter, another worker) is refused."""
    job = await get_job(job_id)
    if job.worker_id != person.id:  # type: ignore[attr-defined]
        raise PermissionDenied("dispatch.not_your_job")
    return job


async def live_jobs(ticket_id: int, role: str | None = None, status: str | None = None
                    ) -> list[Job]:
    """Offered or accepted jobs of a ticket (optionally of one role or status), oldest first."""
    query = Job.filter(ticket_id=ticket_id, status__in=("offered", "accepted"))
    if role:
        query = query.filter(role=role)
    if status:
        query = query.filter(status=status)
    return await query.order_by("id").prefetch_related("worker")


async def assignee(ticket_id: int) -> Person | None:
    """The worker who accepted the ticket (primary job), if any."""
    job = await Job.filter(ticket_id=ticket_id, role="primary", status="accepted").first()
    return await Person.get(id=job.worker_id) if job else None  # type: ignore[attr-defined]


async def last_done_job(ticket_id: int) -> Job | None:
    """The primary job that finished the ticket most recently."""
    return (
        await Job.filter(ticket_id=ticket_id, role="primary", status="done")
        .order_by("-finished_at", "-id")
        .first()
    )


async def job_view(job: Job) -> JobView:
    """Everything a job card shows."""
    ticket = await Ticket.get(id=job.ticket_id)  # type: ignore[attr-defined]
    helpers = [
        j.worker for j in await live_jobs(ticket.id, role="helper", status="accepted")
    ]
    note = (
        await TicketEvent.filter(ticket_id=ticket.id, kind="note").order_by("-id").first()
    )
    return JobView(
        job=job,
        ticket=ticket,
        place=await Place.get(id=ticket.place_id),  # type: ignore[attr-defined]
        reporter=await Person.get(id=ticket.reporter_id),  # type: ignore[attr-defined]
        photos=await Attachment.filter(ticket_id=ticket.id, kind="photo").count(),
        sla=await TicketSla.get_or_none(ticket_id=ticket.id),
        helpers=helpers,
        last_note=note.note if note else None,
        videos=await Attachment.filter(ticket_id=ticket.id, kind="video").count(),
        voices=await Attachment.filter(ticket_id=ticket.id, kind="voice").count(),
    )
