"""Inspection rounds job: create the due rounds, push them, remind, then tell the zone lead."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.services.container import Services


async def inspection_tick(services: Services, now: datetime | None = None
                          ) -> tuple[int, int, int, int]:
    """Run the inspection work due by `now`; returns (created, pushed, reminded, missed)."""
    when = now or datetime.now(UTC)
    service = services.inspections
    created = await service.generate(when)
    pushed = await service.push_new(when)
    reminded, missed = await service.follow_up(when)
    return created, pushed, reminded, missed
