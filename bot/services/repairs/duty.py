"""Workers: duty on/off with shifts, current load, zones and zone leads, dispatch candidates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.functions import Count

from bot.core.errors import InvalidState, NotFound, require_role
from bot.services.people import holders, with_skill
from bot.services.repairs.categories import CategorySet, shipped
from models.dispatch import DutyShift, Job, WorkerProfile
from models.people import Person
from models.places import Place

DUTY_ROLES = ("worker", "manager")
MAX_ZONE_DEPTH = 6


@dataclass
class DutyStatus:
    """A person's duty state for `/duty`."""

    on_duty: bool
    since: datetime | None
    load: int
    zone: str | None
    skills: list[str]
    zone_lead: bool


@dataclass
class WorkerInfo:
    """One worker as a candidate or in the manager's overview."""

    person: Person
    on_duty: bool
    load: int
    zone_lead: bool
    last_offered_at: datetime | None


async def place_zone(place: Place) -> str | None:
    """The place's zone, or the nearest enclosing place's (a room inherits its building's)."""
    current: Place | None = place
    for _ in range(MAX_ZONE_DEPTH):
        if current is None:
            return None
        if current.zone:
            return current.zone
        if current.parent_id is None:  # type: ignore[attr-defined]
            return None
        current = await Place.get_or_none(id=current.parent_id)  # type: ignore[attr-defined]
    return None


class DutyService:
    """Who is working, on what, and where."""

    def __init__(self, categories: CategorySet | None = None):
        self.categories = categories or shipped()

    async def profile(self, person: Person) -> WorkerProfile:
        """The person's duty profile (created on first use)."""
        profile, _ = await WorkerProfile.get_or_create(person_id=person.id)
        return profile

    async def loads(self, person_ids: list[int]) -> dict[int, int]:
        """Accepted, unfinished jobs per person."""
        rows = (
            await Job.filter(worker_id__in=person_ids, status="accepted")
            .group_by("worker_id")
            .annotate(n=Count("id"))
            .values("worker_id", "n")
        )
        return {row["worker_id"]: row["n"] for row in rows}

    async def status(self, person: Person) -> DutyStatus:
        """Duty flag, current shift start and load of a worker or manager."""
        require_role(person, *DUTY_ROLES)
        profile = await self.profile(person)
        shift = await DutyShift.filter(person_id=person.id, ended_at=None).order_by("-id").first()
        return DutyStatus(
            on_duty=profile.on_duty,
            since=shift.started_at if shift and profile.on_duty else None,
            load=(await self.loads([person.id])).get(person.id, 0),
            zone=person.zone,
            skills=list(person.skills or []),
            zone_lead=profile.zone_lead,
        )

    async def set_duty(self, person: Person, on: bool, now: datetime | None = None) -> bool:
        """Go on or off duty (a shift starts or ends); False when nothing changed."""
        require_role(person, *DUTY_ROLES)
        now = (now or datetime.now(UTC)).astimezone(UTC)
        await self.profile(person)
        changed = await WorkerProfile.filter(person_id=person.id, on_duty=not on).update(
            on_duty=on
        )
        if not changed:
            return False
        if on:
            await DutyShift.create(person_id=person.id, started_at=now)
        else:
            await DutyShift.filter(person_id=person.id, ended_at=None).update(ended_at=now)
        return True

    async def workers(self, skills: frozenset[str] | None = None, on_duty_only: bool = True
                      ) -> list[WorkerInfo]:
        """Active workers (with one of `skills` unless None), with duty state and load."""
        found = holders("worker", admins=False)  # a worker's role, not an admin's
        if skills is not None:
            found = with_skill(found, skills)
        people = await found.order_by("id")
        profiles = {
            pr.person_id: pr  # type: ignore[attr-defined]
            for pr in await WorkerProfile.filter(person_id__in=[p.id for p in people])
        }
        loads = await self.loads([p.id for p in people])
        infos = []
        for person in people:
            profile = profiles.get(person.id)
            on = bool(profile and profile.on_duty)
            if on_duty_only and not on:
                continue
            infos.append(WorkerInfo(
                person, on, loads.get(person.id, 0), bool(profile and profile.zone_lead),
                profile.last_offered_at if profile else None,
            ))
        return infos

    async def candidates(self, category: str, zone: str | None, exclude: set[int]
                         ) -> list[WorkerInfo]:
        """On-duty workers who can take the job, best first: the right skill, the place's zone,
        then least load, then whoever waited longest for an offer. The category's skills come
        from the categories file ("other", or a category without skills: anyone)."""
        skills = self.categories.skills_for(category)
        pool = [w for w in await self.workers(skills) if w.person.id not in exclude]
        never = datetime.min.replace(tzinfo=UTC)
        pool.sort(key=lambda w: (
            0 if zone and w.person.zone == zone else 1,
            w.load,
            w.last_offered_at or never,
            w.person.id,
        ))
        return pool

    async def note_offered(self, person: Person, now: datetime) -> None:
        """Remember when the person last got an offer (fair turns among equals)."""
        await self.profile(person)
        await WorkerProfile.filter(person_id=person.id).update(last_offered_at=now)

    async def managers_on_duty(self) -> list[Person]:
        """Managers on duty; all active managers when none is (an alert is never dropped)."""
        managers = await holders("manager").order_by("id")
        on = set(
            await WorkerProfile.filter(
                person_id__in=[m.id for m in managers], on_duty=True
            ).values_list("person_id", flat=True)
        )
        return [m for m in managers if m.id in on] or managers

    async def zone_leads(self, zone: str | None) -> list[Person]:
        """The active zone leads of a zone."""
        if not zone:
            return []
        ids = await WorkerProfile.filter(zone_lead=True).values_list("person_id", flat=True)
        return await Person.filter(id__in=list(ids), zone=zone, active=True)

    async def people_with_role(self, role: str) -> list[Person]:
        """Active people holding `role` (admins included)."""
        return await holders(role).order_by("id")

    async def overview(self, actor: Person) -> list[WorkerInfo]:
        """Every active worker with duty state, load and lead flag (managers only)."""
        require_role(actor, "manager")
        infos = await self.workers(None, on_duty_only=False)
        return sorted(infos, key=lambda w: (not w.on_duty, w.person.zone or "", w.person.name))

    async def toggle_zone_lead(self, actor: Person, person_id: int) -> WorkerInfo:
        """Make a worker the lead of their zone, or stop (managers only)."""
        require_role(actor, "manager")
        person = await Person.get_or_none(id=person_id, active=True)
        if person is None or not person.has_role("worker", "manager"):
            raise NotFound("errors.person_unknown")
        if not person.zone:
            raise InvalidState("manage.lead_needs_zone", name=person.name)
        profile = await self.profile(person)
        profile.zone_lead = not profile.zone_lead
        await profile.save(update_fields=["zone_lead", "updated_at"])
        load = (await self.loads([person.id])).get(person.id, 0)
        return WorkerInfo(person, profile.on_duty, load, profile.zone_lead,
                          profile.last_offered_at)
