"""Dorm requests, the dorm admin's decisions: approve, reject, and the room change that moves a
student from one bed to another in one transaction."""

from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from bot.core.errors import InvalidState, NotFound, ServiceError
from bot.services.dorm_requests.base import RequestView
from bot.services.dorm_requests.night_duty import NightDutyRules
from bot.services.dorm_requests.rules import MAX_REASON, clean_text
from bot.services.dorms import lock_bed, move_to_bed, utc
from models.audit import AuditLog
from models.dorm_requests import DormRequest
from models.dorms import ACTIVE_STATUSES, DormAssignment, DormBed
from models.people import Person
from models.places import Place

MAX_FREE_BEDS = 12


class DormRequestDecisions(NightDutyRules):
    """Approve or reject; exactly one decision wins (conditional updates)."""

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
        The bed row is locked first (dorm_moves.lock_bed, shared with the admin's room change),
        so of two moves racing for the last bed exactly one wins."""
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
