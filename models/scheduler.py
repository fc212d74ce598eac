"""The scheduler lease: which app instance runs the periodic jobs right now."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class SchedulerLease(Model):
    """One named lease, held by one instance until `expires_at` unless renewed."""

    name = fields.CharField(max_length=32, primary_key=True)
    holder = fields.CharField(max_length=64)
    expires_at = fields.DatetimeField()

    class Meta:
        table = "scheduler_lease"
