"""Stock from and to CSV: items with their level per store (`stock`), stores (`stores`), and
the ledger (`ledger`, export only). Imports are all-or-nothing, each bad row reported with its
line number; an on-hand figure is booked as a ledger adjustment, never written directly."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from bot.services.csv_format import (
    CsvImportError,
    CsvRow,
    ImportResult,
    join_list,
    read_csv,
    split_list,
    write_csv,
)
from bot.services.stock.ledger import level_for, utcnow
from bot.services.stock.search import MAX_QTY
from models.people import Person
from models.stock import Item, StockLevel, StockMove, StoreAssignment, Warehouse

STOCK_COLUMNS = ("code", "name_zh", "name_en", "aliases", "unit_zh", "unit_en", "category",
                 "spec", "store", "on_hand", "min_level", "reorder_qty")
ITEM_COLUMNS = STOCK_COLUMNS[:8]
STORE_COLUMNS = ("code", "name_zh", "name_en", "location_zh", "location_en", "hours_zh",
                 "hours_en", "zone", "keeper", "workers")
LEDGER_COLUMNS = ("id", "time", "item_code", "item", "store", "kind", "qty", "balance",
                  "actor", "reason", "requisition", "ticket")
_MAX = {"code": 32, "name_zh": 100, "name_en": 100, "unit_zh": 16, "unit_en": 16,
        "category": 32, "spec": 200, "location_zh": 200, "location_en": 200, "hours_zh": 100,
        "hours_en": 100, "zone": 64}
NUMBERS = ("on_hand", "min_level", "reorder_qty")


def _lengths(row: CsvRow, columns: Sequence[str]) -> list[str]:
    problems = [f"{c} is empty" for c in ("code", "name_zh") if not row.get(c)]
    for column in columns:
        limit = _MAX.get(column)
        if limit and len(row.get(column)) > limit:
            problems.append(f"{column} is longer than {limit} characters")
    return problems


def _whole(row: CsvRow, column: str) -> tuple[int | None, str | None]:
    raw = row.get(column)
    if not raw:
        return None, None
    if not raw.isdigit():
        return None, f"{column} {raw!r} is not a whole number from 0 to {MAX_QTY}"
    value = int(raw)
    return (value, None) if value <= MAX_QTY else (None, f"{column} {raw} is above {MAX_QTY}")


async def validate_stock(rows: list[CsvRow]) -> list[str]:
    """One "line N: reason; reason" per bad row."""
    stores = {s.code: s for s in await Warehouse.all()}
    items = {i.code: i for i in await Item.all()}
    levels = {(lv.item_id, lv.warehouse_id): lv for lv in await StockLevel.all()}
    first_item: dict[str, CsvRow] = {}
    first_pair: dict[tuple[str, str], int] = {}
    errors = []
    for row in rows:
        problems = _lengths(row, STOCK_COLUMNS)
        code, store = row.get("code"), row.get("store")
        numbers = {}
        for column in NUMBERS:
            numbers[column], problem = _whole(row, column)
            if problem:
                problems.append(problem)
        if store and store not in stores:
            problems.append(f"unknown store {store!r} (known: {', '.join(sorted(stores))}; "
                            "import stores first)")
        if not store and any(row.get(c) for c in NUMBERS):
            problems.append("on_hand, min_level and reorder_qty need a store")
        earlier = first_item.setdefault(code, row)
        differs = [c for c in ITEM_COLUMNS if earlier is not row and row.get(c) != earlier.get(c)]
        if differs:
            problems.append(f"item {code} differs from line {earlier.line} in {', '.join(differs)}")
        if store and (code, store) in first_pair:
            problems.append(f"duplicate {code} in store {store} (first on line "
                            f"{first_pair[code, store]})")
        elif store:
            first_pair[code, store] = row.line
        item, on_hand = items.get(code), numbers["on_hand"]
        level = levels.get((item.id, stores[store].id)) if item and store in stores else None
        if level and on_hand is not None and on_hand < level.reserved:
            problems.append(f"on_hand {on_hand} is below the {level.reserved} reserved for "
                            "approved requisitions")
        if problems:
            errors.append(f"line {row.line}: {'; '.join(problems)}")
    return errors


async def _write_item(row: CsvRow) -> tuple[Item, bool]:
    fields = {
        "name_zh": row.get("name_zh"), "name_en": row.get("name_en") or row.get("name_zh"),
        "aliases": split_list(row.get("aliases")), "unit_zh": row.get("unit_zh") or "个",
        "unit_en": row.get("unit_en") or row.get("unit_zh") or "pcs",
        "category": row.get("category"), "spec": row.get("spec"), "active": True,
    }
    item = await Item.get_or_none(code=row.get("code"))
    if item is None:
        return await Item.create(code=row.get("code"), **fields), True
    changed = [name for name, value in fields.items() if getattr(item, name) != value]
    for name in changed:
        setattr(item, name, fields[name])
    if changed:
        await item.save(update_fields=changed)
    return item, False


async def _write_level(row: CsvRow, item: Item, store: Warehouse) -> None:
    level = await level_for(item, store)
    limits = {c: int(row.get(c)) for c in ("min_level", "reorder_qty") if row.get(c)}
    if limits:
        await StockLevel.filter(id=level.id).update(**limits)
    if not row.get("on_hand"):
        return
    counted = int(row.get("on_hand"))
    current = await StockLevel.get(id=level.id)
    delta = counted - current.on_hand
    if not delta:
        return
    if not await StockLevel.filter(
        id=level.id, on_hand=current.on_hand, reserved__lte=counted
    ).update(on_hand=F("on_hand") + delta, available=F("available") + delta):
        raise CsvImportError([f"line {row.line}: the stock changed during the import; "
                              "nothing was imported, please run it again"])
    await StockMove.create(item=item, warehouse=store, kind="adjust", qty=delta, balance=counted,
                           reason="CSV import", created_at=utcnow())


async def import_stock(path: str | Path) -> ImportResult:
    """Import items and levels all-or-nothing (validated first, written in one transaction)."""
    rows = read_csv(path, ("code", "name_zh"), STOCK_COLUMNS)
    errors = await validate_stock(rows)
    if errors:
        raise CsvImportError(errors)
    stores = {s.code: s for s in await Warehouse.all()}
    result, seen = ImportResult(), set()
    async with in_transaction():
        for row in rows:
            item, created = await _write_item(row)
            if row.get("code") not in seen:
                seen.add(row.get("code"))
                result.created += int(created)
                result.updated += int(not created)
            if row.get("store"):
                await _write_level(row, item, stores[row.get("store")])
    return result


async def export_stock(path: str | Path) -> int:
    """Every item with its level in each store (items kept nowhere: one row, no store)."""
    items = await Item.all().order_by("code")
    levels = await StockLevel.all().prefetch_related("warehouse").order_by("warehouse__code")
    by_item: dict[int, list[StockLevel]] = {}
    for level in levels:
        by_item.setdefault(level.item_id, []).append(level)
    rows = []
    for item in items:
        head = (item.code, item.name_zh, item.name_en, join_list(item.aliases), item.unit_zh,
                item.unit_en, item.category, item.spec)
        for level in by_item.get(item.id) or [None]:
            if level is None:
                rows.append((*head, "", "", "", ""))
            else:
                rows.append((*head, level.warehouse.code, level.on_hand, level.min_level,
                             level.reorder_qty))
    return write_csv(path, STOCK_COLUMNS, rows)


async def export_ledger(path: str | Path, timezone: str = "Asia/Shanghai") -> int:
    """Every ledger row, oldest first, times in `timezone`."""
    zone = ZoneInfo(timezone)
    moves = await StockMove.all().order_by("id").prefetch_related(
        "item", "warehouse", "actor", "ticket"
    )
    return write_csv(path, LEDGER_COLUMNS, (
        (m.id, m.created_at.astimezone(zone).isoformat(timespec="seconds"), m.item.code,
         m.item.name_zh, m.warehouse.code, m.kind, m.qty, m.balance,
         m.actor.name if m.actor else "", m.reason, m.requisition_id or "",
         m.ticket.number if m.ticket else "")
        for m in moves
    ))


def _person_ref(person: Person) -> str:
    return person.external_id or f"#{person.id}"


async def _people_by_ref() -> dict[str, Person]:
    people = await Person.all()
    return {**{f"#{p.id}": p for p in people}, **{p.external_id: p for p in people
                                                   if p.external_id}}


async def import_stores(path: str | Path) -> ImportResult:
    """Import stores all-or-nothing: keeper and workers are people (external_id or #id)."""
    rows = read_csv(path, ("code", "name_zh"), STORE_COLUMNS)
    people = await _people_by_ref()
    errors, seen = [], {}
    for row in rows:
        problems = _lengths(row, STORE_COLUMNS)
        keeper = row.get("keeper")
        if keeper and keeper not in people:
            problems.append(f"unknown keeper {keeper!r}")
        elif keeper and not people[keeper].has_role("storekeeper"):
            problems.append(f"keeper {keeper!r} is not a storekeeper")
        workers = split_list(row.get("workers"))
        missing = [w for w in workers if w not in people]
        if missing:
            problems.append(f"unknown worker(s) {', '.join(missing)}")
        others = [w for w in workers if w in people and not people[w].has_role("worker")]
        if others:
            problems.append(f"not a worker: {', '.join(others)}")
        if row.get("code") in seen:
            problems.append(f"duplicate code {row.get('code')!r} (first on line "
                            f"{seen[row.get('code')]})")
        seen.setdefault(row.get("code"), row.line)
        if problems:
            errors.append(f"line {row.line}: {'; '.join(problems)}")
    if errors:
        raise CsvImportError(errors)
    result = ImportResult()
    async with in_transaction():
        for row in rows:
            values = {c: row.get(c) for c in STORE_COLUMNS[1:7]}
            values["name_en"] = values["name_en"] or values["name_zh"]
            keeper = people.get(row.get("keeper"))
            store, created = await Warehouse.update_or_create(
                defaults={**values, "zone": row.get("zone") or None, "active": True,
                          "keeper_id": keeper.id if keeper else None},
                code=row.get("code"),
            )
            result.created += int(created)
            result.updated += int(not created)
            for ref in split_list(row.get("workers")):
                await StoreAssignment.update_or_create(
                    defaults={"warehouse_id": store.id}, person_id=people[ref].id
                )
    return result


async def export_stores(path: str | Path) -> int:
    """Every store with its keeper and assigned workers."""
    stores = await Warehouse.all().order_by("code").prefetch_related("keeper")
    assigned = await StoreAssignment.all().prefetch_related("person").order_by("id")
    rows = []
    for s in stores:
        workers = [_person_ref(a.person) for a in assigned if a.warehouse_id == s.id]
        rows.append((s.code, s.name_zh, s.name_en, s.location_zh, s.location_en, s.hours_zh,
                     s.hours_en, s.zone, _person_ref(s.keeper) if s.keeper else "",
                     join_list(workers)))
    return write_csv(path, STORE_COLUMNS, rows)
