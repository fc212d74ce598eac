"""Materials a worker reports on a done job are deducted from their store, linked to the ticket."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bot.core.errors import ServiceError
from bot.services.repairs.materials import MaterialLine, MaterialUsageService, parse_materials
from bot.services.stock.service import StockService
from models.followup import TicketMaterial
from models.repairs import TicketEvent
from models.stock import StockMove
from tests.test_stock_ledger import _ticket, world  # noqa: F401  (fixture)
from tests.test_stock_support import figures

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def test_stocked_lines_consumed_others_only_recorded(world):  # noqa: F811
    stock = StockService()
    materials = MaterialUsageService(stock)
    worker, ticket = world.people["worker"], await _ticket(world)
    lines = parse_materials("灯管 x2，螺丝 10")
    await materials.record_used(ticket, worker, lines, NOW)
    assert await TicketMaterial.filter(ticket_id=ticket.id).count() == 2
    moves = await StockMove.filter(ticket_id=ticket.id)
    assert [(m.item_id, m.qty) for m in moves] == [(world.items["LT-T8"].id, -2)]
    assert await figures(world.items["LT-T8"], world.stores["N"]) == (38, 0, 38)


async def test_fraction_of_a_stocked_item_is_refused(world):  # noqa: F811
    materials = MaterialUsageService(StockService())
    worker, ticket = world.people["worker"], await _ticket(world)
    with pytest.raises(ServiceError) as err:
        await materials.record_used(ticket, worker, [MaterialLine("灯管", Decimal("1.5"))], NOW)
    assert err.value.key == "dispatch.materials_whole_units"


async def test_ledger_short_does_not_block_the_job(world):  # noqa: F811
    materials = MaterialUsageService(StockService())
    worker, ticket = world.people["worker"], await _ticket(world)
    await materials.record_used(ticket, worker, [MaterialLine("door lock", Decimal(50))], NOW)
    assert await TicketMaterial.filter(ticket_id=ticket.id).count() == 1
    assert not await StockMove.filter(ticket_id=ticket.id).exists()
    assert await TicketEvent.filter(ticket_id=ticket.id, kind="stock_not_deducted").exists()
