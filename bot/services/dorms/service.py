"""Dorm check-in (宿舍入住): the stays of the roster, the student's check-in or deferral, the dorm
admin's tools and look-ups, and the notices and reminders that keep both on track.

One class, because all of it is the life of one assignment: who may act on it, what it may move
to, and the reminders that follow it. Rules without a database live in `rules`, texts and
buttons in `views`, verification by student id + name in `verify`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from bot.core.errors import InvalidState, NotFound, PermissionDenied, ServiceError, require_role
from bot.services.dorms.moves import lock_bed, move_to_bed
from bot.services.dorms.rules import (
    ADMIN_ROLES,
    CHECK_ITEMS,
    DEFAULT_REMINDERS,
    UNCONFIRMED,
    CheckResult,
    Stay,
    check_new_date,
    check_results,
    clean_reason,
    parse_reminder_offsets,
    utc,
)
from bot.services.dorms.views import missing_lines, stay_fields, student_buttons
from bot.services.people import find_people, holders
from bot.services.repairs import RepairService
from models.audit import AuditLog
from models.dorms import (
    ACTIVE_STATUSES,
    DormAssignment,
    DormBed,
    DormBuildingAdmin,
    DormCheckItem,
    DormReminder,
)
from models.people import Identity, Person
from models.places import Place
from models.repairs import Ticket

if TYPE_CHECKING:
    from bot.delivery.notifier import Notifier

MAX_FOUND = 10
BUILDINGS_BATCH = 500  # person ids per query (SQLite's host parameter limit allows it)


async def load_stays(query: QuerySet[DormAssignment]) -> list[Stay]:
    """Stays for a DormAssignment queryset, with their people and places loaded."""
    rows = await query.prefetch_related("person", "bed__room__parent")
    return [Stay(a, a.person, a.bed, a.bed.room, a.bed.room.parent) for a in rows]


async def find_room(code: str) -> Place | None:
    """An active room (kind room, under a building) by its code, any letter case."""
    wanted = code.strip()
    for candidate in dict.fromkeys((wanted.upper(), wanted)):
        place = await Place.get_or_none(code=candidate, active=True, kind="room")
        if place is not None and place.parent_id is not None:
            return place
    return None


@dataclass
class BuildingProgress:
    """Check-in counts of one dorm building."""

    building: Place
    checked_in: int = 0
    pending: int = 0
    deferred: int = 0

    @property
    def total(self) -> int:
        """Every active assignment of the building."""
        return self.checked_in + self.pending + self.deferred


class DormService:
    """Dorm stays: check-in and deferral by the student, the dorm admin's tools and look-ups,
    and the assignment notices and reminders."""

    def __init__(
        self,
        repairs: RepairService,
        timezone: str = "Asia/Shanghai",
        reminders: str = DEFAULT_REMINDERS,
        *,
        notifier: Notifier,
    ):
        self.repairs = repairs
        self.notifier = notifier
        self.tz = ZoneInfo(timezone)
        self.offsets = parse_reminder_offsets(reminders)

    # --- time ----------------------------------------------------------------------------------

    def local(self, when: datetime) -> str:
        """A moment as local "MM-DD HH:MM" (for texts and error fields)."""
        return when.astimezone(self.tz).strftime("%m-%d %H:%M")

    def local_date(self, when: datetime) -> date:
        """The local calendar day of a moment."""
        return when.astimezone(self.tz).date()

    def due_times(self, day: date) -> list[datetime]:
        """The reminder moments for a window closing (or a deferred arrival) on `day`."""
        return [
            datetime.combine(day + timedelta(days=days), at, self.tz) for days, at in self.offsets
        ]

    # --- stays and who may act on them ---------------------------------------------------------

    async def stay(self, assignment_id: int) -> Stay:
        """One assignment as a Stay (any status)."""
        stays = await load_stays(DormAssignment.filter(id=assignment_id))
        if not stays:
            raise NotFound("dorm.unknown_assignment")
        return stays[0]

    async def managed_building_ids(self, actor: Person | None) -> set[int] | None:
        """The dorm buildings `actor` manages; None means every building (managers, admins)."""
        require_role(actor, *ADMIN_ROLES)
        assert actor is not None
        if actor.has_role("manager"):
            return None
        rows = await DormBuildingAdmin.filter(person_id=actor.id).values_list(
            "building_id", flat=True
        )
        return set(rows)

    async def require_building(self, actor: Person | None, building: Place) -> None:
        """Raise PermissionDenied unless `actor` manages `building`."""
        ids = await self.managed_building_ids(actor)
        if ids is not None and building.id not in ids:
            raise PermissionDenied("dorm.not_your_building", building=building.code)

    async def visible_stay(self, viewer: Person, assignment_id: int) -> Stay:
        """A stay the viewer may see: their own, or one in a building they manage."""
        try:
            stay = await self.stay(assignment_id)
        except NotFound:
            raise NotFound("dorm.unknown_assignment") from None
        if stay.person.id == viewer.id:
            return stay
        if viewer.has_role(*ADMIN_ROLES):
            ids = await self.managed_building_ids(viewer)
            if ids is None or stay.building.id in ids:
                return stay
        raise NotFound("dorm.unknown_assignment")

    async def own_stay(self, person: Person, assignment_id: int) -> Stay:
        """The person's own assignment (anyone else's is "not found")."""
        stay = await self.stay(assignment_id)
        if stay.person.id != person.id:
            raise NotFound("dorm.unknown_assignment")
        return stay

    async def managed_stay(self, actor: Person, assignment_id: int) -> Stay:
        """An assignment in a building the actor manages."""
        stay = await self.stay(assignment_id)
        await self.require_building(actor, stay.building)
        return stay

    async def admins_of(self, building: Place) -> list[Person]:
        """Who hears about a building: its dorm admins, else the managers."""
        links = await DormBuildingAdmin.filter(building_id=building.id).prefetch_related("person")
        admins = [link.person for link in links if link.person.active]
        if admins:
            return admins
        return await holders("manager").order_by("id")

    # --- the student: check in with the checklist, or defer ------------------------------------

    def _check_can_confirm(self, stay: Stay, now: datetime) -> None:
        status = stay.assignment.status
        if status == "checked_in":
            raise InvalidState("dorm.already_checked_in")
        if status not in UNCONFIRMED:
            raise InvalidState("dorm.not_active")
        if now < stay.assignment.window_start:
            raise InvalidState(
                "dorm.window_not_open", start=self.local(stay.assignment.window_start)
            )

    async def start_checkin(
        self, person: Person, assignment_id: int, now: datetime | None = None
    ) -> Stay:
        """Check the student may confirm now (before they go through the checklist)."""
        stay = await self.own_stay(person, assignment_id)
        self._check_can_confirm(stay, utc(now))
        return stay

    async def confirm_checkin(
        self,
        person: Person,
        assignment_id: int,
        results: list[CheckResult],
        now: datetime | None = None,
    ) -> list[Ticket]:
        """Confirm the student's check-in with the answered checklist; every problem becomes a
        repair ticket on the room (with its photos). Returns those tickets."""
        now = utc(now)
        stay = await self.own_stay(person, assignment_id)
        self._check_can_confirm(stay, now)
        check_results(results)
        async with in_transaction():
            moved = await DormAssignment.filter(id=stay.id, status__in=UNCONFIRMED).update(
                status="checked_in", confirmed_at=now, confirmed_by_id=person.id
            )
            if not moved:
                raise InvalidState("dorm.already_checked_in")
            tickets = await self._record_checklist(stay, person, "checkin", results, now)
            await self._skip_reminders(stay.id, now)
            await AuditLog.create(
                actor=person,
                action="checkin.confirm",
                target=f"dorm:{stay.id}",
                detail={
                    "room": stay.room.code,
                    "bed": stay.bed.label,
                    "tickets": [t.number for t in tickets],
                },
            )
        return tickets

    def check_new_date(self, new_date: date, now: datetime) -> None:
        """A deferred arrival date must be from tomorrow to MAX_DEFER_DAYS ahead."""
        check_new_date(new_date, self.local_date(now))

    async def defer(
        self,
        person: Person,
        assignment_id: int,
        reason: str,
        new_date: date,
        now: datetime | None = None,
    ) -> Stay:
        """The student cannot come in the window: record why and when they will come; their
        reminders move to the new date."""
        now = utc(now)
        stay = await self.own_stay(person, assignment_id)
        if stay.assignment.status not in UNCONFIRMED:
            raise InvalidState(
                "dorm.already_checked_in"
                if stay.assignment.status == "checked_in"
                else "dorm.not_active"
            )
        text = clean_reason(reason)
        self.check_new_date(new_date, now)
        async with in_transaction():
            changed = await DormAssignment.filter(id=stay.id, status__in=UNCONFIRMED).update(
                status="deferred", deferred_reason=text, deferred_to=new_date
            )
            if not changed:
                raise InvalidState("dorm.already_checked_in")
            await self._skip_reminders(stay.id, now)
            await AuditLog.create(
                actor=person,
                action="checkin.defer",
                target=f"dorm:{stay.id}",
                detail={"to": new_date.isoformat(), "reason": text[:200]},
            )
        stay = await self.stay(stay.id)
        await self._schedule_reminders(stay, new_date, now)
        return stay

    # --- the dorm admin: mark a check-in, change a room, check out -----------------------------

    async def mark_checked_in(
        self, actor: Person, assignment_id: int, now: datetime | None = None
    ) -> Stay:
        """Record a check-in by hand (the student came to the office, no checklist)."""
        now = utc(now)
        stay = await self.managed_stay(actor, assignment_id)
        if stay.assignment.status == "checked_in":
            raise InvalidState("dorm.already_checked_in")
        async with in_transaction():
            changed = await DormAssignment.filter(
                id=stay.id, status__in=("pending", "deferred")
            ).update(status="checked_in", confirmed_at=now, confirmed_by_id=actor.id)
            if not changed:
                raise InvalidState("dorm.not_active")
            await self._skip_reminders(stay.id, now)
            await AuditLog.create(
                actor=actor,
                action="checkin.mark",
                target=f"dorm:{stay.id}",
                detail={"student": stay.person.id},
            )
        return await self.stay(stay.id)

    async def change_room(
        self,
        actor: Person,
        assignment_id: int,
        room_code: str,
        bed_label: str,
        now: datetime | None = None,
    ) -> Stay:
        """Move a student to another bed (both buildings must be the actor's); the old
        assignment ends as "moved" and a new one keeps its status, window and reminders. The
        bed is locked and re-checked inside the transaction, so of two moves racing for the
        same free bed exactly one wins."""
        now = utc(now)
        stay = await self.managed_stay(actor, assignment_id)
        old = stay.assignment
        if old.status not in ACTIVE_STATUSES:
            raise InvalidState("dorm.not_active")
        room = await find_room(room_code)
        if room is None:
            raise NotFound("dorm.unknown_room", room=room_code.strip()[:32])
        building = await Place.get(id=room.parent_id)
        await self.require_building(actor, building)
        label = bed_label.strip()
        if not 1 <= len(label) <= 8:
            raise ServiceError("dorm.bad_bed")
        bed, _ = await DormBed.get_or_create(room=room, label=label)
        if bed.id == stay.bed.id:
            raise InvalidState("dorm.same_bed")
        await self._refuse_taken(await DormAssignment.filter(
            bed_id=bed.id, status__in=ACTIVE_STATUSES).first())
        async with in_transaction():
            # re-checked under the bed's lock: a room-change approval may have taken it meanwhile
            await self._refuse_taken(await lock_bed(bed.id))
            new = await move_to_bed(old, bed, building.id, now)
            await AuditLog.create(
                actor=actor,
                action="checkin.room_change",
                target=f"dorm:{new.id}",
                detail={"from": f"{stay.room.code}/{stay.bed.label}", "to": f"{room.code}/{label}"},
            )
        return await self.stay(new.id)

    @staticmethod
    async def _refuse_taken(occupant: DormAssignment | None) -> None:
        if occupant is not None:
            person = await Person.get(id=occupant.person_id)  # type: ignore[attr-defined]
            raise InvalidState("dorm.bed_taken", name=person.name)

    async def start_checkout(self, actor: Person, assignment_id: int) -> Stay:
        """Check the student can be checked out (before the admin walks the checklist)."""
        stay = await self.managed_stay(actor, assignment_id)
        if stay.assignment.status != "checked_in":
            raise InvalidState("dorm.not_checked_in")
        return stay

    async def check_out(
        self,
        actor: Person,
        assignment_id: int,
        results: list[CheckResult],
        now: datetime | None = None,
    ) -> list[Ticket]:
        """Check a student out with the room checklist; damages become repair tickets (the
        admin reports them). Returns those tickets."""
        now = utc(now)
        stay = await self.start_checkout(actor, assignment_id)
        check_results(results)
        async with in_transaction():
            changed = await DormAssignment.filter(id=stay.id, status="checked_in").update(
                status="checked_out", ended_at=now
            )
            if not changed:
                raise InvalidState("dorm.changed_meanwhile")
            tickets = await self._record_checklist(stay, actor, "checkout", results, now)
            await self._skip_reminders(stay.id, now)
            await AuditLog.create(
                actor=actor,
                action="checkin.checkout",
                target=f"dorm:{stay.id}",
                detail={"student": stay.person.id, "tickets": [t.number for t in tickets]},
            )
        return tickets

    async def _record_checklist(
        self, stay: Stay, actor: Person, phase: str, results: list[CheckResult], now: datetime
    ) -> list[Ticket]:
        """Store the answers; every problem becomes a repair ticket on the room with its photos,
        videos and voice notes (call inside the transaction that changes the assignment)."""
        tickets: list[Ticket] = []
        for result in results:
            ticket = None
            if not result.ok:
                ticket = await self.repairs.create(
                    actor,
                    stay.room,
                    self.repairs.categories.or_fallback(CHECK_ITEMS[result.item]),
                    result.description,
                    "normal",
                    result.attachment_ids,
                    now,
                )
                tickets.append(ticket)
            await DormCheckItem.create(
                assignment_id=stay.id,
                phase=phase,
                item=result.item,
                ok=result.ok,
                note=result.note.strip()[:2000] or None,
                ticket=ticket,
                actor=actor,
            )
        return tickets

    # --- look-ups and progress -----------------------------------------------------------------

    async def residents_of(self, building_code: str) -> list[Person]:
        """People with an active bed assignment (pending, deferred or checked in) in the dorm
        building with this place code; an unknown code gives an empty list."""
        code = building_code.strip()
        building = await Place.get_or_none(code=code.upper(), kind="building")
        building = building or await Place.get_or_none(code=code, kind="building")
        if building is None:
            return []
        ids = await DormAssignment.filter(
            status__in=ACTIVE_STATUSES, bed__room__parent_id=building.id
        ).values_list("person_id", flat=True)
        return await Person.filter(id__in=set(ids), active=True).order_by("id")

    async def buildings_of(self, person_ids: list[int]) -> dict[int, str]:
        """Person id -> the code of the dorm building of their active bed assignment (the
        first building by id when there are several), for those of `person_ids` with one."""
        where: dict[int, str] = {}
        for start in range(0, len(person_ids), BUILDINGS_BATCH):
            rows = await DormAssignment.filter(
                status__in=ACTIVE_STATUSES, person_id__in=person_ids[start:start + BUILDINGS_BATCH],
                bed__room__parent__kind="building", bed__room__parent__active=True,
            ).order_by("bed__room__parent_id").values_list("person_id", "bed__room__parent__code")
            for person_id, code in rows:
                where.setdefault(person_id, str(code))
        return where

    async def stays_of(self, person: Person) -> list[Stay]:
        """The person's own active assignments."""
        return await load_stays(
            DormAssignment.filter(person_id=person.id, status__in=ACTIVE_STATUSES).order_by("id")
        )

    async def progress(self, actor: Person) -> list[BuildingProgress]:
        """Counts per dorm building the actor manages (confirmed / pending / deferred)."""
        ids = await self.managed_building_ids(actor)
        query = DormAssignment.filter(status__in=ACTIVE_STATUSES)
        if ids is not None:
            query = query.filter(bed__room__parent_id__in=list(ids))
        rows = await query.values_list("status", "bed__room__parent_id")
        wanted = set(ids) if ids is not None else set()
        wanted |= {building_id for _, building_id in rows}
        buildings = await Place.filter(id__in=wanted).order_by("code")
        by_id = {b.id: BuildingProgress(b) for b in buildings}
        for status, building_id in rows:
            entry = by_id[building_id]
            setattr(entry, status, getattr(entry, status) + 1)
        return list(by_id.values())

    async def building_stays(self, actor: Person, building_id: int) -> tuple[Place, list[Stay]]:
        """A managed building and its active assignments, by room and bed."""
        building = await Place.get_or_none(id=building_id, kind="building")
        if building is None:
            raise NotFound("dorm.unknown_building")
        await self.require_building(actor, building)
        stays = await load_stays(
            DormAssignment.filter(status__in=ACTIVE_STATUSES, bed__room__parent_id=building.id)
        )
        stays.sort(key=lambda s: (s.room.code, s.bed.label))
        return building, stays

    async def find_place(self, query: str) -> Place | None:
        """A dorm building or room named by its code (for look-ups)."""
        room = await find_room(query)
        if room is not None:
            return room
        code = query.strip()
        for candidate in dict.fromkeys((code.upper(), code)):
            building = await Place.get_or_none(code=candidate, kind="building", active=True)
            if building is not None:
                return building
        return None

    async def room_beds(self, actor: Person, room: Place) -> list[tuple[DormBed, Stay | None]]:
        """A managed room's beds, each with its current occupant (None when free)."""
        building = await Place.get(id=room.parent_id)
        await self.require_building(actor, building)
        beds = await DormBed.filter(room_id=room.id, active=True).order_by("label")
        stays = await load_stays(
            DormAssignment.filter(status__in=ACTIVE_STATUSES, bed__room_id=room.id)
        )
        by_bed = {s.bed.id: s for s in stays}
        return [(bed, by_bed.get(bed.id)) for bed in beds]

    async def find_students(self, actor: Person, query: str) -> list[Stay]:
        """Assignments (newest first) of students matching a student id or part of a name,
        limited to the buildings the actor manages."""
        ids = await self.managed_building_ids(actor)
        text = query.strip()[:64]
        if not text:
            return []
        people = await find_people(text, active_only=False, limit=50)
        query_set = DormAssignment.filter(person_id__in=[p.id for p in people])
        if ids is not None:
            query_set = query_set.filter(bed__room__parent_id__in=list(ids))
        stays = await load_stays(query_set.order_by("-id").limit(MAX_FOUND))
        stays.sort(key=lambda s: (s.assignment.status not in ACTIVE_STATUSES, -s.id))
        return stays

    async def missing_in(self, building: Place, now: datetime) -> list[Stay]:
        """Students of a building still missing: window open and not confirmed, or past their
        deferred date."""
        stays = await load_stays(
            DormAssignment.filter(status__in=UNCONFIRMED, bed__room__parent_id=building.id)
        )
        today = self.local_date(now)
        return [
            s
            for s in stays
            if (s.assignment.status == "pending" and s.assignment.window_start <= now)
            or (s.assignment.deferred_to is not None and s.assignment.deferred_to < today)
        ]

    # --- reminders and notices (rendered by views, sent through the notifier's outbox) ---------

    async def _schedule_reminders(self, stay: Stay, day: date, now: datetime) -> int:
        """Store the student's reminders (and the building admins' missing lists) for an arrival
        expected by `day`; moments already past are left out. Returns how many were new."""
        made = 0
        for due in self.due_times(day):
            if due <= now:
                continue
            stamp = int(due.timestamp())
            for key, values in (
                (f"s:{stay.id}:{stamp}", {"kind": "student", "assignment_id": stay.id}),
                (
                    f"a:{stay.building.id}:{stamp}",
                    {"kind": "admins", "building_id": stay.building.id},
                ),
            ):
                if await DormReminder.exists(key=key):
                    continue
                try:
                    async with in_transaction():
                        await DormReminder.create(key=key, due_at=due, **values)
                    made += 1
                except IntegrityError:  # another instance stored it first
                    continue
        return made

    async def _skip_reminders(self, assignment_id: int, now: datetime) -> None:
        """Drop the student's unsent reminders (checked in, deferred, moved out)."""
        await DormReminder.filter(assignment_id=assignment_id, sent_at=None).update(
            sent_at=now, outcome="skipped"
        )

    def _fields(self, stay: Stay, locale: str | None) -> dict[str, Any]:
        return stay_fields(stay, locale, self.notifier.translator, self.local)

    async def push_notice(
        self, assignment_id: int, now: datetime | None = None
    ) -> bool:
        """Send the assignment notice once (to a bound student) and store their reminders."""
        now = utc(now)
        assignment = await DormAssignment.get_or_none(id=assignment_id)
        if assignment is None or not await Identity.exists(person_id=assignment.person_id):
            return False
        claimed = await DormAssignment.filter(
            id=assignment_id, notified_at=None, status__in=UNCONFIRMED
        ).update(notified_at=now)
        if not claimed:
            return False
        stay = await self.stay(assignment_id)
        locale = stay.person.locale
        buttons = student_buttons(stay, locale, self.notifier.translator)
        await self.notifier.push(
            stay.person, "dorm.notice", buttons, **self._fields(stay, locale)
        )
        day = stay.assignment.deferred_to or self.local_date(stay.assignment.window_end)
        await self._schedule_reminders(stay, day, now)
        return True

    async def push_due_notices(
        self, now: datetime | None = None, limit: int = 200
    ) -> int:
        """Notices for every bound student whose assignment has not been announced yet."""
        now = utc(now)
        bound = Subquery(Identity.all().values("person_id"))
        waiting = (
            await DormAssignment.filter(
                notified_at=None, status__in=UNCONFIRMED, person_id__in=bound
            )
            .order_by("id")
            .limit(limit)
            .values_list("id", flat=True)
        )
        sent = 0
        for assignment_id in waiting:
            sent += await self.push_notice(assignment_id, now)
        return sent

    async def send_due_reminders(
        self, now: datetime | None = None, limit: int = 200
    ) -> int:
        """Send stored reminders that are due (each exactly once); returns how many went out."""
        now = utc(now)
        due = (
            await DormReminder.filter(sent_at=None, due_at__lte=now)
            .order_by("due_at", "id")
            .limit(limit)
        )
        sent = 0
        for row in due:
            if not await DormReminder.filter(id=row.id, sent_at=None).update(sent_at=now):
                continue  # another instance took it
            if row.kind == "student" and row.assignment_id is not None:
                outcome = await self._remind_student(row.assignment_id)
            elif row.building_id is not None:
                outcome = await self._remind_admins(row.building_id, now)
            else:
                outcome = "skipped"
            await DormReminder.filter(id=row.id).update(outcome=outcome)
            sent += outcome == "sent"
        return sent

    async def _remind_student(self, assignment_id: int) -> str:
        stay = await self.stay(assignment_id)
        if stay.assignment.status not in UNCONFIRMED:
            return "skipped"
        locale = stay.person.locale
        key = "dorm.reminder_deferred" if stay.assignment.status == "deferred" else "dorm.reminder"
        buttons = student_buttons(stay, locale, self.notifier.translator)
        pushed = await self.notifier.push(
            stay.person, key, buttons, **self._fields(stay, locale)
        )
        return "sent" if pushed else "unreachable"

    async def _remind_admins(self, building_id: int, now: datetime) -> str:
        building = await Place.get(id=building_id)
        missing = await self.missing_in(building, now)
        if not missing:
            return "skipped"
        for admin in await self.admins_of(building):
            await self.notifier.push(
                admin,
                "dorm.missing_list",
                building=building.display(admin.locale),
                count=len(missing),
                lines=missing_lines(missing, admin.locale, self.notifier.translator, self.local),
            )
        return "sent"

    async def tell_student(self, stay: Stay, key: str, **extra: Any) -> int:
        """Push a dorm text about their stay to the student."""
        locale = stay.person.locale
        return await self.notifier.push(
            stay.person, key, **self._fields(stay, locale), **extra
        )

    async def tell_admins(self, stay: Stay, key: str) -> None:
        """Push a dorm text about a student's stay to the admins of that building."""
        for admin in await self.admins_of(stay.building):
            await self.notifier.push(admin, key, **self._fields(stay, admin.locale))
