"""Inspection rounds (巡检): what every part shares — a round with its checklist, where it is,
whose zone it is, and the time rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.errors import NotFound
from bot.services.repairs import DutyService, RepairService, place_zone
from models.inspections import (
    InspectionAnswer,
    InspectionItem,
    InspectionRound,
    InspectionSchedule,
    InspectionTemplate,
)
from models.people import Person
from models.places import Place

ROUND_ROLES = ("worker", "manager")


def utc(now: datetime | None) -> datetime:
    """`now` in UTC (the current moment when None)."""
    return (now or datetime.now(UTC)).astimezone(UTC)


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


class InspectionBase:
    """Time zone, grace period and the lookups every inspection operation shares."""

    def __init__(self, repairs: RepairService, duty: DutyService, timezone: str,
                 grace_minutes: int = 120):
        self.repairs = repairs
        self.duty = duty
        self.timezone = timezone
        self.tz = ZoneInfo(timezone)
        self.grace = timedelta(minutes=grace_minutes)

    def local(self, when: datetime) -> str:
        """A moment as local "MM-DD HH:MM"."""
        return when.astimezone(self.tz).strftime("%m-%d %H:%M")

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
        everyone = [p for p in await Person.filter(active=True, zone=zone).order_by("id")
                    if "worker" in (p.roles or [])]
        return everyone[0] if everyone else None
