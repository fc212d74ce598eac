"""The stock ledger at service level: receiving, stocktake, write-off, transfer, repair
consumption, bad quantities, and who may do what."""

from __future__ import annotations

import pytest

from bot.core.errors import InvalidState, NotFound, PermissionDenied, ServiceError
from bot.services.repairs.tickets import RepairService
from bot.services.stock.service import StockService
from models.places import Place
from models.repairs import Ticket
from models.stock import StockMove, StoreAssignment, Warehouse
from tests.support import seed_small_campus
from tests.test_stock_support import add_person, assert_consistent, figures, seed_stores, set_level


@pytest.fixture
async def world(db):
    """The small campus with the stock set-up."""
    return await seed_stores(await seed_small_campus())


@pytest.fixture
def stock():
    """A stock service with default settings."""
    return StockService()


async def _ticket(world, status: str = "in_progress", place_code: str = "3-402") -> Ticket:
    place = await Place.get(code=place_code)
    ticket = await RepairService().create(world.people["student"], place, "electrical",
                                          "走廊灯管不亮")
    await Ticket.filter(id=ticket.id).update(status=status)
    ticket.status = status
    return ticket


async def test_receive_count_write_off_and_transfer_keep_ledger_and_levels_equal(world, stock):
    keeper, lt = world.people["keeper"], world.items["LT-T8"]
    north, south = world.stores["N"], world.stores["S"]
    move = await stock.ledger.receive(keeper, lt, north, 10, "华强五金")
    assert (move.kind, move.qty, move.balance, move.reason) == ("in", 10, 50, "华强五金")
    assert await figures(lt, north) == (50, 0, 50)
    move = await stock.ledger.count(keeper, lt, north, 47)
    assert (move.kind, move.qty, move.balance) == ("adjust", -3, 47)
    move = await stock.ledger.count(keeper, lt, north, 47)
    assert move.qty == 0  # a count that matches is still recorded (who counted, when)
    await stock.ledger.write_off(keeper, lt, north, 2, "运输破损")
    out, into = await stock.ledger.transfer(keeper, lt, north, south, 5)
    assert (out.qty, into.qty) == (-5, 5)
    assert await figures(lt, north) == (40, 0, 40)
    assert await figures(lt, south) == (11, 0, 11)
    await assert_consistent(stock)


async def test_nothing_goes_below_zero(world, stock):
    keeper, fc, north = world.people["keeper"], world.items["FC-01"], world.stores["N"]
    with pytest.raises(InvalidState) as err:
        await stock.ledger.write_off(keeper, fc, north, 4, "丢失")
    assert err.value.key == "stock.not_enough"
    assert (err.value.fields["available"], err.value.fields["requested"]) == (3, 4)
    assert err.value.fields["item"].pick("en") == "faucet"
    with pytest.raises(InvalidState):
        await stock.ledger.transfer(keeper, fc, north, world.stores["S"], 99)
    assert await figures(fc, north) == (3, 0, 3)
    await assert_consistent(stock)


@pytest.mark.parametrize("qty, key", [
    (0, "stock.qty_positive"), (-5, "stock.qty_positive"), (1.5, "stock.qty_fraction"),
    ("7", "stock.qty_fraction"), (10**9, "stock.qty_too_large"), (True, "stock.qty_fraction"),
])
async def test_bad_quantities_are_refused(world, stock, qty, key):
    keeper, lt, north = world.people["keeper"], world.items["LT-T8"], world.stores["N"]
    with pytest.raises(ServiceError) as err:
        await stock.ledger.receive(keeper, lt, north, qty)
    assert err.value.key == key
    assert await StockMove.filter(item_id=lt.id, warehouse_id=north.id).count() == 1


async def test_count_cannot_go_below_what_is_reserved(world, stock):
    worker, keeper = world.people["worker"], world.people["keeper"]
    lt, north = world.items["LT-T8"], world.stores["N"]
    req = await stock.requisitions.create(worker, north.id, [(lt.id, 30)], "换灯")
    await stock.requisitions.approve(req.id, keeper)
    with pytest.raises(InvalidState) as err:
        await stock.ledger.count(keeper, lt, north, 20)
    assert err.value.key == "stock.count_below_reserved"
    move = await stock.ledger.count(keeper, lt, north, 35)
    assert move.qty == -5 and await figures(lt, north) == (35, 30, 5)
    await assert_consistent(stock)


@pytest.mark.parametrize("who", ["student", "worker", "manager"])
async def test_only_storekeepers_move_stock(world, stock, who):
    person, lt = world.people[who], world.items["LT-T8"]
    north, south = world.stores["N"], world.stores["S"]
    for action in (
        stock.ledger.receive(person, lt, north, 5),
        stock.ledger.count(person, lt, north, 5),
        stock.ledger.write_off(person, lt, north, 1, "x"),
        stock.ledger.transfer(person, lt, north, south, 1),
    ):
        with pytest.raises(PermissionDenied):
            await action
    assert await figures(lt, north) == (40, 0, 40)


