"""Stock jobs: release requisitions not collected in time, send due low-stock alerts (and
snooze reminders), and the daily below-minimum digest. Plain async functions with `now`."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.delivery.notifier import Notifier
from bot.services.container import Services
from bot.services.stock.requisitions import last_collect_day


async def stock_tick(services: Services, notifier: Notifier, now: datetime | None = None) -> int:
    """Expire uncollected requisitions (telling the requester and the keepers), then check
    every level for alerts; returns how many requisitions expired plus alerts sent."""
    when = now or datetime.now(UTC)
    stock = services.stock
    expired = await stock.requisitions.expire_due(when)
    for view in expired:
        req = view.requisition
        collect_by = last_collect_day(req.collect_by, services.settings.timezone)
        await notifier.push(req.requester, "stock.req_expired", number=req.id,
                            collect_by=collect_by)
        for keeper in await stock.catalog.keepers(req.warehouse):
            await notifier.push(keeper, "stock.req_expired_keeper", number=req.id,
                                requester=req.requester.name,
                                store=req.warehouse.display(keeper.locale))
    return len(expired) + await stock.alerts.check(notifier, now=when)


async def stock_digest(services: Services, notifier: Notifier, now: datetime | None = None
                       ) -> int:
    """The daily below-minimum digest (once per local day); returns how many got it."""
    return await services.stock.alerts.digest(notifier, now or datetime.now(UTC))
