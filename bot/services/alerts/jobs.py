"""Alert follow-up job: finish interrupted fan-outs, re-push the unanswered, escalate."""

from __future__ import annotations

from datetime import datetime

from bot.delivery.notifier import Notifier
from bot.services.container import Services


async def alert_tick(services: Services, notifier: Notifier, now: datetime | None = None) -> int:
    """Run the stored alert follow-up that is due; returns the number of messages queued."""
    queued = await services.alerts.resume_fan_outs(notifier)
    return queued + await services.alerts.follow_up(notifier, now)
