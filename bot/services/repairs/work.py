"""The worker's side of a job: /jobs, progress taps, done (note, photos, materials), need parts,
need help, can't fix. Each change is told to the reporter and followers."""

from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from bot.core.errors import InvalidState, ServiceError, require_role
from bot.delivery.notifier import PRIORITY_DEFAULT, PRIORITY_STAFF_ALERT
from bot.services.assets import check_asset_repeat
from bot.services.repairs.dispatch import DispatchService, clock
from bot.services.repairs.dispatch_queries import JobView, job_view, own_job
from bot.services.repairs.duty import place_zone
from bot.services.repairs.followup import FollowUpService
from bot.services.repairs.materials import MaterialLine, MaterialUsageService
from bot.services.repairs.offers import OfferService
from bot.services.repairs.ticket_media import RESULT_KINDS, forward, ticket_media
from bot.services.repairs.views import STAGE_CODES, caption, manage_button, stage_key
from models.audit import AuditLog
from models.dispatch import STAGES, Job
from models.people import Person
from models.places import Place
from models.repairs import Attachment, Ticket, TicketEvent

MAX_NOTE = 2000


class WorkService:
    """Moves an accepted job along, one tap at a time."""

    def __init__(self, dispatch: DispatchService, offers: OfferService,
                 followup: FollowUpService, materials: MaterialUsageService):
        self.dispatch = dispatch
        self.offers = offers
        self.followup = followup
        self.materials = materials

    @property
    def photos_required(self) -> int:
        """How many photos finishing a job needs."""
        return self.dispatch.policy.config.done_photos_required

    async def my_jobs(self, person: Person, now: datetime | None = None) -> list[JobView]:
        """The worker's open jobs and live offers: reopened (priority) first, then oldest."""
        require_role(person, "worker")
        now = clock(now)
        jobs = await Job.filter(worker_id=person.id, status__in=("offered", "accepted")).order_by(
            "-priority", "offered_at", "id"
        )
        return [await job_view(j) for j in jobs if j.status == "accepted" or j.valid_until >= now]

    async def view(self, job_id: int | str, person: Person) -> JobView:
        """One of the worker's jobs."""
        return await job_view(await own_job(job_id, person))

    async def active(self, job_id: int | str, person: Person) -> tuple[Job, Ticket]:
        """The worker's accepted primary job and its ticket, or a clear refusal."""
        job = await own_job(job_id, person)
        ticket = await Ticket.get(id=job.ticket_id)  # type: ignore[attr-defined]
        if ticket.status == "cancelled":
            raise InvalidState("dispatch.job_cancelled", number=ticket.number)
        if job.status == "done":
            raise InvalidState("dispatch.already_done", number=ticket.number)
        if ticket.status == "closed":
            raise InvalidState("dispatch.job_closed", number=ticket.number)
        if job.status == "offered":
            raise InvalidState("dispatch.accept_first", number=ticket.number)
        if job.status != "accepted" or ticket.status in ("done", "closed"):
            raise InvalidState("dispatch.job_over", number=ticket.number)
        if job.role != "primary":
            raise InvalidState("dispatch.helper_cannot", number=ticket.number)
        return job, ticket

    async def _tell_watchers(self, ticket: Ticket, key: str,
                             **fields: object) -> None:
        place = await Place.get(id=ticket.place_id)  # type: ignore[attr-defined]
        watchers = await self.dispatch.repairs.watchers(ticket)
        await self.dispatch.announcer().tell_all(
            watchers, key, number=ticket.number, place=place, **fields
        )

    async def advance(self, job_id: int | str, person: Person,
                      code: str) -> Job:
        """One tap forward: on the way (w), arrived (a), in progress (p)."""
        stage = STAGE_CODES.get(code)
        if stage is None:
            raise ServiceError("errors.unknown_button")
        job, ticket = await self.active(job_id, person)
        if STAGES.index(stage) <= STAGES.index(job.stage):
            raise InvalidState("dispatch.stage_passed", number=ticket.number)
        moved = await Job.filter(id=job.id, status="accepted", stage=job.stage).update(stage=stage)
        if not moved:
            raise InvalidState("tickets.changed_meanwhile", number=ticket.number)
        await self.dispatch.repairs.transition(ticket, stage, person)
        job.stage = stage
        await self._tell_watchers(ticket, stage_key(stage), worker=person.name)
        return job

    async def complete(self, job_id: int | str, person: Person, note: str,
                       photo_ids: list[int], materials: list[MaterialLine],
                       now: datetime | None = None, *, video_ids: list[int] | None = None,
                       voice_ids: list[int] | None = None) -> Job:
        """Finish the job: a result note and the required proof (the photos, or a video);
        materials are recorded; the result media are sent to the reporter."""
        now = clock(now)
        job, ticket = await self.active(job_id, person)
        note = (note or "").strip()[:MAX_NOTE]
        if not note:
            raise ServiceError("dispatch.done_need_note")
        photos = await _own_drafts(person, photo_ids, "photo")
        videos = await _own_drafts(person, video_ids, "video")
        voices = await _own_drafts(person, voice_ids, "voice")
        if len(photos) < self.photos_required and not videos:
            raise ServiceError("dispatch.done_need_photo", count=self.photos_required)
        async with in_transaction():  # materials (and stock, once hooked in) with the job
            if materials:
                await self.materials.record_used(ticket, person, materials, now, job.id)
            moved = await Job.filter(id=job.id, status="accepted").update(
                status="done", finished_at=now, priority=False
            )
            if not moved:
                raise InvalidState("tickets.changed_meanwhile", number=ticket.number)
            await self.dispatch.repairs.transition(ticket, "done", person, note)
            for kind, ids in (("photo", photos), ("video", videos), ("voice", voices)):
                if ids:
                    await Attachment.filter(id__in=ids).update(ticket_id=ticket.id,
                                                               kind=RESULT_KINDS[kind])
            await Job.filter(ticket_id=ticket.id, role="helper", status="accepted").update(
                status="done", finished_at=now
            )
        job.status = "done"
        await self.dispatch.withdraw(ticket, now, "dispatch.job_closed_notice",
                                     offers_only=True)
        await self.dispatch.tracker.resolved(ticket.id, now)
        await AuditLog.create(actor=person, action="job.done", target=ticket.number,
                              detail={"photos": len(photos), "videos": len(videos),
                                      "materials": len(materials)})
        place = await Place.get(id=ticket.place_id)  # type: ignore[attr-defined]
        followers = [w for w in await self.dispatch.repairs.watchers(ticket)
                     if w.id != ticket.reporter_id]  # type: ignore[attr-defined]
        await self.dispatch.announcer().tell_all(
            followers, "dispatch.rep_done", number=ticket.number, place=place, note=note
        )
        await self._show_result(ticket)
        await self.followup.ask(ticket, job, note, now)
        await self.followup.check_repeat(ticket, now)
        await check_asset_repeat(self.followup, ticket, now)
        return job

    async def _show_result(self, ticket: Ticket) -> None:
        """The completion's photos, videos and voice notes, to the reporter."""
        result = await ticket_media(ticket.id, tuple(RESULT_KINDS.values()))
        if result:
            reporter = await Person.get(id=ticket.reporter_id)  # type: ignore[attr-defined]
            await forward(self.dispatch.announcer(), reporter, result,
                          caption("result", ticket.number), PRIORITY_DEFAULT)

    async def need_parts(self, job_id: int | str, person: Person,
                         note: str) -> Job:
        """The worker needs parts: storekeepers and managers are told, and the reporter."""
        job, ticket = await self.active(job_id, person)
        note = " ".join((note or "").split())[:500]
        await TicketEvent.create(ticket_id=ticket.id, actor=person, kind="need_parts",
                                 note=note or None)
        place = await Place.get(id=ticket.place_id)  # type: ignore[attr-defined]
        staff = [*await self.dispatch.duty.people_with_role("storekeeper"),
                 *await self.dispatch.duty.managers_on_duty()]
        await self.dispatch.announcer().tell_all(
            staff, "dispatch.parts_needed", priority=PRIORITY_STAFF_ALERT, number=ticket.number,
            place=place, worker=person.name, parts=note or "-",
        )
        await self._tell_watchers(ticket, "dispatch.rep_need_parts",
                                  worker=person.name)
        return job

    async def need_help(self, job_id: int | str, person: Person,
                        now: datetime | None = None) -> Person | None:
        """Ask a second worker to help; returns who was asked (None: managers were told)."""
        now = clock(now)
        _job, ticket = await self.active(job_id, person)
        if await Job.exists(ticket_id=ticket.id, role="helper", status="offered"):
            raise InvalidState("dispatch.help_pending", number=ticket.number)
        await TicketEvent.create(ticket_id=ticket.id, actor=person, kind="need_help")
        return await self.offers.ask_helper(ticket, now, by=person)

    async def cant_fix(self, job_id: int | str, person: Person,
                       reason: str, now: datetime | None = None) -> Job:
        """The worker cannot fix it: the job ends, the ticket waits for a manager's decision."""
        now = clock(now)
        reason = " ".join((reason or "").split())[:500]
        if not reason:
            raise ServiceError("dispatch.need_reason")
        job, ticket = await self.active(job_id, person)
        moved = await Job.filter(id=job.id, status="accepted").update(
            status="escalated", finished_at=now, reason=reason
        )
        if not moved:
            raise InvalidState("tickets.changed_meanwhile", number=ticket.number)
        job.status = "escalated"
        await self.dispatch.repairs.transition(ticket, "submitted", person, reason)
        await TicketEvent.create(ticket_id=ticket.id, actor=person, kind="cant_fix", note=reason)
        await self.dispatch.withdraw(ticket, now, "dispatch.job_closed_notice")
        place = await Place.get(id=ticket.place_id)  # type: ignore[attr-defined]
        duty = self.dispatch.duty
        people = [*await duty.zone_leads(await place_zone(place)), *await duty.managers_on_duty()]
        await self.dispatch.announcer().tell_all(
            people, "dispatch.cant_fix_alert",
            manage_button(ticket), PRIORITY_STAFF_ALERT,
            skip=[person.id], number=ticket.number, place=place, worker=person.name,
            reason=reason,
        )
        await self._tell_watchers(ticket, "dispatch.rep_cant_fix")
        return job


async def _own_drafts(person: Person, ids: list[int] | None, kind: str) -> list[int]:
    """The ids among `ids` that are `person`'s own unattached files of `kind`."""
    if not ids:
        return []
    found = await Attachment.filter(id__in=ids, owner_id=person.id, ticket_id=None,
                                    kind=kind).values_list("id", flat=True)
    return list(found)
