"""Asset jobs: preventive-maintenance work orders and warranty-expiry reminders."""

from __future__ import annotations

from datetime import datetime

from bot.services.assets.maintenance import MaintenanceService
from bot.services.container import Services


async def maintenance_tick(services: Services, now: datetime | None = None) -> int:
    """Generate due work orders and send warranty reminders; how many of both."""
    result = await MaintenanceService(services).tick(now)
    return len(result.work_orders) + result.warranty_reminders
