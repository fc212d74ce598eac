"""Emergency alerts (应急通知): the broadcast and each recipient's acknowledgement."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

ALERT_TEMPLATES = ("water", "power", "fire", "fire_drill", "typhoon", "gas", "custom")
EVACUATION_TEMPLATES = frozenset({"fire", "fire_drill", "gas"})
AUDIENCE_KINDS = ("everyone", "place", "role", "dorm", "people")
ALERT_STATUSES = ("open", "closed")
RECIPIENT_STATUSES = ("pending", "received", "safe", "help")


class Alert(Model):
    """One emergency broadcast: template, the sender's details, audience and follow-up state.

    `details` is the sender's own text (the whole message for the custom template), shown
    verbatim under the template's text in each recipient's language. `audience_value` is a
    place code, a role, a dorm building code or comma-separated person ids, by `audience_kind`.
    """

    id = fields.IntField(primary_key=True)
    template = fields.CharField(max_length=24)
    details = fields.TextField(default="")
    evacuation = fields.BooleanField(default=False)
    audience_kind = fields.CharField(max_length=16)
    audience_value = fields.TextField(default="")
    created_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Person", related_name="alerts_sent", null=True, on_delete=fields.SET_NULL
    )
    source = fields.CharField(max_length=32, default="chat")
    status = fields.CharField(max_length=16, default="open", db_index=True)
    fanout_done = fields.BooleanField(default=False)
    recipients_total = fields.IntField(default=0)
    repush_round = fields.IntField(default=0)
    next_repush_at = fields.DatetimeField(null=True, db_index=True)
    escalated_at = fields.DatetimeField(null=True)
    all_clear = fields.TextField(null=True)
    closed_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Person", related_name="alerts_closed", null=True, on_delete=fields.SET_NULL
    )
    closed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "alert"
        indexes = (("created_at",),)


class AlertRecipient(Model):
    """A person an alert went to: where they are reached (a building code or zone, for the
    lists by building) and how they answered."""

    id = fields.IntField(primary_key=True)
    alert: fields.ForeignKeyRelation[Alert] = fields.ForeignKeyField(
        "models.Alert", related_name="recipients", on_delete=fields.CASCADE
    )
    person: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Person", related_name="alert_receipts", on_delete=fields.CASCADE
    )
    place = fields.CharField(max_length=100, default="")
    status = fields.CharField(max_length=16, default="pending", db_index=True)
    responded_at = fields.DatetimeField(null=True)
    note = fields.TextField(null=True)

    class Meta:
        table = "alert_recipient"
        unique_together = (("alert", "person"),)


class AlertRequestKey(Model):
    """An idempotency key of `POST /api/alerts` (24 h): the alert its first request raised, so a
    retried request returns that alert instead of raising a second one."""

    key = fields.CharField(max_length=128, primary_key=True)
    alert: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Alert", related_name="request_keys", null=True, on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "alert_request_key"
