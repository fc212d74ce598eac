"""Inspection rounds (巡检): the service handlers, jobs and the digest use — a round's life from
its generation to done or missed.

What a worker does (due rounds, start, one answer per item: stored at once, a problem becomes
a repair ticket, the round done when every item is answered); what managers do (templates and
schedules, pause/resume, reassigning an open round, the digest's numbers); and the stored due
work the periodic job runs (create the rounds whose time has come, once: unique per schedule
and due time; push each to its worker; remind after the grace period; then tell the zone lead
and mark the round missed). Every due step claims its rows with one conditional update, so a
restart or a second instance never sends anything twice. The rules that need no database are
`rules`, the messages' fields and buttons `views`, the TOML/CSV file `importer`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from bot.core.errors import InvalidState, NotFound, ServiceError, require_role
from bot.delivery.notifier import PRIORITY_DEFAULT, PRIORITY_EMERGENCY, Notifier
from bot.services.inspections.rules import (
    ADMIN_ROLES,
    MAX_NOTE,
    ROUND_ROLES,
    check_answer,
    fire_times,
    in_range,
    next_fire,
    parse_rule,
    utc,
)
from bot.services.inspections.views import round_fields, safety_fields, start_buttons
from bot.services.people import holders
from bot.services.repairs import DutyService, RepairService, place_zone
from models.audit import AuditLog
from models.inspections import (
    OPEN_ROUND_STATES,
    InspectionAnswer,
    InspectionItem,
    InspectionRound,
    InspectionSchedule,
    InspectionTemplate,
)
from models.people import Person
from models.places import Place
from models.repairs import Ticket

log = logging.getLogger(__name__)


@dataclass
class RoundView:
    """A round with its schedule, template, place, active items and the answers so far."""

    round: InspectionRound
    schedule: InspectionSchedule
    template: InspectionTemplate
    place: Place | None
    items: list[InspectionItem]
    answers: dict[int, InspectionAnswer] = field(default_factory=dict)

    @property
    def id(self) -> int:
        """The round id."""
        return self.round.id

    @property
    def worker(self) -> Person | None:
        """Who the round is assigned to now."""
        return self.round.worker

    def next_item(self) -> InspectionItem | None:
        """The first item not answered yet (None when all are)."""
        return next((i for i in self.items if i.id not in self.answers), None)

    def index_of(self, item: InspectionItem) -> int:
        """The 1-based position of an item among the active ones."""
        return [i.id for i in self.items].index(item.id) + 1

    @property
    def problems(self) -> list[InspectionAnswer]:
        """The answers that reported a problem, in checklist order."""
        return [self.answers[i.id] for i in self.items if i.id in self.answers
                and not self.answers[i.id].ok]


@dataclass
class Answered:
    """What one answer did: the stored answer, its ticket, and the round afterwards."""

    answer: InspectionAnswer
    item: InspectionItem
    ticket: Ticket | None
    view: RoundView
    finished: bool


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


class InspectionService:
    """Everything about inspection rounds: walking them, managing them, their due work."""

    def __init__(self, repairs: RepairService, duty: DutyService, timezone: str,
                 grace_minutes: int = 120, *, notifier: Notifier):
        self.repairs = repairs
        self.notifier = notifier
        self.duty = duty
        self.timezone = timezone
        self.tz = ZoneInfo(timezone)
        self.grace = timedelta(minutes=grace_minutes)

    async def view(self, round_id: int) -> RoundView:
        """One round with everything it shows."""
        found = await InspectionRound.get_or_none(id=round_id).prefetch_related(
            "schedule__template", "schedule__place__parent", "schedule__template__place",
            "worker",
        )
        if found is None:
            raise NotFound("inspections.unknown_round")
        schedule = found.schedule
        template = schedule.template
        items = await InspectionItem.filter(template_id=template.id, active=True).order_by(
            "position"
        )
        rows = await InspectionAnswer.filter(round_id=found.id).prefetch_related("ticket")
        answers = {a.item_id: a for a in rows}  # type: ignore[attr-defined]
        return RoundView(found, schedule, template, schedule.place or template.place,
                         list(items), answers)

    async def zone_of(self, schedule: InspectionSchedule) -> str | None:
        """The schedule's zone: its own, its place's, its template's."""
        if schedule.zone:
            return schedule.zone
        await schedule.fetch_related("place", "template__place")
        place = schedule.place or schedule.template.place
        if place is not None:
            zone = await place_zone(place)
            if zone:
                return zone
        return schedule.template.zone

    async def leads_or_managers(self, schedule: InspectionSchedule) -> list[Person]:
        """The zone leads of the schedule's zone; the managers when the zone has none."""
        leads = await self.duty.zone_leads(await self.zone_of(schedule))
        return leads or await self.duty.managers_on_duty()

    async def pick_worker(self, schedule: InspectionSchedule) -> Person | None:
        """Who does a new round: the schedule's worker; else the zone's on-duty worker with the
        least load; else the zone lead; else any worker of the zone."""
        if schedule.worker_id is not None:  # type: ignore[attr-defined]
            worker = await Person.get_or_none(id=schedule.worker_id, active=True)  # type: ignore[attr-defined]
            if worker is not None:
                return worker
        zone = await self.zone_of(schedule)
        if not zone:
            return None
        on_duty = [w for w in await self.duty.workers() if w.person.zone == zone]
        if on_duty:
            return min(on_duty, key=lambda w: (w.load, w.person.id)).person
        leads = await self.duty.zone_leads(zone)
        if leads:
            return leads[0]
        return await holders("worker", admins=False).filter(zone=zone).order_by("id").first()

    # --- walking a round (workers) -------------------------------------------------------------

    async def due_rounds(self, person: Person) -> list[RoundView]:
        """The person's open rounds, oldest first."""
        require_role(person, *ROUND_ROLES)
        rows = await InspectionRound.filter(
            worker_id=person.id, state__in=OPEN_ROUND_STATES
        ).order_by("due_at", "id").limit(20)
        return [await self.view(r.id) for r in rows]

    async def own_round(self, person: Person, round_id: int) -> RoundView:
        """A round the person may answer now: theirs and still open."""
        require_role(person, *ROUND_ROLES)
        view = await self.view(round_id)
        rnd = view.round
        if rnd.worker_id != person.id:  # type: ignore[attr-defined]
            raise InvalidState("inspections.not_yours")  # e.g. reassigned meanwhile
        if rnd.state == "done":
            raise InvalidState("inspections.already_done")
        if rnd.state == "missed":
            raise InvalidState("inspections.was_missed")
        return view

    async def start(self, person: Person, round_id: int, now: datetime | None = None
                    ) -> RoundView:
        """Begin (or resume) a round; returns it with the answers given so far."""
        view = await self.own_round(person, round_id)
        if not view.items:
            raise InvalidState("inspections.no_items")
        await InspectionRound.filter(
            id=view.id, worker_id=person.id, state="pending"
        ).update(state="in_progress", started_at=utc(now))
        return await self.view(view.id)

    async def answer(
        self,
        person: Person,
        round_id: int,
        item_id: int,
        *,
        ok: bool,
        value: float | None = None,
        note: str = "",
        photo_ids: list[int] | None = None,
        video_ids: list[int] | None = None,
        voice_ids: list[int] | None = None,
        description: str = "",
        now: datetime | None = None,
    ) -> Answered:
        """Store one item's answer; a problem (or a reading out of range) becomes a repair
        ticket on the round's place carrying its photos, videos and voice notes (`description`
        is the ticket text)."""
        now = utc(now)
        photos, videos, voices = list(photo_ids or []), list(video_ids or []), list(voice_ids or [])
        view = await self.own_round(person, round_id)
        item = next((i for i in view.items if i.id == item_id), None)
        if item is None:
            raise NotFound("inspections.unknown_item")
        if item.kind == "reading":
            if value is None:
                raise ServiceError("inspections.not_a_number", text="")
            ok = ok and in_range(item, value)
        check_answer(item, ok, note, photos, videos, voices)
        files = [*photos, *videos, *voices]
        ticket = None
        try:
            async with in_transaction():
                still = await InspectionRound.filter(
                    id=view.id, worker_id=person.id, state__in=OPEN_ROUND_STATES
                ).update(state="in_progress")
                if not still:
                    raise InvalidState("inspections.not_yours")
                if not ok and view.place is not None:
                    urgency = "urgent" if item.safety else "normal"
                    ticket = await self.repairs.create(
                        person, view.place,
                        self.repairs.categories.or_fallback(item.repair_category),
                        description or item.display(person.locale), urgency, files, now,
                    )
                saved = await InspectionAnswer.create(
                    round_id=view.id, item_id=item.id, ok=ok, value=value,
                    note=note.strip()[:MAX_NOTE] or None, photo_ids=files, ticket=ticket,
                    actor=person,
                )
        except IntegrityError as exc:  # answered twice (a double tap, another device)
            raise InvalidState("inspections.already_answered") from exc
        view = await self.view(view.id)
        finished = view.next_item() is None and await self._finish(person, view, now)
        return Answered(saved, item, ticket, await self.view(view.id), finished)

    async def _finish(self, person: Person, view: RoundView, now: datetime) -> bool:
        done = await InspectionRound.filter(
            id=view.id, worker_id=person.id, state__in=OPEN_ROUND_STATES
        ).update(state="done", done_at=now)
        if done:
            await AuditLog.create(
                actor=person, action="inspection.done", target=f"round:{view.id}",
                detail={"template": view.template.code, "problems": len(view.problems),
                        "tickets": [a.ticket_id for a in view.problems if a.ticket_id]},  # type: ignore[attr-defined]
            )
        return bool(done)

    async def alert_safety(self, worker: Person, done: Answered) -> int:
        """A safety item with a problem: every manager on duty (all managers when none is) is
        told at once, ahead of ordinary messages; returns how many were told."""
        managers = await self.duty.managers_on_duty()
        for manager in managers:
            await self.notifier.push(
                manager, "inspections.safety_alert", priority=PRIORITY_EMERGENCY,
                **safety_fields(done, worker, manager.locale),
            )
        return len(managers)

    # --- managing (managers) --------------------------------------------------------------------

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

    # --- due work (the periodic job) -------------------------------------------------------------

    async def generate(self, now: datetime | None = None) -> int:
        """Create the rounds due by `now` for every running schedule; returns how many are new.
        After a long stop only the latest missed fire time of a schedule becomes a round."""
        now = utc(now)
        made = 0
        for schedule in await InspectionSchedule.filter(paused=False, template__active=True):
            try:
                trigger = parse_rule(schedule.rule, self.timezone)
            except ServiceError:
                log.warning("inspection schedule %s: unreadable rule %r", schedule.id,
                            schedule.rule)
                continue
            cursor = schedule.next_due_at
            if cursor is None:
                cursor = next_fire(trigger, schedule.created_at or now)
                if cursor is None:
                    continue
                await InspectionSchedule.filter(id=schedule.id, next_due_at=None).update(
                    next_due_at=cursor
                )
            if cursor > now:
                continue
            later = fire_times(trigger, cursor, now)
            due = later[-1] if later else cursor
            made += await self._create_round(schedule, due)
            await InspectionSchedule.filter(id=schedule.id, next_due_at=cursor).update(
                next_due_at=next_fire(trigger, due)
            )
        return made

    async def _create_round(self, schedule: InspectionSchedule, due: datetime) -> int:
        if await InspectionRound.exists(schedule_id=schedule.id, due_at=due):
            return 0
        worker = await self.pick_worker(schedule)
        try:
            async with in_transaction():
                await InspectionRound.create(schedule_id=schedule.id, due_at=due, worker=worker)
        except IntegrityError:  # another run stored it first
            return 0
        return 1

    async def push_new(self, now: datetime | None = None) -> int:
        """Push every new round to its worker with a Start button (the managers hear of a
        round nobody could be found for); returns how many rounds were pushed."""
        now, t = utc(now), self.notifier.translator
        pushed = 0
        for rnd in await InspectionRound.filter(pushed_at=None, state="pending"):
            claimed = await InspectionRound.filter(id=rnd.id, pushed_at=None).update(
                pushed_at=now
            )
            if not claimed:
                continue
            view = await self.view(rnd.id)
            worker = view.worker
            if worker is None:
                for manager in await self.duty.managers_on_duty():
                    await self.notifier.push(manager, "inspections.nobody",
                                        **round_fields(view, manager.locale, self.tz))
                continue
            await self.notifier.push(
                worker, "inspections.due", start_buttons(t, worker.locale, rnd.id),
                PRIORITY_DEFAULT, **round_fields(view, worker.locale, self.tz),
            )
            pushed += 1
        return pushed

    async def follow_up(self, now: datetime | None = None) -> tuple[int, int]:
        """Remind workers of rounds open past due + grace (once), then after a second grace
        tell the zone lead (else the managers) and mark the round missed; returns (reminded,
        missed)."""
        now, t = utc(now), self.notifier.translator
        reminded = 0
        for rnd in await InspectionRound.filter(
            state__in=OPEN_ROUND_STATES, reminded_at=None, lead_told_at=None,
            due_at__lte=now - self.grace,
        ):
            claimed = await InspectionRound.filter(
                id=rnd.id, reminded_at=None, state__in=OPEN_ROUND_STATES
            ).update(reminded_at=now)
            if not claimed:
                continue
            view = await self.view(rnd.id)
            worker = view.worker
            if worker is None:
                continue
            await self.notifier.push(worker, "inspections.reminder",
                                start_buttons(t, worker.locale, rnd.id),
                                **round_fields(view, worker.locale, self.tz))
            reminded += 1
        missed = 0
        for rnd in await InspectionRound.filter(
            state__in=OPEN_ROUND_STATES, lead_told_at=None, due_at__lte=now - 2 * self.grace,
        ):
            claimed = await InspectionRound.filter(
                id=rnd.id, lead_told_at=None, state__in=OPEN_ROUND_STATES
            ).update(lead_told_at=now, state="missed")
            if not claimed:
                continue
            missed += 1
            view = await self.view(rnd.id)
            worker = view.worker
            for person in await self.leads_or_managers(view.schedule):
                await self.notifier.push(
                    person, "inspections.missed_lead",
                    worker=worker.name if worker else "—",
                    answered=str(len(view.answers)), **round_fields(view, person.locale, self.tz),
                )
        return reminded, missed


__all__ = ["Answered", "InspectionService", "RoundView", "RoundsSummary", "TemplateLine"]
