"""Conversation state per chat, and the updates already processed (idempotency)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class ConversationState(Model):
    """Where one chat is in a conversation, with its draft data, surviving restarts."""

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=100, unique=True)
    flow = fields.CharField(max_length=32, null=True)
    step = fields.CharField(max_length=32, null=True)
    token = fields.CharField(max_length=8, default="")
    data = fields.JSONField(default=dict)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "conversation_state"


class ProcessedUpdate(Model):
    """A platform update id already handled, so a redelivery is ignored."""

    id = fields.IntField(primary_key=True)
    platform = fields.CharField(max_length=16)
    update_id = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "processed_update"
        unique_together = (("platform", "update_id"),)
