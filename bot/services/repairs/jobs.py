"""Dispatch jobs: offer time-outs, deferred dispatch, SLA reminders and escalations, closing
unanswered follow-ups — all stored as due tasks and picked up here."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.services.container import Services


async def dispatch_tick(services: Services, now: datetime | None = None
                        ) -> int:
    """Run the dispatch work due by `now`; returns how many tasks ran."""
    return await services.due.run(now or datetime.now(UTC))
