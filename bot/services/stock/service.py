"""Stock (物资): one entry point bundling the catalogue, ledger, requisitions and alerts."""

from __future__ import annotations

from datetime import datetime

from bot.config import Settings
from bot.delivery.notifier import Notifier
from bot.services.stock.alerts import StockAlertService
from bot.services.stock.items import StockCatalog
from bot.services.stock.ledger import Consumption, StockLedger
from bot.services.stock.requisitions import RequisitionService
from models.people import Person
from models.repairs import Ticket


class StockService:
    """What is in store, what moves in and out, who asked for what, what runs low."""

    def __init__(
        self,
        quantity_roles: tuple[str, ...] = ("reporter",),
        collect_days: int = 3,
        timezone: str = "Asia/Shanghai",
        notifier: Notifier | None = None,
    ):
        self.catalog = StockCatalog(quantity_roles)
        self.ledger = StockLedger(self.catalog)
        self.requisitions = RequisitionService(self.catalog, collect_days, timezone)
        self.alerts = StockAlertService(self.catalog, self.ledger, timezone, notifier)

    @classmethod
    def from_settings(cls, settings: Settings, notifier: Notifier | None = None) -> StockService:
        """Built from HOUQIN_STOCK_* settings and the time zone; alerts go through `notifier`."""
        roles = tuple(r.strip() for r in settings.stock_quantity_roles.split(",") if r.strip())
        return cls(roles, settings.stock_collect_days, settings.timezone, notifier)

    async def consume_for_ticket(
        self,
        worker: Person,
        ticket: Ticket,
        lines: list[tuple[int | str, int]],
        now: datetime | None = None,
    ) -> Consumption:
        """Deduct materials used on a repair from the worker's store, linked to the ticket.
        `lines` are (item id or name/code/alias, whole quantity); all lines or none. Low-stock
        alerts follow from the periodic check (or call `alerts.check` at once)."""
        return await self.ledger.consume_for_ticket(worker, ticket, lines, now)
