"""After the job: the follow-up call (回访) with its rating, materials used, repeat failures."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

FOLLOWUP_ANSWERS = ("fixed", "not_fixed", "auto")


class FollowUp(Model):
    """The reporter is asked whether a finished job fixed the problem and to rate it 1 to 5.
    No answer by `due_at` closes the ticket as confirmed (`answer` = auto)."""

    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Ticket", related_name="followups", on_delete=fields.CASCADE
    )
    worker: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Person", related_name="followups", null=True, on_delete=fields.SET_NULL
    )
    asked_at = fields.DatetimeField()
    due_at = fields.DatetimeField()
    answer = fields.CharField(max_length=12, null=True)
    answered_at = fields.DatetimeField(null=True)
    score = fields.IntField(null=True)
    comment = fields.TextField(null=True)

    class Meta:
        table = "followup"
        indexes = (("answered_at", "score"),)  # the digest's ratings in a span


class TicketMaterial(Model):
    """A material a worker used on a job (item text, quantity, unit), recorded on the ticket."""

    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Ticket", related_name="materials", on_delete=fields.CASCADE
    )
    job: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Job", related_name="materials", null=True, on_delete=fields.SET_NULL
    )
    recorded_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Person", related_name="materials_recorded", null=True, on_delete=fields.SET_NULL
    )
    item = fields.CharField(max_length=100)
    quantity = fields.DecimalField(max_digits=10, decimal_places=2)
    unit = fields.CharField(max_length=16, null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "ticket_material"


class RepeatFailure(Model):
    """A ticket whose place and category were repaired too often lately: a sign that the asset
    needs replacing rather than another repair."""

    id = fields.IntField(primary_key=True)
    ticket: fields.OneToOneRelation = fields.OneToOneField(
        "models.Ticket", related_name="repeat_failure", on_delete=fields.CASCADE
    )
    place: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Place", related_name="repeat_failures", on_delete=fields.CASCADE
    )
    category = fields.CharField(max_length=32)
    count = fields.IntField()
    window_days = fields.IntField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "repeat_failure"
