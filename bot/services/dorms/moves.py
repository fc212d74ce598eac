"""Moving a student to another bed, shared by the dorm admin's room change and an approved room
change request: lock the bed, re-check it is free, end the old assignment, start the new one.

Call both inside one transaction. The bed row is locked first (SELECT … FOR UPDATE on
PostgreSQL; SQLite serializes write transactions), so of two moves racing for the last free bed
exactly one wins and the other sees the bed taken."""

from __future__ import annotations

from datetime import datetime

from bot.core.errors import InvalidState
from models.dorm_requests import DormRequest
from models.dorms import ACTIVE_STATUSES, DormAssignment, DormBed, DormReminder


async def lock_bed(bed_id: int) -> DormAssignment | None:
    """Lock the bed row until the transaction ends; its active assignment, None when free."""
    await DormBed.select_for_update().get(id=bed_id)  # others wait here until we commit
    return await DormAssignment.filter(bed_id=bed_id, status__in=ACTIVE_STATUSES).first()


async def move_to_bed(old: DormAssignment, bed: DormBed, building_id: int,
                      now: datetime) -> DormAssignment:
    """End `old` as "moved" and give its student `bed` with the same status, window and
    reminders; their pending dorm requests follow them. Raises if `old` changed meanwhile."""
    ended = await DormAssignment.filter(id=old.id, status=old.status).update(
        status="moved", ended_at=now
    )
    if not ended:
        raise InvalidState("dorm.changed_meanwhile")
    new = await DormAssignment.create(
        person_id=old.person_id, bed=bed, status=old.status,  # type: ignore[attr-defined]
        window_start=old.window_start, window_end=old.window_end,
        key_pickup=old.key_pickup, notified_at=old.notified_at or now,
        confirmed_at=old.confirmed_at, confirmed_by_id=old.confirmed_by_id,  # type: ignore[attr-defined]
        deferred_reason=old.deferred_reason, deferred_to=old.deferred_to,
    )
    await DormReminder.filter(assignment_id=old.id, sent_at=None).update(assignment_id=new.id)
    await DormRequest.filter(assignment_id=old.id, state="pending").update(
        assignment_id=new.id, building_id=building_id
    )
    return new
