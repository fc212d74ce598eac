"""Asset jobs: preventive-maintenance work orders, warranty-expiry reminders and the monthly
asset check."""

from __future__ import annotations

from datetime import datetime

from bot.services.assets.checks import AssetCheckService
from bot.services.assets.maintenance import MaintenanceService
from bot.services.container import Services


async def maintenance_tick(services: Services, now: datetime | None = None) -> int:
    """Generate due work orders and send warranty reminders; how many of both."""
    result = await MaintenanceService(services).tick(now)
    return len(result.work_orders) + result.warranty_reminders


async def asset_check_tick(services: Services, now: datetime | None = None) -> int:
    """Open the month's asset check when due, send, remind and report; how many steps."""
    return await AssetCheckService(services).tick(now)
