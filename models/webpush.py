"""Web Push: the server's VAPID key pair and the browsers that asked for notifications."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class VapidKey(Model):
    """The server's VAPID key pair (one row, id 1), generated at first start and kept."""

    id = fields.IntField(primary_key=True)
    private_pem = fields.TextField()
    public_key = fields.CharField(max_length=128)  # uncompressed P-256 point, base64url
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "vapid_key"


class WebPushSubscription(Model):
    """One browser's push subscription for a person (the endpoint is the browser's secret)."""

    id = fields.IntField(primary_key=True)
    person: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Person", related_name="web_push_subscriptions", on_delete=fields.CASCADE
    )
    endpoint = fields.CharField(max_length=1024, unique=True)
    p256dh = fields.CharField(max_length=128)
    auth = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_ok_at = fields.DatetimeField(null=True)
    failures = fields.IntField(default=0)

    class Meta:
        table = "web_push_subscription"
