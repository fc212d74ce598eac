"""Managers' digests (日报/周报/月报): each manager's delivery time, which digests, sections and
last deliveries."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class DigestSubscription(Model):
    """When a manager gets the daily, weekly and monthly digests and which sections they show.
    The daily one (`enabled`), the weekly one on Mondays (`weekly`) and the monthly one on the
    1st (`monthly`) all go out at `hour`:`minute` local time. Each `last_*_sent_on` (the local
    date it went out) is claimed by a conditional UPDATE, so each goes out once per period.
    Managers without a row get the daily digest at the default time with every section."""

    id = fields.IntField(primary_key=True)
    person: fields.OneToOneRelation = fields.OneToOneField(
        "models.Person", related_name="digest_subscription", on_delete=fields.CASCADE
    )
    enabled = fields.BooleanField(default=True)
    hour = fields.IntField(default=8)
    minute = fields.IntField(default=0)
    sections = fields.JSONField(default=list)
    last_sent_on = fields.DateField(null=True)
    weekly = fields.BooleanField(default=False)
    monthly = fields.BooleanField(default=False)
    last_week_sent_on = fields.DateField(null=True)
    last_month_sent_on = fields.DateField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "digest_subscription"
