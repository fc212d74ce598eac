"""Outgoing messages, written first and delivered with retries."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

OUTBOX_STATUSES = ("pending", "sending", "sent", "failed")


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
    sent_at = fields.DatetimeField(null=True, db_index=True)
    # set when a message must go out at most once (e.g. "alert:12:r0:34:56")
    idempotency_key = fields.CharField(max_length=128, null=True, unique=True)
    # equal for identical messages of one fan-out: they may share one batch call
    group_key = fields.CharField(max_length=40, null=True)
    # the claim of the worker currently sending it (a lease until next_attempt_at)
    lease = fields.CharField(max_length=16, null=True, db_index=True)
    # the delivery worker that claimed it last: a chat is sent to by one worker at a time
    worker = fields.CharField(max_length=40, null=True)

    class Meta:
        table = "outbox_message"


class DeliveryWorker(Model):
    """A running delivery worker (an app instance): the live ones share the rate limits."""

    # expires_at (database clock) is pushed on by the heartbeat of the worker

    id = fields.CharField(max_length=40, primary_key=True)
    started_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "delivery_worker"
