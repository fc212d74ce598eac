"""Dorm life requests (晚归 / 外宿 / 调宿): filing, withdrawing, lists and counts.

Deciding lives in `dorm_requests_decide`, pushes in `dorm_requests_notify`, the typed-input
rules in `dorm_requests_rules`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from bot.core.errors import InvalidState, ServiceError
from bot.services.dorm_requests.decide import DormRequestDecisions
from bot.services.dorm_requests.rules import (
    MAX_REASON,
    MAX_WHERE,
    Preference,
    check_span,
    clean_text,
    dorm_places,
    expected_moment,
)
from bot.services.dorms import utc
from bot.services.people import normalize_phone
from models.audit import AuditLog
from models.dorm_requests import REQUEST_KINDS, REQUEST_STATES, DormRequest
from models.people import Person
from models.places import Place

MAX_LISTED = 30
LATE_GRACE = timedelta(hours=1)  # a late return can still be decided this long after the time
Summary = dict[str, dict[str, int]]


def empty_summary() -> Summary:
    """Zero counts for every kind and state."""
    return {kind: dict.fromkeys(REQUEST_STATES, 0) for kind in REQUEST_KINDS}


class DormRequestService(DormRequestDecisions):
    """Students file and withdraw requests; dorm admins list, count and decide them."""

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
