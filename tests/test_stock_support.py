"""Helpers for the stock tests: a small store set-up on top of the small campus, and checks
that the ledger and the levels agree. (No tests here; imported by the test_stock_* modules.)"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.services.people.service import PeopleService
from bot.services.stock.demo import seed_demo_stock
from bot.services.stock.ledger import level_for, write_move
from bot.services.stock.service import StockService
from models.people import Person
from models.stock import Item, StockLevel, Warehouse


@dataclass
class StockWorld:
    """The stock test set-up: people by role, stores by code, items by code."""

    people: dict[str, Person]
    stores: dict[str, Warehouse]
    items: dict[str, Item] = field(default_factory=dict)


async def add_person(key: str, name: str, roles: list[str], **extra) -> Person:
    """A person bound on the test platform as `key`."""
    people = PeopleService()
    person = await people.create(name, roles, **extra)
    await people.bind(person, "test", key, key)
    return person


async def seed_stores(people: dict[str, Person] | None = None) -> StockWorld:
    """North store (zone north, kept by 赵库管) and South store (zone south); a storekeeper,
    and a worker in the north zone; the demo's fifteen items with their levels."""
    people = dict(people or {})
    if "keeper" not in people:
        people["keeper"] = await add_person("keeper", "赵库管", ["storekeeper"],
                                            external_id="demo-storekeeper-1")
    else:
        await Person.filter(id=people["keeper"].id).update(external_id="demo-storekeeper-1")
    if "worker" not in people:
        people["worker"] = await add_person("worker", "王师傅", ["worker"], zone="north")
    else:
        people["worker"].zone = "north"
        await people["worker"].save(update_fields=["zone"])  # save: keeps person_tag's zone
    await seed_demo_stock()
    stores = {s.code: s for s in await Warehouse.all()}
    items = {i.code: i for i in await Item.all()}
    return StockWorld(people, stores, items)


async def set_level(item: Item, store: Warehouse, on_hand: int, minimum: int = 0,
                    reorder: int = 0) -> StockLevel:
    """Bring a level to `on_hand` through the ledger and set its minimum (alert re-armed)."""
    level = await level_for(item, store)
    current = await StockLevel.get(id=level.id)
    delta = on_hand - current.on_hand
    if delta:
        await write_move(level, "adjust", delta, None, "test set-up")
    await StockLevel.filter(id=level.id).update(min_level=minimum, reorder_qty=reorder,
                                                alert_armed=True, snoozed_until=None)
    return await StockLevel.get(id=level.id)


async def figures(item: Item, store: Warehouse) -> tuple[int, int, int]:
    """(on hand, reserved, available) of an item in a store."""
    level = await StockLevel.get(item_id=item.id, warehouse_id=store.id)
    return level.on_hand, level.reserved, level.available


async def assert_consistent(stock: StockService) -> None:
    """Every level equals its ledger sum, available = on hand - reserved, nothing negative."""
    assert await stock.ledger.inconsistencies() == []
