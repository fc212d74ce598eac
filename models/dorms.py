"""Dorm check-in: beds in dorm rooms, bed assignments, room checklists, reminders, verification.

Dorm buildings and rooms are Places (kind building / room); a bed belongs to one room.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

# An assignment is active while pending (not arrived), deferred (new date agreed) or checked in.
ACTIVE_STATUSES = ("pending", "deferred", "checked_in")
ENDED_STATUSES = ("moved", "checked_out", "cancelled")
ASSIGNMENT_STATUSES = (*ACTIVE_STATUSES, *ENDED_STATUSES)
CHECK_PHASES = ("checkin", "checkout")


class DormBuildingAdmin(Model):
    """A dorm admin responsible for one dorm building (a Place of kind building)."""

    id = fields.IntField(primary_key=True)
    building: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Place", related_name="dorm_admins", on_delete=fields.CASCADE
    )
    person: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Person", related_name="dorm_buildings", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "dorm_building_admin"
        unique_together = (("building", "person"),)


class DormBed(Model):
    """One bed ("1", "A") in a dorm room."""

    id = fields.IntField(primary_key=True)
    room: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Place", related_name="dorm_beds", on_delete=fields.RESTRICT
    )
    label = fields.CharField(max_length=8)
    active = fields.BooleanField(default=True)

    class Meta:
        table = "dorm_bed"
        unique_together = (("room", "label"),)


class DormAssignment(Model):
    """A student's bed with the check-in window, and where the check-in stands."""

    id = fields.IntField(primary_key=True)
    person: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Person", related_name="dorm_assignments", on_delete=fields.CASCADE
    )
    bed: fields.ForeignKeyRelation[DormBed] = fields.ForeignKeyField(
        "models.DormBed", related_name="assignments", on_delete=fields.RESTRICT
    )
    status = fields.CharField(max_length=16, default="pending", db_index=True)
    window_start = fields.DatetimeField()
    window_end = fields.DatetimeField()
    key_pickup = fields.CharField(max_length=200, null=True)
    notified_at = fields.DatetimeField(null=True)
    confirmed_at = fields.DatetimeField(null=True)
    confirmed_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Person", related_name="dorm_confirmations", null=True, on_delete=fields.SET_NULL
    )
    deferred_reason = fields.TextField(null=True)
    deferred_to = fields.DateField(null=True)
    ended_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "dorm_assignment"


class DormCheckItem(Model):
    """One answered checklist item of a check-in or check-out, with its ticket if not OK."""

    id = fields.IntField(primary_key=True)
    assignment: fields.ForeignKeyRelation[DormAssignment] = fields.ForeignKeyField(
        "models.DormAssignment", related_name="check_items", on_delete=fields.CASCADE
    )
    phase = fields.CharField(max_length=16)
    item = fields.CharField(max_length=16)
    ok = fields.BooleanField()
    note = fields.TextField(null=True)
    ticket: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Ticket", related_name="dorm_check_items", null=True, on_delete=fields.SET_NULL
    )
    actor: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Person", related_name="dorm_check_items", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "dorm_check_item"
        unique_together = (("assignment", "phase", "item"),)


class DormReminder(Model):
    """A stored reminder: to a student (assignment set) or to a building's admins (building set).

    `key` makes each reminder unique, so it is created and sent once only.
    """

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=80, unique=True)
    kind = fields.CharField(max_length=16)
    assignment: fields.ForeignKeyNullableRelation[DormAssignment] = fields.ForeignKeyField(
        "models.DormAssignment", related_name="reminders", null=True, on_delete=fields.CASCADE
    )
    building: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Place", related_name="dorm_reminders", null=True, on_delete=fields.CASCADE
    )
    due_at = fields.DatetimeField(db_index=True)
    sent_at = fields.DatetimeField(null=True, db_index=True)
    outcome = fields.CharField(max_length=16, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "dorm_reminder"


class DormVerifyAttempt(Model):
    """One try at binding an account by student id and name (for limiting repeated failures)."""

    id = fields.IntField(primary_key=True)
    platform = fields.CharField(max_length=16)
    user_id = fields.CharField(max_length=64)
    student_id = fields.CharField(max_length=64)
    ok = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "dorm_verify_attempt"
        indexes = (("platform", "user_id"), ("student_id",))
