"""Dorm life requests (晚归 late return, 外宿 staying out, 调宿 room change) and night duty.

A request belongs to a student's active bed assignment and to that assignment's dorm building;
the building's dorm admins decide it. The night duty person of a building (set by its dorm admin
with /nightduty) hears about approved late returns.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

REQUEST_KINDS = ("late_return", "stay_out", "room_change")
REQUEST_STATES = ("pending", "approved", "rejected", "withdrawn", "cancelled")


class DormRequest(Model):
    """One student request with its per-kind fields and the dorm admin's decision."""

    id = fields.IntField(primary_key=True)
    kind = fields.CharField(max_length=16, db_index=True)
    person: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Person", related_name="dorm_requests", on_delete=fields.CASCADE
    )
    assignment: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.DormAssignment", related_name="requests", on_delete=fields.CASCADE
    )
    building: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Place", related_name="dorm_requests", on_delete=fields.CASCADE
    )
    state = fields.CharField(max_length=16, default="pending", db_index=True)
    reason = fields.CharField(max_length=300, default="")
    # late_return: when the student expects to be back
    expected_at = fields.DatetimeField(null=True)
    # stay_out: the nights away (local dates, inclusive), where and how to reach them
    date_from = fields.DateField(null=True)
    date_to = fields.DateField(null=True)
    where = fields.CharField(max_length=200, default="")
    contact = fields.CharField(max_length=32, default="")
    # room_change: the wish (a building or a room, both optional) and the bed given on approval
    pref_building: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Place", related_name="dorm_requests_preferred", null=True,
        on_delete=fields.SET_NULL,
    )
    pref_room: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Place", related_name="dorm_requests_room_preferred", null=True,
        on_delete=fields.SET_NULL,
    )
    new_bed: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.DormBed", related_name="requests", null=True, on_delete=fields.SET_NULL
    )
    decided_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Person", related_name="decided_dorm_requests", null=True,
        on_delete=fields.SET_NULL,
    )
    decided_at = fields.DatetimeField(null=True)
    decision_reason = fields.CharField(max_length=300, default="")
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "dorm_request"
        indexes = (("building_id", "state"),)


class DormNightDuty(Model):
    """Who is on night duty (夜间值班) in a dorm building until the dorm admin changes it."""

    id = fields.IntField(primary_key=True)
    building: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Place", related_name="night_duty", on_delete=fields.CASCADE, unique=True
    )
    person: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Person", related_name="night_duties", on_delete=fields.CASCADE
    )
    set_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Person", related_name="night_duties_set", null=True, on_delete=fields.SET_NULL
    )
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "dorm_night_duty"
