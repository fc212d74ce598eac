"""Managers' daily digest (日报): each manager's delivery time, sections and last delivery."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class DigestSubscription(Model):
    """When a manager gets the daily digest and which sections it shows.
    `last_sent_on` (a local date) is claimed by a conditional UPDATE, so it goes out once a day.
    Managers without a row get it at the default time with every section."""

    id = fields.IntField(primary_key=True)
    person: fields.OneToOneRelation = fields.OneToOneField(
        "models.Person", related_name="digest_subscription", on_delete=fields.CASCADE
    )
    enabled = fields.BooleanField(default=True)
    hour = fields.IntField(default=8)
    minute = fields.IntField(default=0)
    sections = fields.JSONField(default=list)
    last_sent_on = fields.DateField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "digest_subscription"
