"""Contractor / service scoring (服务单位考评): the service units departments score each month,
the departments' scorers, the monthly rounds, their cards and answers, and the warnings sent."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class ServiceUnit(Model):
    """An outsourced service (物业公司, 保洁, 食堂承包方): name, scope, contact people, the
    departments that score it and its criteria (3–6 names, in order)."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100, unique=True)
    scope = fields.TextField(default="")
    contacts = fields.TextField(default="")
    departments = fields.JSONField(default=list)
    criteria = fields.JSONField(default=list)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "service_unit"


class DepartmentScorer(Model):
    """The person who fills in a department's scoring cards (one per department)."""

    id = fields.IntField(primary_key=True)
    department = fields.CharField(max_length=100, unique=True)
    person: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Person", related_name="scorer_for", on_delete=fields.CASCADE
    )
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "department_scorer"


class ScoringRound(Model):
    """One month's scoring (`month` "YYYY-MM" is the month scored). Opened on the 1st of the
    next month (fan-out claimed with `lease_until`, `fanout_done` after every card was queued);
    closed at `closes_at` (claimed by `closed_at`), when the results go to the managers."""

    id = fields.IntField(primary_key=True)
    month = fields.CharField(max_length=7, unique=True)
    opened_at = fields.DatetimeField()
    closes_at = fields.DatetimeField(db_index=True)
    lease_until = fields.DatetimeField(null=True)
    fanout_done = fields.BooleanField(default=False)
    closed_at = fields.DatetimeField(null=True)
    results_sent = fields.BooleanField(default=False)

    class Meta:
        table = "scoring_round"


class ScoringCard(Model):
    """One department's card for one unit in one round, with the criteria as they were when it
    went out; each score is stored as given (ScoringAnswer), `submitted_at` once complete."""

    id = fields.IntField(primary_key=True)
    round: fields.ForeignKeyRelation[ScoringRound] = fields.ForeignKeyField(
        "models.ScoringRound", related_name="cards", on_delete=fields.CASCADE
    )
    unit: fields.ForeignKeyRelation[ServiceUnit] = fields.ForeignKeyField(
        "models.ServiceUnit", related_name="cards", on_delete=fields.CASCADE
    )
    department = fields.CharField(max_length=100)
    scorer: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Person", related_name="scoring_cards", null=True, on_delete=fields.SET_NULL
    )
    criteria = fields.JSONField(default=list)
    comment = fields.TextField(null=True)
    sent_at = fields.DatetimeField(null=True)
    submitted_at = fields.DatetimeField(null=True)

    class Meta:
        table = "scoring_card"
        unique_together = (("round", "unit", "department"),)


class ScoringAnswer(Model):
    """One criterion's score 1–5 on one card."""

    id = fields.IntField(primary_key=True)
    card: fields.ForeignKeyRelation[ScoringCard] = fields.ForeignKeyField(
        "models.ScoringCard", related_name="answers", on_delete=fields.CASCADE
    )
    position = fields.IntField()
    criterion = fields.CharField(max_length=64)
    score = fields.IntField()

    class Meta:
        table = "scoring_answer"
        unique_together = (("card", "position"),)


class ContractorWarning(Model):
    """A unit below the target two months running, told to the managers once (per month)."""

    id = fields.IntField(primary_key=True)
    unit: fields.ForeignKeyRelation[ServiceUnit] = fields.ForeignKeyField(
        "models.ServiceUnit", related_name="warnings", on_delete=fields.CASCADE
    )
    month = fields.CharField(max_length=7)
    satisfaction = fields.FloatField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "contractor_warning"
        unique_together = (("unit", "month"),)
