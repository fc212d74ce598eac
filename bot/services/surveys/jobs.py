"""Survey job: send the surveys that are due, the one reminder, close those past closes_at."""

from __future__ import annotations

from datetime import datetime

from bot.services.container import Services


async def survey_tick(services: Services, now: datetime | None = None) -> int:
    """Run the stored survey work that is due by `now`; returns the number of messages queued."""
    return await services.surveys.tick(now)
