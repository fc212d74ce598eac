"""Dorm life requests (晚归 / 外宿 / 调宿): filing and withdrawing by the student; listing,
counting and deciding by the dorm admin (a room change moves the student in one transaction);
expiry; and the pushes that tell the dorm admins and the student.

One class, because all of it is the life of one request. The typed-input rules and the
request record live in `rules`, texts and buttons in `views`, night duty in `night_duty`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from bot.core.errors import InvalidState, NotFound, ServiceError, require_role
from bot.services.dorm_requests.rules import (
    MAX_REASON,
    MAX_WHERE,
    Preference,
    RequestView,
    check_span,
    clean_text,
    dorm_places,
    expected_moment,
)
from bot.services.dorm_requests.views import new_request_buttons, request_card, request_fields
from bot.services.dorms import (
    ADMIN_ROLES,
    DormService,
    Stay,
    load_stays,
    lock_bed,
    move_to_bed,
    utc,
)
from bot.services.people import normalize_phone
from models.audit import AuditLog
from models.dorm_requests import REQUEST_KINDS, REQUEST_STATES, DormRequest
from models.dorms import ACTIVE_STATUSES, DormAssignment, DormBed
from models.people import Person
from models.places import Place

if TYPE_CHECKING:
    from bot.delivery.notifier import Notifier

MAX_LISTED = 30
MAX_FREE_BEDS = 12
LATE_GRACE = timedelta(hours=1)  # a late return can still be decided this long after the time
Summary = dict[str, dict[str, int]]


def empty_summary() -> Summary:
    """Zero counts for every kind and state."""
    return {kind: dict.fromkeys(REQUEST_STATES, 0) for kind in REQUEST_KINDS}


class DormRequestService:
    """Students file and withdraw requests; dorm admins list, count and decide them; exactly
    one decision wins (conditional updates)."""

    def __init__(self, dorms: DormService, notifier: Notifier):
        self.dorms = dorms
        self.notifier = notifier

    # --- loading and who may see or decide what ------------------------------------------------

    async def view(self, request_id: int) -> RequestView:
        """One request with everything its texts show."""
        request = await DormRequest.get_or_none(id=request_id).prefetch_related(
            "pref_building", "pref_room", "new_bed__room", "decided_by"
        )
        if request is None:
            raise NotFound("dorm_requests.unknown", number=request_id)
        stays = await load_stays(DormAssignment.filter(id=request.assignment_id))
        bed = request.new_bed
        return RequestView(
            request, stays[0], request.pref_building, request.pref_room, bed,
            bed.room if bed is not None else None, request.decided_by,
        )

    async def views(self, requests: list[DormRequest]) -> list[RequestView]:
        """Views of several requests, in the given order."""
        return [await self.view(r.id) for r in requests]

    async def resident_stay(self, person: Person | None) -> Stay:
        """The student's current bed (the newest active assignment); only residents may file."""
        if person is None:
            raise NotFound("dorm_requests.not_resident")
        stays = await load_stays(
            DormAssignment.filter(person_id=person.id, status__in=ACTIVE_STATUSES).order_by("-id")
        )
        if not stays:
            raise NotFound("dorm_requests.not_resident")
        return stays[0]

    async def own(self, person: Person, request_id: int) -> RequestView:
        """The person's own request (anyone else's is "not found")."""
        view = await self.view(request_id)
        if view.request.person_id != person.id:
            raise NotFound("dorm_requests.unknown", number=request_id)
        return view

    async def managed(self, actor: Person | None, request_id: int) -> RequestView:
        """A request of a building the actor manages (dorm admin of it, or manager)."""
        require_role(actor, *ADMIN_ROLES)
        assert actor is not None
        view = await self.view(request_id)
        await self.dorms.require_building(actor, view.stay.building)
        return view

    async def managed_building_ids(self, actor: Person | None) -> set[int] | None:
        """The dorm buildings the actor decides for (None: every building)."""
        return await self.dorms.managed_building_ids(actor)

    async def refuse_decided(self, request_id: int) -> None:
        """Raise the "already decided" answer naming what happened and who decided."""
        view = await self.view(request_id)
        state = view.request.state
        by = view.decided_by.name if view.decided_by else view.stay.person.name
        raise InvalidState(f"dorm_requests.already_{state}", number=request_id, by=by)

    # --- filing, withdrawing, lists and counts -------------------------------------------------

    async def ensure_none_open(self, person: Person, kind: str) -> None:
        """One pending request per kind: refuse another while one waits for a decision."""
        open_one = await DormRequest.filter(person_id=person.id, kind=kind, state="pending").first()
        if open_one is not None:
            raise InvalidState("dorm_requests.already_open", number=open_one.id)

    async def _file(self, person: Person, kind: str, now: datetime | None,
                    **values: Any) -> DormRequest:
        stay = await self.resident_stay(person)
        await self.ensure_none_open(person, kind)
        async with in_transaction():
            request = await DormRequest.create(
                kind=kind, person_id=person.id, assignment_id=stay.id,
                building_id=stay.building.id, **values,
            )
            await AuditLog.create(actor=person, action=f"dorm_request.{kind}",
                                  target=f"dreq:{request.id}", detail={"room": stay.room.code})
        return request

    def today(self, now: datetime | None = None) -> date:
        """The local calendar day."""
        return self.dorms.local_date(utc(now))

    async def file_late_return(self, person: Person, clock: time, reason: str,
                               now: datetime | None = None) -> DormRequest:
        """晚归: back late today at `clock` (small hours: after midnight), with a reason."""
        expected = expected_moment(clock, utc(now), self.dorms.tz)
        reason = clean_text(reason, MAX_REASON, "dorm_requests.need_reason")
        return await self._file(person, "late_return", now, expected_at=expected, reason=reason)

    async def file_stay_out(self, person: Person, start: date, end: date, where: str,
                            contact: str, reason: str = "",
                            now: datetime | None = None) -> DormRequest:
        """外宿: away from the night of `start` until `end`, where, and a phone to reach them."""
        check_span(start, end, self.today(now))
        where = clean_text(where, MAX_WHERE, "dorm_requests.need_where")
        phone = normalize_phone(contact or "")
        if phone is None:
            raise ServiceError("dorm_requests.bad_phone")
        reason = " ".join((reason or "").split())[:MAX_REASON]
        return await self._file(person, "stay_out", now, date_from=start, date_to=end,
                                where=where, contact=phone, reason=reason)

    async def file_room_change(self, person: Person, reason: str,
                               preference: Preference | None = None,
                               now: datetime | None = None) -> DormRequest:
        """调宿: a reason and, optionally, a preferred dorm building or room."""
        reason = clean_text(reason, MAX_REASON, "dorm_requests.need_reason")
        stay = await self.resident_stay(person)
        if preference is not None and preference.room is not None \
                and preference.room.id == stay.room.id:
            raise ServiceError("dorm_requests.same_room")
        return await self._file(
            person, "room_change", now, reason=reason,
            pref_building=preference.building if preference else None,
            pref_room=preference.room if preference else None,
        )

    async def preference(self, building_id: int, room_id: int | None) -> Preference:
        """A preference stored in a draft (place ids), loaded again."""
        building = await Place.get(id=building_id)
        room = await Place.get(id=room_id) if room_id else None
        return Preference(building, room)

    async def withdraw(self, person: Person, request_id: int) -> DormRequest:
        """The student withdraws their own pending request."""
        await self.own(person, request_id)
        async with in_transaction():
            changed = await DormRequest.filter(id=request_id, state="pending").update(
                state="withdrawn", decided_at=utc()
            )
            if not changed:
                await self.refuse_decided(request_id)
            await AuditLog.create(actor=person, action="dorm_request.withdraw",
                                  target=f"dreq:{request_id}")
        return await DormRequest.get(id=request_id)

    async def mine(self, person: Person, limit: int = 10) -> list[DormRequest]:
        """The person's latest requests, pending first."""
        rows = await DormRequest.filter(person_id=person.id).order_by("-id").limit(limit)
        return sorted(rows, key=lambda r: (r.state != "pending", -r.id))

    async def pending_for(self, actor: Person, building_id: int | None = None,
                          limit: int = MAX_LISTED) -> list[DormRequest]:
        """Pending requests of the actor's buildings (or one of them), oldest first."""
        ids = await self.managed_building_ids(actor)
        query = DormRequest.filter(state="pending")
        if ids is not None:
            query = query.filter(building_id__in=list(ids))
        if building_id is not None:
            query = query.filter(building_id=building_id)
        return await query.order_by("id").limit(limit)

    async def building_counts(self, actor: Person, now: datetime | None = None
                              ) -> list[tuple[Place, Summary, dict[str, int]]]:
        """Per building the actor manages: today's requests per kind and state, and what is
        pending per kind (whenever filed)."""
        ids = await self.managed_building_ids(actor)
        local_now = utc(now).astimezone(self.dorms.tz)
        start = datetime.combine(local_now.date(), time(0), self.dorms.tz)
        query = DormRequest.filter(state="pending")
        if ids is not None:
            query = query.filter(building_id__in=list(ids))
        pending_rows = await query.values_list("building_id", "kind")
        today_rows = await self._rows(start, start + timedelta(days=1), ids)
        # managers see every dorm building, even one without requests
        shown = set(ids) if ids is not None else {b.id for b in (await dorm_places())[1]}
        wanted = shown | {b for b, _ in pending_rows}
        wanted |= {b for b, _, _ in today_rows}
        out = []
        for building in await Place.filter(id__in=wanted).order_by("code"):
            summary = empty_summary()
            for b, kind, state in today_rows:
                if b == building.id:
                    summary[kind][state] += 1
            pending = dict.fromkeys(REQUEST_KINDS, 0)
            for b, kind in pending_rows:
                if b == building.id:
                    pending[kind] += 1
            out.append((building, summary, pending))
        return out

    async def _rows(self, start: datetime, end: datetime,
                    buildings: Iterable[int] | None) -> list[tuple[int, str, str]]:
        query = DormRequest.filter(created_at__gte=utc(start), created_at__lt=utc(end))
        if buildings is not None:
            query = query.filter(building_id__in=list(buildings))
        return list(await query.values_list("building_id", "kind", "state"))

    async def requests_summary(self, start: datetime, end: datetime,
                               buildings: Iterable[int] | None = None) -> Summary:
        """For the digest: requests filed in [start, end) per kind and state (their state
        now), optionally only in these dorm buildings (place ids)."""
        summary = empty_summary()
        for _, kind, state in await self._rows(start, end, buildings):
            summary.setdefault(kind, dict.fromkeys(REQUEST_STATES, 0))[state] += 1
        return summary

    async def expire_stale(self, now: datetime | None = None, limit: int = 200
                           ) -> list[DormRequest]:
        """Pending requests nobody decided in time become "cancelled": a late return an hour
        after its time, a stay out once its last day is over. Each one exactly once (the
        conditional update); returns them, so the students can be told."""
        now = utc(now)
        today = self.today(now)
        stale = await DormRequest.filter(state="pending").filter(
            Q(kind="late_return", expected_at__lt=now - LATE_GRACE)
            | Q(kind="stay_out", date_to__lt=today)
        ).order_by("id").limit(limit)
        expired = []
        for request in stale:
            if await DormRequest.filter(id=request.id, state="pending").update(
                state="cancelled", decided_at=now, decision_reason="expired"
            ):
                expired.append(request)
        return expired

    # --- deciding ------------------------------------------------------------------------------

    async def _pending(self, actor: Person, request_id: int) -> RequestView:
        view = await self.managed(actor, request_id)
        if view.request.state != "pending":
            await self.refuse_decided(request_id)
        if view.stay.assignment.status not in ACTIVE_STATUSES:
            await DormRequest.filter(id=request_id, state="pending").update(
                state="cancelled", decided_at=utc()
            )
            raise InvalidState("dorm_requests.no_longer_resident", number=request_id)
        return view

    async def approve(self, actor: Person, request_id: int,
                      now: datetime | None = None) -> RequestView:
        """Approve a late return or a stay out (a room change needs a bed: approve_move)."""
        view = await self._pending(actor, request_id)
        if view.request.kind == "room_change":
            raise ServiceError("dorm_requests.pick_bed_first")
        async with in_transaction():
            claimed = await DormRequest.filter(id=request_id, state="pending").update(
                state="approved", decided_by_id=actor.id, decided_at=utc(now)
            )
            if not claimed:
                await self.refuse_decided(request_id)
            await AuditLog.create(actor=actor, action="dorm_request.approve",
                                  target=f"dreq:{request_id}")
        return await self.view(request_id)

    async def reject(self, actor: Person, request_id: int, reason: str,
                     now: datetime | None = None) -> RequestView:
        """Reject a pending request with a reason the student will read."""
        reason = clean_text(reason, MAX_REASON, "dorm_requests.need_decision_reason")
        await self.managed(actor, request_id)
        async with in_transaction():
            claimed = await DormRequest.filter(id=request_id, state="pending").update(
                state="rejected", decided_by_id=actor.id, decided_at=utc(now),
                decision_reason=reason,
            )
            if not claimed:
                await self.refuse_decided(request_id)
            await AuditLog.create(actor=actor, action="dorm_request.reject",
                                  target=f"dreq:{request_id}", detail={"reason": reason})
        return await self.view(request_id)

    async def free_beds(self, actor: Person, request_id: int, room: Place | None = None
                        ) -> tuple[list[DormBed], Place, bool]:
        """Free beds (rooms loaded) a pending room change could take, where they were looked
        for, and whether the student's wish lies outside the actor's buildings. Looked for in
        `room` if given (it must be the actor's), else the preferred room, else the preferred
        building, else the student's own building."""
        view = await self._pending(actor, request_id)
        if view.request.kind != "room_change":
            raise ServiceError("dorm_requests.not_room_change")
        ids = await self.managed_building_ids(actor)
        if room is not None:
            await self.dorms.require_building(actor, await Place.get(id=room.parent_id))
            where, outside = room, False
        else:
            where = view.pref_room or view.pref_building or view.stay.building
            building_id = where.parent_id if where.kind == "room" else where.id
            outside = ids is not None and building_id not in ids
            if outside:
                where = view.stay.building
        query = DormBed.filter(active=True).exclude(id=view.stay.bed.id)
        if where.kind == "room":
            query = query.filter(room_id=where.id)
        else:
            query = query.filter(room__parent_id=where.id)
        taken = DormAssignment.filter(status__in=ACTIVE_STATUSES).values_list("bed_id", flat=True)
        taken_ids = set(await taken)
        beds = await query.prefetch_related("room").order_by("room__code", "label")
        return [bed for bed in beds if bed.id not in taken_ids][:MAX_FREE_BEDS], where, outside

    async def approve_move(self, actor: Person, request_id: int, bed_id: int,
                           now: datetime | None = None) -> RequestView:
        """Approve a room change onto a free bed: in one transaction the request is decided,
        the old assignment ends as "moved" (its bed is free) and a new one takes the bed.
        The bed row is locked first (the dorms domain's lock_bed, shared with the admin's room
        change), so of two moves racing for the last bed exactly one wins."""
        now = utc(now)
        view = await self._pending(actor, request_id)
        if view.request.kind != "room_change":
            raise ServiceError("dorm_requests.not_room_change")
        bed = await DormBed.get_or_none(id=bed_id, active=True).prefetch_related("room__parent")
        if bed is None:
            raise NotFound("dorm_requests.unknown_bed")
        await self.dorms.require_building(actor, bed.room.parent)
        old = view.stay.assignment
        if bed.id == old.bed_id:
            raise ServiceError("dorm_requests.same_bed")
        async with in_transaction():
            if await lock_bed(bed.id) is not None:
                raise InvalidState("dorm_requests.bed_taken", room=bed.room.code,
                                   bed=bed.label)
            claimed = await DormRequest.filter(id=request_id, state="pending").update(
                state="approved", decided_by_id=actor.id, decided_at=now, new_bed_id=bed.id
            )
            if not claimed:
                await self.refuse_decided(request_id)
            # ends the old stay; the student's other open requests follow them to the new bed
            new = await move_to_bed(old, bed, bed.room.parent_id, now)
            await AuditLog.create(
                actor=actor, action="dorm_request.room_change", target=f"dreq:{request_id}",
                detail={"from": f"{view.stay.room.code}/{view.stay.bed.label}",
                        "to": f"{bed.room.code}/{bed.label}", "assignment": new.id},
            )
        return await self.view(request_id)

    # --- pushes (rendered by views, sent through the notifier's outbox) ------------------------

    async def push_new(self, view: RequestView) -> int:
        """Tell the building's dorm admins (else the managers) about a new request."""
        t, tz = self.notifier.translator, self.dorms.tz
        sent = 0
        for admin in await self.dorms.admins_of(view.stay.building):
            sent += await self.notifier.push(admin, "dorm_requests.new_for_admin",
                                        new_request_buttons(view, admin.locale, t),
                                        card=request_card(view, admin.locale, t, tz))
        return sent

    async def tell_student(self, view: RequestView, key: str) -> int:
        """Push a text about their request to the student, in their language."""
        person = view.stay.person
        fields = request_fields(view, person.locale, self.notifier.translator, self.dorms.tz)
        return await self.notifier.push(person, key, **fields)
