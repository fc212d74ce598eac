"""Opinion collection (意见征集): a short survey, its questions, recipients and their answers."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

SURVEY_STATES = ("scheduled", "open", "closed")
QUESTION_KINDS = ("rating", "text")
REPEATS = ("", "monthly")


class Survey(Model):
    """A survey a manager scheduled: title, audience (as alerts store it), when it goes out,
    the one reminder to non-respondents and when it closes.

    `state` moves scheduled → open (claimed by the job, then fanned out; `fanout_done` marks
    a finished fan-out, so one interrupted by a restart is run again) → closed (by a manager
    or at `closes_at`). Drafts live in the author's conversation state, not here. A monthly
    survey (`repeat`) schedules its next issue (`previous` points back, unique) when it goes
    out, and closes the issue before it.
    """

    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=100)
    author: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Person", related_name="surveys_authored", null=True, on_delete=fields.SET_NULL
    )
    audience_kind = fields.CharField(max_length=16)
    audience_value = fields.TextField(default="")
    state = fields.CharField(max_length=16, default="scheduled", db_index=True)
    send_at = fields.DatetimeField(db_index=True)
    opened_at = fields.DatetimeField(null=True)
    fanout_done = fields.BooleanField(default=False)
    recipients_total = fields.IntField(default=0)
    remind_at = fields.DatetimeField(null=True, db_index=True)
    reminder_sent = fields.BooleanField(default=False)
    closes_at = fields.DatetimeField(null=True, db_index=True)
    closed_at = fields.DatetimeField(null=True)
    closed_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Person", related_name="surveys_closed", null=True, on_delete=fields.SET_NULL
    )
    repeat = fields.CharField(max_length=16, default="")
    previous: fields.OneToOneNullableRelation = fields.OneToOneField(
        "models.Survey", related_name="next_survey", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "survey"


class SurveyQuestion(Model):
    """One question: its place in the survey (1…5), a 1–5 rating or free text, the wording."""

    id = fields.IntField(primary_key=True)
    survey: fields.ForeignKeyRelation[Survey] = fields.ForeignKeyField(
        "models.Survey", related_name="questions", on_delete=fields.CASCADE
    )
    position = fields.IntField()
    kind = fields.CharField(max_length=8)
    prompt = fields.TextField()

    class Meta:
        table = "survey_question"
        unique_together = (("survey", "position"),)


class SurveyRecipient(Model):
    """A person a survey went to: when it was pushed, reminded, and completed."""

    id = fields.IntField(primary_key=True)
    survey: fields.ForeignKeyRelation[Survey] = fields.ForeignKeyField(
        "models.Survey", related_name="recipients", on_delete=fields.CASCADE
    )
    person: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Person", related_name="survey_receipts", on_delete=fields.CASCADE
    )
    pushed_at = fields.DatetimeField(null=True)
    reminded_at = fields.DatetimeField(null=True)
    completed_at = fields.DatetimeField(null=True, db_index=True)

    class Meta:
        table = "survey_recipient"
        unique_together = (("survey", "person"),)


class SurveyAnswer(Model):
    """One recipient's answer to one question: a rating 1–5, a text, or neither (skipped)."""

    id = fields.IntField(primary_key=True)
    recipient: fields.ForeignKeyRelation[SurveyRecipient] = fields.ForeignKeyField(
        "models.SurveyRecipient", related_name="answers", on_delete=fields.CASCADE
    )
    question: fields.ForeignKeyRelation[SurveyQuestion] = fields.ForeignKeyField(
        "models.SurveyQuestion", related_name="answers", on_delete=fields.CASCADE
    )
    rating = fields.IntField(null=True)
    text = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "survey_answer"
        unique_together = (("recipient", "question"),)
