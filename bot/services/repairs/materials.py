"""Materials used on a job: parsed from the worker's lines and recorded on the ticket.

`MaterialUsageService.record_used` runs inside the transaction that finishes the job: lines
that name a stock item are deducted from the worker's store there. A fractional quantity of a
stocked item is refused (the worker corrects the line); a ledger that cannot cover the use does
not block the job but is recorded on the ticket for the storekeeper's stocktake.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from bot.core.errors import ServiceError
from models.followup import TicketMaterial
from models.people import Person
from models.repairs import Ticket, TicketEvent

if TYPE_CHECKING:
    from bot.services.stock import StockService

MAX_LINES = 20
MAX_ITEM = 100
MAX_QUANTITY = Decimal("100000")
# "水龙头 x2", "PVC pipe 1.5m", "螺丝*10", "灯管 2 根", "fuse"
_LINE = re.compile(
    r"^(?P<item>.+?)\s*(?:[x×*＊]\s*)?(?P<qty>\d+(?:\.\d+)?)\s*(?P<unit>[^\d\s]{0,8})$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class MaterialLine:
    """One material: what, how many, in which unit (optional)."""

    item: str
    quantity: Decimal
    unit: str | None = None


def parse_materials(text: str) -> list[MaterialLine]:
    """One material per line (or separated by ，/;): "item x2", "item 1.5m", "item" (= 1)."""
    lines = [p.strip() for p in re.split(r"[\n;；，,]+", text or "") if p.strip()]
    if len(lines) > MAX_LINES:
        raise ServiceError("dispatch.materials_too_many", limit=MAX_LINES)
    out = []
    for line in lines:
        match = _LINE.match(line)
        item, qty, unit = (line, "1", None)
        if match and match["item"].strip(" x×*＊"):
            item, qty, unit = match["item"].strip(" x×*＊"), match["qty"], match["unit"] or None
        try:
            quantity = Decimal(qty)
        except InvalidOperation:
            raise ServiceError("dispatch.materials_bad", line=line[:40]) from None
        if not 0 < quantity <= MAX_QUANTITY:
            raise ServiceError("dispatch.materials_bad", line=line[:40])
        out.append(MaterialLine(item[:MAX_ITEM], quantity, unit))
    return out


class MaterialUsageService:
    """Records materials used on tickets and deducts the stocked ones from the worker's store."""

    def __init__(self, stock: StockService | None = None):
        self.stock = stock

    async def record_used(self, ticket: Ticket, worker: Person, lines: list[MaterialLine],
                          now: datetime, job_id: int | None = None) -> list[TicketMaterial]:
        """Record what a worker used on a ticket; lines naming a stock item are consumed from
        the worker's store in the same transaction (whole units only)."""
        recorded = [
            await TicketMaterial.create(
                ticket_id=ticket.id, job_id=job_id, recorded_by=worker, item=line.item,
                quantity=line.quantity, unit=line.unit, created_at=now,
            )
            for line in lines
        ]
        if self.stock is not None:
            await self._consume(ticket, worker, lines, now)
        return recorded

    async def _consume(self, ticket: Ticket, worker: Person, lines: list[MaterialLine],
                       now: datetime) -> None:
        assert self.stock is not None
        stocked: list[tuple[int | str, int]] = []
        for line in lines:
            item, _ = await self.stock.catalog.pick(line.item)
            if item is None:  # not a stock item (e.g. screws from the van): recorded only
                continue
            if line.quantity != line.quantity.to_integral_value():
                raise ServiceError("dispatch.materials_whole_units", item=line.item[:40])
            stocked.append((item.id, int(line.quantity)))
        if not stocked:
            return
        try:
            await self.stock.consume_for_ticket(worker, ticket, stocked, now)
        except ServiceError as err:
            # The part was used whatever the ledger says: the job still closes, and the
            # discrepancy stays visible to staff in the ticket history for a stocktake.
            await TicketEvent.create(
                ticket_id=ticket.id, actor=worker, kind="stock_not_deducted", note=err.key,
            )

    async def for_ticket(self, ticket_id: int) -> list[TicketMaterial]:
        """Materials recorded on a ticket, in order."""
        return await TicketMaterial.filter(ticket_id=ticket_id).order_by("id")
