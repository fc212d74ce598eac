"""Managers' digest (日报/周报/月报) job: each manager gets yesterday's digest once per local
day at or after the time they chose (08:00 by default), and, when switched on, last week's on
Mondays and last month's on the 1st at the same time."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.delivery.notifier import Notifier
from bot.services.container import Services
from bot.services.digest.text import deliver


async def digest_tick(services: Services, notifier: Notifier, now: datetime | None = None) -> int:
    """Send the digests that are due by `now`; returns how many digests went out."""
    when = now or datetime.now(UTC)
    service = services.digest
    sent = 0
    for person, sections, period in await service.due_managers(when):
        report = await service.build(person, period, sections)
        await deliver(notifier, person, report)
        sent += 1
    return sent