async def test_consume_for_ticket_uses_the_workers_zone_store_and_links_the_ticket(world, stock):
    worker = world.people["worker"]
    ticket = await _ticket(world)
    used = await stock.consume_for_ticket(worker, ticket, [("灯管", 2), ("LT-T8", 1),
                                                           (world.items["SK-5"].id, 1)])
    assert used.warehouse.code == "N"
    assert sorted((m.item_id, m.qty) for m in used.moves) == sorted(
        [(world.items["LT-T8"].id, -3), (world.items["SK-5"].id, -1)]
    )
    rows = await StockMove.filter(ticket_id=ticket.id)
    assert {r.kind for r in rows} == {"repair"} and len(rows) == 2
    assert all(r.actor_id == worker.id and r.reason == ticket.number for r in rows)
    assert await figures(world.items["LT-T8"], world.stores["N"]) == (37, 0, 37)
    await assert_consistent(stock)


async def test_consume_is_all_or_nothing(world, stock):
    worker, ticket = world.people["worker"], await _ticket(world)
    with pytest.raises(InvalidState) as err:
        await stock.consume_for_ticket(worker, ticket, [("灯管", 2), ("door lock", 2)])
    assert err.value.key == "stock.not_enough"
    assert await figures(world.items["LT-T8"], world.stores["N"]) == (40, 0, 40)
    assert not await StockMove.filter(ticket_id=ticket.id).exists()


async def test_consume_store_assignment_then_zone_then_ticket_place(world, stock):
    worker, ticket = world.people["worker"], await _ticket(world)
    south = world.stores["S"]
    await stock.catalog.assign_store(world.people["manager"], worker, south)
    used = await stock.consume_for_ticket(worker, ticket, [("LT-T8", 1)])
    assert used.warehouse.code == "S"
    await StoreAssignment.all().delete()
    nomad = await add_person("nomad", "流动师傅", ["worker"])
    with pytest.raises(NotFound) as err:
        await stock.consume_for_ticket(nomad, ticket, [("LT-T8", 1)])
    assert err.value.key == "stock.no_worker_store"
    await Place.filter(code="3-402").update(zone="south")
    used = await stock.consume_for_ticket(nomad, ticket, [("LT-T8", 1)])
    assert used.warehouse.code == "S"
    with pytest.raises(PermissionDenied):
        await stock.catalog.assign_store(world.people["student"], nomad, south)


async def test_consume_refusals(world, stock):
    worker, student = world.people["worker"], world.people["student"]
    ticket = await _ticket(world)
    with pytest.raises(PermissionDenied):
        await stock.consume_for_ticket(student, ticket, [("LT-T8", 1)])
    with pytest.raises(NotFound) as err:
        await stock.consume_for_ticket(worker, ticket, [("量子纠缠器", 1)])
    assert err.value.key == "stock.item_unknown"
    with pytest.raises(ServiceError) as err:
        await stock.consume_for_ticket(worker, ticket, [("tape", 1)])
    assert err.value.key == "stock.item_ambiguous"
    assert "ET-01" in err.value.fields["choices"].pick("en")
    assert "电工胶布" in err.value.fields["choices"]
    with pytest.raises(ServiceError) as err:
        await stock.consume_for_ticket(worker, ticket, [("LT-T8", 0.5)])
    assert err.value.key == "stock.qty_fraction"
    with pytest.raises(ServiceError):
        await stock.consume_for_ticket(worker, ticket, [])
    cancelled = await _ticket(world, status="cancelled")
    with pytest.raises(InvalidState) as err:
        await stock.consume_for_ticket(worker, cancelled, [("LT-T8", 1)])
    assert err.value.key == "stock.ticket_not_active"
    assert not await StockMove.filter(kind="repair").exists()


async def test_usage_counts_issues_and_consumption_of_the_last_30_days(world, stock):
    from datetime import UTC, datetime, timedelta

    worker, keeper = world.people["worker"], world.people["keeper"]
    lt, north = world.items["LT-T8"], world.stores["N"]
    now = datetime(2026, 11, 23, 8, tzinfo=UTC)
    ticket = await _ticket(world)
    await stock.consume_for_ticket(worker, ticket, [("LT-T8", 4)], now=now - timedelta(days=40))
    await stock.consume_for_ticket(worker, ticket, [("LT-T8", 3)], now=now - timedelta(days=3))
    await stock.ledger.write_off(keeper, lt, north, 1, "碎了", now=now - timedelta(days=1))
    await stock.ledger.receive(keeper, lt, north, 20, now=now)
    level = await stock.ledger.find_level((await set_level(lt, north, 52, 10)).id)
    assert await stock.ledger.usage(level, 30, now) == 4
    assert await Warehouse.filter(code="N").count() == 1
