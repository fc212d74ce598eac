"""Worker scorecards (考核): the monthly delivery run, claimed with a lease so it goes out once."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class ScorecardRun(Model):
    """The delivery of one month's scorecards (`month` "YYYY-MM"): claimed with `lease_until`
    and marked `done_at` after every card was queued, so a runner killed mid-way leaves it to
    the next one (the outbox's idempotency keys keep the cards already queued from going twice)."""

    id = fields.IntField(primary_key=True)
    month = fields.CharField(max_length=7, unique=True)
    lease_until = fields.DatetimeField(null=True)
    done_at = fields.DatetimeField(null=True)
    cards = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "scorecard_run"
