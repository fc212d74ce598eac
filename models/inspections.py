"""Inspection rounds (巡检): checklist templates and their items, schedules, the rounds they
generate and the answers given in chat."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

ITEM_KINDS = ("check", "reading")
ROUND_STATES = ("pending", "in_progress", "done", "missed")
OPEN_ROUND_STATES = ("pending", "in_progress")


class InspectionTemplate(Model):
    """A named checklist (消防通道, 配电房…) for a zone, a place or a free-text asset category."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name_zh = fields.CharField(max_length=100)
    name_en = fields.CharField(max_length=100)
    zone = fields.CharField(max_length=64, null=True)
    place: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Place", related_name="inspection_templates", null=True,
        on_delete=fields.SET_NULL,
    )
    category = fields.CharField(max_length=64, null=True)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "inspection_template"

    def display(self, locale: str | None) -> str:
        """The template's name in the given locale."""
        return self.name_en if locale == "en" else self.name_zh


class InspectionItem(Model):
    """One line of a checklist: a yes/no check or a reading with its allowed range."""

    id = fields.IntField(primary_key=True)
    template: fields.ForeignKeyRelation[InspectionTemplate] = fields.ForeignKeyField(
        "models.InspectionTemplate", related_name="items", on_delete=fields.CASCADE
    )
    position = fields.IntField()
    text_zh = fields.CharField(max_length=200)
    text_en = fields.CharField(max_length=200)
    kind = fields.CharField(max_length=8, default="check")
    unit = fields.CharField(max_length=16, null=True)
    min_value = fields.FloatField(null=True)
    max_value = fields.FloatField(null=True)
    photo_required = fields.BooleanField(default=False)
    safety = fields.BooleanField(default=False)
    repair_category = fields.CharField(max_length=32, default="other")
    active = fields.BooleanField(default=True)

    class Meta:
        table = "inspection_item"
        unique_together = (("template", "position"),)

    def display(self, locale: str | None) -> str:
        """The item's text in the given locale."""
        return self.text_en if locale == "en" else self.text_zh


class InspectionSchedule(Model):
    """When a template is walked, where, and by whom (a worker, or whoever covers the zone).

    `rule` is `daily HH:MM`, `weekly mon[,thu] HH:MM`, `monthly D HH:MM` or `cron <5 fields>`,
    in HOUQIN_TIMEZONE. `next_due_at` is the generation cursor (the next fire time not yet
    turned into a round)."""

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=160, unique=True)
    template: fields.ForeignKeyRelation[InspectionTemplate] = fields.ForeignKeyField(
        "models.InspectionTemplate", related_name="schedules", on_delete=fields.CASCADE
    )
    place: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Place", related_name="inspection_schedules", null=True,
        on_delete=fields.SET_NULL,
    )
    zone = fields.CharField(max_length=64, null=True)
    worker: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Person", related_name="inspection_schedules", null=True,
        on_delete=fields.SET_NULL,
    )
    rule = fields.CharField(max_length=100)
    paused = fields.BooleanField(default=False)
    next_due_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "inspection_schedule"


class InspectionRound(Model):
    """One due walk of a schedule's checklist, unique per (schedule, due_at): restarts and
    two instances never make it twice."""

    id = fields.IntField(primary_key=True)
    schedule: fields.ForeignKeyRelation[InspectionSchedule] = fields.ForeignKeyField(
        "models.InspectionSchedule", related_name="rounds", on_delete=fields.CASCADE
    )
    due_at = fields.DatetimeField(db_index=True)
    worker: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Person", related_name="inspection_rounds", null=True, on_delete=fields.SET_NULL
    )
    state = fields.CharField(max_length=12, default="pending", db_index=True)
    pushed_at = fields.DatetimeField(null=True)
    started_at = fields.DatetimeField(null=True)
    done_at = fields.DatetimeField(null=True)
    reminded_at = fields.DatetimeField(null=True)
    lead_told_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "inspection_round"
        unique_together = (("schedule", "due_at"),)


class InspectionAnswer(Model):
    """One answered item of a round (stored at once, so a round resumes after a restart)."""

    id = fields.IntField(primary_key=True)
    round: fields.ForeignKeyRelation[InspectionRound] = fields.ForeignKeyField(
        "models.InspectionRound", related_name="answers", on_delete=fields.CASCADE
    )
    item: fields.ForeignKeyRelation[InspectionItem] = fields.ForeignKeyField(
        "models.InspectionItem", related_name="answers", on_delete=fields.CASCADE
    )
    ok = fields.BooleanField()
    value = fields.FloatField(null=True)
    note = fields.TextField(null=True)
    # every attachment of the answer (photos, videos, voice notes: each Attachment.kind says)
    photo_ids = fields.JSONField(default=list)
    ticket: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Ticket", related_name="inspection_answers", null=True, on_delete=fields.SET_NULL
    )
    actor: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Person", related_name="inspection_answers", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "inspection_answer"
        unique_together = (("round", "item"),)
