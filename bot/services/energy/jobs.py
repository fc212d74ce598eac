"""Energy job: look for anomalies in the meters' readings and send the ones not sent yet.
A plain async function with `now`, so tests drive it with a controlled clock."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.services.container import Services
from bot.services.energy.alerts import notify_pending


async def energy_tick(services: Services, now: datetime | None = None) -> int:
    """Detect (idempotent per meter, day and kind), then send pending alerts; returns how many
    anomalies were new in this run."""
    when = now or datetime.now(UTC)
    found = await services.energy.detect(when)
    await notify_pending(services.energy, when)
    return len(found)
