"""Alert follow-up job: finish interrupted fan-outs, re-push the unanswered, escalate."""

from __future__ import annotations

from datetime import datetime

from bot.services.container import Services


async def alert_tick(services: Services, now: datetime | None = None) -> int:
    """Run the stored alert follow-up that is due; returns the number of messages queued."""
    queued = await services.alerts.resume_fan_outs()
    return queued + await services.alerts.follow_up(now)
