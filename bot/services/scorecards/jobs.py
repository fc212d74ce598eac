"""Scorecards job: on the 1st (from HOUQIN_SCORECARD_HOUR), last month's cards go out once."""

from __future__ import annotations

from datetime import datetime

from bot.services.container import Services


async def scorecard_tick(services: Services, now: datetime | None = None) -> int:
    """Deliver last month's scorecards when due; returns how many people they went to."""
    return await services.scorecards.tick(now)
