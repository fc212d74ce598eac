"""Outgoing messages, written first and delivered with retries."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

OUTBOX_STATUSES = ("pending", "sent", "failed")


class OutboxMessage(Model):
    """One message to one chat, its `payload` a serialized Reply."""

    id = fields.IntField(primary_key=True)
    platform = fields.CharField(max_length=16)
    chat_id = fields.CharField(max_length=64)
    payload = fields.JSONField()
    priority = fields.IntField(default=5)
    status = fields.CharField(max_length=16, default="pending", db_index=True)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(db_index=True)
    last_error = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox_message"
