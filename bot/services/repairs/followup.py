"""Follow-up (回访): the reporter confirms the fix and rates it, or says it is not fixed (the job
reopens to the same worker with priority); silence closes it as confirmed. Low ratings and
repeat failures of one place and category go to the managers."""

from __future__ import annotations

from datetime import datetime

from bot.core.errors import InvalidState, NotFound, PermissionDenied, ServiceError
from bot.delivery.notifier import PRIORITY_STAFF_ALERT
from bot.services.repairs.dispatch import DispatchService, clock
from bot.services.repairs.dispatch_queries import last_done_job
from bot.services.repairs.escalation import schedule
from bot.services.repairs.views import (
    followup_buttons,
    job_button,
    repeat_failure_notice,
    ticket_button,
)
from models.dispatch import DueTask, Job
from models.followup import FollowUp, RepeatFailure
from models.people import Person
from models.places import Place
from models.repairs import Ticket, TicketEvent

SCORES = range(1, 6)
MAX_COMMENT = 1000


class FollowUpService:
    """The call-back after a job is done."""

    def __init__(self, dispatch: DispatchService):
        self.dispatch = dispatch
        self.config = dispatch.policy.config

    async def ask(self, ticket: Ticket, job: Job, note: str,
                  now: datetime) -> FollowUp:
        """Ask the reporter: fixed (tap a rating) or not fixed."""
        due = self.dispatch.policy.followup_due(now)
        worker = await Person.get(id=job.worker_id)  # type: ignore[attr-defined]
        fu = await FollowUp.create(ticket_id=ticket.id, worker=worker, asked_at=now, due_at=due)
        await schedule(ticket.id, "followup_close", due, ref_id=fu.id)
        buttons = followup_buttons(fu.id, SCORES)
        reporter = await Person.get(id=ticket.reporter_id)  # type: ignore[attr-defined]
        place = await Place.get(id=ticket.place_id)  # type: ignore[attr-defined]
        hours = int(self.config.followup_after.total_seconds() // 3600)
        await self.dispatch.announcer().tell(
            reporter, "followup.ask", buttons, number=ticket.number, place=place,
            worker=worker.name, note=note[:500], hours=hours,
        )
        return fu

    async def _load(self, fu_id: int | str, person: Person) -> tuple[FollowUp, Ticket]:
        fu = await FollowUp.get_or_none(id=int(fu_id)) if str(fu_id).isdigit() else None
        if fu is None:
            raise NotFound("followup.unknown")
        ticket = await Ticket.get(id=fu.ticket_id)  # type: ignore[attr-defined]
        if ticket.reporter_id != person.id:  # type: ignore[attr-defined]
            raise PermissionDenied("followup.only_reporter")
        return fu, ticket

    @staticmethod
    def _answered(fu: FollowUp, ticket: Ticket) -> InvalidState:
        key = {
            "fixed": "followup.already_rated",
            "not_fixed": "followup.was_not_fixed",
            "auto": "followup.auto_closed_already",
        }.get(fu.answer or "", "followup.superseded")
        return InvalidState(key, number=ticket.number)

    async def rate(self, fu_id: int | str, person: Person,
                   score: int | str, now: datetime | None = None) -> FollowUp:
        """Fixed, with a rating of 1 to 5: the ticket is closed."""
        now = clock(now)
        value = int(score) if str(score).isdigit() else 0
        if value not in SCORES:
            raise ServiceError("followup.bad_score")
        fu, ticket = await self._load(fu_id, person)
        if fu.answer is not None or ticket.status != "done":
            raise self._answered(fu, ticket)
        moved = await FollowUp.filter(id=fu.id, answer=None).update(
            answer="fixed", answered_at=now, score=value
        )
        if not moved:
            raise self._answered(await FollowUp.get(id=fu.id), ticket)
        fu.answer, fu.score = "fixed", value
        await self.dispatch.repairs.transition(ticket, "closed", person)
        await TicketEvent.create(ticket_id=ticket.id, actor=person, kind="rated",
                                 note="★" * value)
        await self._tell_followers(ticket, person.id)
        announce = self.dispatch.announcer()
        worker = await Person.get_or_none(id=fu.worker_id)  # type: ignore[attr-defined]
        if worker:
            await announce.tell(worker, "followup.worker_rated", number=ticket.number,
                                stars="★" * value)
        if value <= self.config.low_rating:
            await self._low(ticket, fu, worker)
        return fu

    async def _low(self, ticket: Ticket, fu: FollowUp,
                   worker: Person | None) -> None:
        place = await Place.get(id=ticket.place_id)  # type: ignore[attr-defined]
        await self.dispatch.announcer().tell_all(
            await self.dispatch.duty.managers_on_duty(), "followup.low_rating",
            ticket_button(ticket), PRIORITY_STAFF_ALERT,
            number=ticket.number, place=place, stars="★" * (fu.score or 0),
            worker=worker.name if worker else "-", comment=fu.comment or "-",
        )

    async def commentable(self, fu_id: int | str, person: Person) -> tuple[FollowUp, Ticket]:
        """The reporter's rated follow-up that has no comment yet (else a clear no)."""
        fu, ticket = await self._load(fu_id, person)
        if fu.answer != "fixed" or fu.score is None:
            raise InvalidState("followup.rate_first", number=ticket.number)
        if fu.comment:
            raise InvalidState("followup.already_commented", number=ticket.number)
        return fu, ticket

    async def comment(self, fu_id: int | str, person: Person,
                      body: str) -> FollowUp:
        """An optional comment after rating (low ratings' comments go to the managers)."""
        fu, ticket = await self.commentable(fu_id, person)
        body = (body or "").strip()[:MAX_COMMENT]
        if not body:
            raise ServiceError("followup.comment_empty")
        fu.comment = body
        await fu.save(update_fields=["comment"])
        await TicketEvent.create(ticket_id=ticket.id, actor=person, kind="comment", note=body)
        if fu.score <= self.config.low_rating:
            worker = await Person.get_or_none(id=fu.worker_id)  # type: ignore[attr-defined]
            await self._low(ticket, fu, worker)
        return fu

    async def not_fixed(self, fu_id: int | str, person: Person,
                        now: datetime | None = None) -> Job | None:
        """Not fixed: the ticket reopens to the same worker with priority and a new deadline."""
        now = clock(now)
        fu, ticket = await self._load(fu_id, person)
        if fu.answer is not None or ticket.status != "done":
            raise self._answered(fu, ticket)
        moved = await FollowUp.filter(id=fu.id, answer=None).update(
            answer="not_fixed", answered_at=now
        )
        if not moved:
            raise self._answered(await FollowUp.get(id=fu.id), ticket)
        await self.dispatch.repairs.transition(ticket, "reopened", person)
        await TicketEvent.create(ticket_id=ticket.id, actor=person, kind="not_fixed")
        job = await last_done_job(ticket.id)
        await self.dispatch.tracker.retime(ticket, now, urgency=self.config.reopen_urgency,
                                           resolution_only=True)
        announce = self.dispatch.announcer()
        place = await Place.get(id=ticket.place_id)  # type: ignore[attr-defined]
        if job is None:
            await self.dispatch.dispatch(ticket, now)
            return None
        await Job.filter(id=job.id).update(status="accepted", stage="accepted", priority=True,
                                           finished_at=None)
        worker = await Person.get(id=job.worker_id)  # type: ignore[attr-defined]
        await announce.tell(worker, "dispatch.reopened_worker",
                            job_button(job), PRIORITY_STAFF_ALERT,
                            number=ticket.number, place=place)
        followers = [w for w in await self.dispatch.repairs.watchers(ticket) if w.id != person.id]
        await announce.tell_all(followers, "dispatch.rep_reopened", number=ticket.number,
                                place=place)
        return await Job.get(id=job.id)

    async def auto_close(self, task: DueTask, now: datetime) -> str:
        """No answer in time: the ticket is closed as confirmed."""
        fu = await FollowUp.get_or_none(id=task.ref_id or 0)
        if fu is None or fu.answer is not None:
            return "answered"
        ticket = await Ticket.get(id=fu.ticket_id)  # type: ignore[attr-defined]
        if ticket.status != "done":
            return "stale"
        moved = await FollowUp.filter(id=fu.id, answer=None).update(answer="auto",
                                                                   answered_at=now)
        if not moved:
            return "answered"
        await self.dispatch.repairs.transition(ticket, "closed", None)
        await TicketEvent.create(ticket_id=ticket.id, kind="auto_closed")
        reporter = await Person.get(id=ticket.reporter_id)  # type: ignore[attr-defined]
        await self.dispatch.announcer().tell(reporter, "followup.auto_closed",
                                                     number=ticket.number)
        await self._tell_followers(ticket, reporter.id)
        return "closed"

    async def _tell_followers(self, ticket: Ticket, reporter_id: int
                              ) -> None:
        """Followers of a ticket confirmed fixed are told it is closed."""
        followers = [w for w in await self.dispatch.repairs.watchers(ticket)
                     if w.id != reporter_id]
        place = await Place.get(id=ticket.place_id)  # type: ignore[attr-defined]
        await self.dispatch.announcer().tell_all(
            followers, "dispatch.rep_closed", number=ticket.number, place=place
        )

    async def check_repeat(self, ticket: Ticket, now: datetime
                           ) -> RepeatFailure | None:
        """Flag the ticket when its place and category were repaired too often lately."""
        if await RepeatFailure.exists(ticket_id=ticket.id):
            return None
        same = await Ticket.filter(
            place_id=ticket.place_id, category=ticket.category  # type: ignore[attr-defined]
        ).values_list("id", flat=True)
        done = await Job.filter(
            ticket_id__in=list(same), role="primary", status="done",
            finished_at__gte=now - self.config.repeat_within,
        ).values_list("ticket_id", flat=True)
        count = len(set(done))
        if count < self.config.repeat_count:
            return None
        days = self.config.repeat_within.days
        flag = await RepeatFailure.create(
            ticket_id=ticket.id, place_id=ticket.place_id,  # type: ignore[attr-defined]
            category=ticket.category, count=count, window_days=days, created_at=now,
        )
        await TicketEvent.create(ticket_id=ticket.id, kind="repeat_failure", note=str(count))
        place = await Place.get(id=ticket.place_id)  # type: ignore[attr-defined]
        notice = repeat_failure_notice(ticket, place, count, days)
        await self.dispatch.announcer().tell_all(
            await self.dispatch.duty.managers_on_duty(), notice.key, notice.buttons,
            PRIORITY_STAFF_ALERT, **notice.fields,
        )
        return flag
