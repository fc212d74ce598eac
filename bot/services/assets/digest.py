"""The assets' share of the managers' digest for a span: assets flagged for repeat failures
(each asset once, first flagged first), how many preventive-maintenance work orders were
generated, and the asset checks started in it (answered share, missing, damaged)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.services.assets.check_views import RoundSummary
from bot.services.assets.checks import round_summary
from bot.services.assets.repairs import repeat_failures_between
from models.assets import Asset, AssetCheckRound
from models.maintenance import MaintenanceRun


@dataclass
class AssetsSummary:
    """Repeat-failure assets of the span and the PM work orders generated in it."""

    flagged: list[Asset] = field(default_factory=list)
    pm_orders: int = 0
    checks: list[RoundSummary] = field(default_factory=list)


class AssetsDigest:
    """Supplies the digest's "assets" section."""

    async def assets_summary(self, start: datetime, end: datetime) -> AssetsSummary:
        """Assets flagged in [start, end) (an asset flagged twice counts once), the PM work
        orders generated and the asset checks started in it."""
        seen: dict[int, Asset] = {}
        for flag in await repeat_failures_between(start, end):
            seen.setdefault(flag.asset.id, flag.asset)
        orders = await MaintenanceRun.filter(created_at__gte=start, created_at__lt=end,
                                             ticket_id__isnull=False).count()
        checks = [await round_summary(check) for check in await AssetCheckRound.filter(
            started_at__gte=start, started_at__lt=end).order_by("id")]
        return AssetsSummary(list(seen.values()), orders, checks)
