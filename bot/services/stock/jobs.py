"""Stock jobs: release requisitions not collected in time, send due low-stock alerts (and
snooze reminders), and the daily below-minimum digest. Plain async functions with `now`."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.services.container import Services
from bot.services.stock.views import req_expired, req_expired_keeper


async def stock_tick(services: Services, now: datetime | None = None) -> int:
    """Expire uncollected requisitions (telling the requester and the keepers), then check
    every level for alerts; returns how many requisitions expired plus alerts sent."""
    when = now or datetime.now(UTC)
    stock, notifier = services.stock, services.notifier
    expired = await stock.requisitions.expire_due(when)
    for view in expired:
        req = view.requisition
        notice = req_expired(view, services.settings.timezone)
        await notifier.push(req.requester, notice.key, notice.buttons, **notice.fields)
        for keeper in await stock.catalog.keepers(req.warehouse):
            notice = req_expired_keeper(view, keeper.locale)
            await notifier.push(keeper, notice.key, notice.buttons, **notice.fields)
    return len(expired) + await stock.alerts.check(now=when)


async def stock_digest(services: Services, now: datetime | None = None) -> int:
    """The daily below-minimum digest (once per local day); returns how many got it."""
    return await services.stock.alerts.digest(now or datetime.now(UTC))
