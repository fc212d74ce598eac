"""Stock catalogue: items and stores, search with levels, who sees quantities, worker stores."""

from __future__ import annotations

import math
from dataclasses import dataclass

from bot.core.errors import NotFound, PermissionDenied, ServiceError, require_role
from bot.services.people import holders
from bot.services.stock import index
from bot.services.stock.search import Names, compact, rank
from models.people import Person
from models.places import Place
from models.repairs import Ticket
from models.stock import Item, StockLevel, StoreAssignment, Warehouse

STAFF_ROLES = ("worker", "storekeeper", "dorm_admin", "manager")
ALWAYS_SEE_QUANTITIES = ("storekeeper", "manager")
PAGE_SIZE = 5
QUESTION_SCORE = 0.75


@dataclass
class ItemStock:
    """One item with its levels in the active stores (store order)."""

    item: Item
    levels: list[StockLevel]


@dataclass
class StockPage:
    """One page of a stock search, and whether the viewer may see the numbers."""

    query: str
    items: list[ItemStock]
    page: int
    pages: int
    total: int
    quantities: bool


def _names(item: Item) -> list[str]:
    return [item.code, item.name_zh, item.name_en, *(item.aliases or [])]


class StockCatalog:
    """Finds items the way people name them and shows what is in store."""

    def __init__(self, quantity_roles: tuple[str, ...] = ("reporter",)):
        self.quantity_roles = tuple(quantity_roles)

    def can_see_quantities(self, person: Person | None) -> bool:
        """True when the person's roles may see stock numbers (not just ok/low/out)."""
        if person is None:
            return False
        return person.has_role(*self.quantity_roles, *ALWAYS_SEE_QUANTITIES)

    async def ensure_index(self) -> int:
        """Index the items saved before the search index existed (run at start)."""
        return await index.ensure_index()

    async def get_item(self, item_id: int) -> Item:
        """An active item by id."""
        item = await Item.get_or_none(id=item_id, active=True)
        if item is None:
            raise NotFound("stock.item_unknown", query=str(item_id))
        return item

    async def items_by_id(self, item_ids: list[int]) -> dict[int, Item]:
        """Items by id (inactive ones included: drafts may name them)."""
        return {item.id: item for item in await Item.filter(id__in=item_ids)}

    async def match(self, query: str) -> list[Item]:
        """Active items matching `query` (code, zh/en names, aliases; fuzzy), best first;
        every item for an empty query. Scores only the index's candidates."""
        if not query.strip():
            return list(await Item.filter(active=True).order_by("code"))
        items = await index.candidates(query)
        by_id = {item.id: item for item in items}
        return [by_id[r.id] for r in rank(query, ((i.id, _names(i)) for i in items))]

    async def recognises(self, words: str) -> bool:
        """True when `words` (from a stock question) clearly name an item: at least two
        characters and a good match, so "还有水吗" (is there water?) stays a repair matter."""
        if len(compact(words)) < 2:
            return False
        items = await index.candidates(words)
        ranked = rank(words, ((i.id, _names(i)) for i in items))
        return bool(ranked) and ranked[0].score >= QUESTION_SCORE

    async def pick(self, query: str, limit: int = 6) -> tuple[Item | None, list[Item]]:
        """The item `query` surely means (or None), and the candidates to choose from."""
        items = await index.candidates(query) if compact(query) else []
        by_id = {item.id: item for item in items}
        ranked = rank(query, ((i.id, _names(i)) for i in items))
        candidates = [by_id[r.id] for r in ranked[:limit]]
        if not ranked:
            return None, []
        top = ranked[0]
        sure = (top.score == 1.0 and (len(ranked) == 1 or ranked[1].score < 1.0)) or (
            len(ranked) == 1 and top.score >= 0.75
        )
        return (by_id[top.id] if sure else None), candidates

    async def resolve(self, query: int | str) -> Item:
        """The item an id or a name/code/alias means; NotFound or ambiguous otherwise."""
        if isinstance(query, int):
            return await self.get_item(query)
        item, candidates = await self.pick(query)
        if item is not None:
            return item
        if not candidates:
            raise NotFound("stock.item_unknown", query=query[:40])
        choices = Names(
            "、".join(f"{c.name_zh}（{c.code}）" for c in candidates),
            ", ".join(f"{c.name_en} ({c.code})" for c in candidates),
        )
        raise ServiceError("stock.item_ambiguous", query=query[:40], choices=choices)

    async def levels_of(self, items: list[Item]) -> dict[int, list[StockLevel]]:
        """Levels in active stores per item id, in store-code order."""
        levels = (
            await StockLevel.filter(item_id__in=[i.id for i in items], warehouse__active=True)
            .prefetch_related("warehouse")
            .order_by("warehouse__code")
        )
        out: dict[int, list[StockLevel]] = {item.id: [] for item in items}
        for level in levels:
            out[level.item_id].append(level)
        return out

    async def level_of(self, item: Item, warehouse: Warehouse) -> StockLevel | None:
        """The level of an item in a store, if it has one."""
        return await StockLevel.get_or_none(item_id=item.id, warehouse_id=warehouse.id)

    async def search(self, viewer: Person | None, query: str, page: int = 1) -> StockPage:
        """One page of the items matching `query` with their levels (empty query: all)."""
        if viewer is None:
            raise PermissionDenied()
        query = " ".join(query.split())[:60]
        items = await self.match(query)
        pages = max(1, math.ceil(len(items) / PAGE_SIZE))
        page = min(max(1, page), pages)
        shown = items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        levels = await self.levels_of(shown)
        return StockPage(
            query=query,
            items=[ItemStock(item, levels[item.id]) for item in shown],
            page=page,
            pages=pages,
            total=len(items),
            quantities=self.can_see_quantities(viewer),
        )

    async def warehouses(self) -> list[Warehouse]:
        """Active stores in code order."""
        return list(await Warehouse.filter(active=True).order_by("code"))

    async def get_warehouse(self, warehouse_id: int) -> Warehouse:
        """An active store by id."""
        store = await Warehouse.get_or_none(id=warehouse_id, active=True)
        if store is None:
            raise NotFound("stock.store_unknown", store=str(warehouse_id))
        return store

    async def stores_for(self, person: Person, item_ids: list[int]) -> list[Warehouse]:
        """Stores to offer for these items: those holding any of them, the person's own
        (kept, assigned or of their zone) first."""
        held = set(
            await StockLevel.filter(item_id__in=item_ids).values_list("warehouse_id", flat=True)
        )
        stores = [s for s in await self.warehouses() if s.id in held] or await self.warehouses()
        own = {s.id for s in await self.own_stores(person)}
        return sorted(stores, key=lambda s: (s.id not in own, s.code))

    async def own_stores(self, person: Person) -> list[Warehouse]:
        """The stores a person keeps, is assigned to, or whose zone is theirs."""
        kept = await Warehouse.filter(keeper_id=person.id, active=True).order_by("code")
        if kept:
            return list(kept)
        assigned = await StoreAssignment.get_or_none(person_id=person.id).prefetch_related(
            "warehouse"
        )
        if assigned and assigned.warehouse.active:
            return [assigned.warehouse]
        if person.zone:
            return list(await Warehouse.filter(zone=person.zone, active=True).order_by("code"))
        return []

    async def worker_store(self, worker: Person, ticket: Ticket | None = None) -> Warehouse:
        """The store a worker's repair materials come from: the one assigned to them, else
        the store of their zone, else the store of the ticket's place zone."""
        assigned = await StoreAssignment.get_or_none(person_id=worker.id).prefetch_related(
            "warehouse"
        )
        if assigned and assigned.warehouse.active:
            return assigned.warehouse
        zones = [worker.zone]
        if ticket is not None:
            place = await Place.get_or_none(id=ticket.place_id)
            zones.append(place.zone if place else None)
        for zone in zones:
            if zone:
                store = await Warehouse.filter(zone=zone, active=True).order_by("code").first()
                if store:
                    return store
        raise NotFound("stock.no_worker_store", name=worker.name)

    async def assign_store(self, actor: Person, worker: Person, warehouse: Warehouse) -> None:
        """Link a worker to the store they draw materials from (managers, storekeepers)."""
        require_role(actor, "manager", "storekeeper")
        await StoreAssignment.update_or_create(
            defaults={"warehouse_id": warehouse.id}, person_id=worker.id
        )

    async def keepers(self, warehouse: Warehouse) -> list[Person]:
        """Who decides on this store: its keeper if active, else every storekeeper."""
        if warehouse.keeper_id:
            keeper = await Person.get_or_none(id=warehouse.keeper_id, active=True)
            if keeper and keeper.has_role("storekeeper"):
                return [keeper]
        return await holders("storekeeper").order_by("id")
