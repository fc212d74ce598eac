"""Managers' daily digest (日报) job: each manager gets yesterday's digest once per local day,
at or after the time they chose (08:00 by default)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.notifier import Notifier
from bot.services.container import Services
from bot.services.digest_text import deliver


async def digest_tick(services: Services, notifier: Notifier, now: datetime | None = None) -> int:
    """Send the digests that are due by `now`; returns how many managers got one."""
    when = now or datetime.now(UTC)
    service = services.digest
    yesterday = service.local_today(when) - timedelta(days=1)
    sent = 0
    for person, sections in await service.due_managers(when):
        report = await service.build(person, yesterday, sections)
        await deliver(notifier, person, report)
        sent += 1
    return sent
