"""The stock ledger: every change of on-hand stock is one ledger row, written in the same
transaction as a conditional UPDATE of the level, so nothing ever goes below zero.

Receiving, stocktake, write-off, transfer and repair consumption live here; requisitions
(reserve on approval, issue on collection) use the same level primitives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.functions import Sum
from tortoise.transactions import in_transaction

from bot.core.errors import InvalidState, NotFound, ServiceError, require_role
from bot.services.stock.items import StockCatalog
from bot.services.stock.search import MAX_QTY, Names
from models.audit import AuditLog
from models.people import Person
from models.repairs import Ticket
from models.stock import Item, Requisition, RequisitionLine, StockLevel, StockMove, Warehouse

USAGE_KINDS = ("out", "requisition", "repair")
CONSUMING_STATUSES = (
    "assigned", "accepted", "on_the_way", "arrived", "in_progress", "reopened", "done",
)
COUNT_RETRIES = 5


def utcnow(now: datetime | None = None) -> datetime:
    """`now` (or the current time) as timezone-aware UTC: stored times must share one offset,
    or SQLite compares them wrongly as text."""
    return (now or datetime.now(UTC)).astimezone(UTC)


def check_qty(qty: object, *, allow_zero: bool = False) -> int:
    """A whole quantity within limits (int only: fractions and text are refused)."""
    if isinstance(qty, bool) or not isinstance(qty, int):
        raise ServiceError("stock.qty_fraction", text=str(qty)[:20])
    if qty < 0 or (qty == 0 and not allow_zero):
        raise ServiceError("stock.qty_positive", text=str(qty))
    if qty > MAX_QTY:
        raise ServiceError("stock.qty_too_large", text=str(qty), limit=MAX_QTY)
    return qty


@dataclass
class Consumption:
    """What a repair consumed: the store and the ledger rows (one per item)."""

    warehouse: Warehouse
    moves: list[StockMove]


async def level_for(item: Item, warehouse: Warehouse) -> StockLevel:
    """The level row of an item in a store, created empty when missing (race-safe)."""
    level = await StockLevel.get_or_none(item_id=item.id, warehouse_id=warehouse.id)
    if level is not None:
        return level
    try:
        async with in_transaction():
            return await StockLevel.create(item_id=item.id, warehouse_id=warehouse.id)
    except IntegrityError:  # created by a concurrent request
        return await StockLevel.get(item_id=item.id, warehouse_id=warehouse.id)


async def not_enough(level_id: int, requested: int) -> InvalidState:
    """The refusal for taking more than is available, with the current figures."""
    level = await StockLevel.get(id=level_id).prefetch_related("item", "warehouse")
    return InvalidState(
        "stock.not_enough",
        item=Names(level.item.name_zh, level.item.name_en),
        store=Names(level.warehouse.name_zh, level.warehouse.name_en),
        unit=Names(level.item.unit_zh, level.item.unit_en),
        available=level.available,
        requested=requested,
    )


async def write_move(
    level: StockLevel,
    kind: str,
    qty: int,
    actor: Person | None,
    reason: str = "",
    *,
    requisition: Requisition | None = None,
    ticket: Ticket | None = None,
    release_reserved: bool = False,
    now: datetime | None = None,
) -> StockMove:
    """Change on-hand by `qty` (signed) and write its ledger row; call inside a transaction.
    Taking stock needs `available >= -qty` (or, issuing a reservation, `reserved >= -qty`),
    checked by the UPDATE itself so concurrent writers can never overdraw."""
    if release_reserved:
        query = StockLevel.filter(id=level.id, reserved__gte=-qty, on_hand__gte=-qty)
        changed = await query.update(on_hand=F("on_hand") + qty, reserved=F("reserved") + qty)
    else:
        query = StockLevel.filter(id=level.id, available__gte=max(0, -qty))
        changed = await query.update(on_hand=F("on_hand") + qty, available=F("available") + qty)
    if not changed:
        raise await not_enough(level.id, -qty)
    fresh = await StockLevel.get(id=level.id)
    move = await StockMove.create(
        item_id=level.item_id,
        warehouse_id=level.warehouse_id,
        kind=kind,
        qty=qty,
        balance=fresh.on_hand,
        actor=actor,
        reason=reason.strip()[:300],
        requisition=requisition,
        ticket=ticket,
        created_at=utcnow(now),
    )
    return move


class StockLedger:
    """Receiving, stocktake, write-off, transfer and repair consumption."""

    def __init__(self, catalog: StockCatalog):
        self.catalog = catalog

    async def receive(
        self, actor: Person, item: Item, warehouse: Warehouse, qty: int, reason: str = "",
        now: datetime | None = None,
    ) -> StockMove:
        """Book goods received into a store (storekeepers)."""
        require_role(actor, "storekeeper")
        check_qty(qty)
        level = await level_for(item, warehouse)
        async with in_transaction():
            move = await write_move(level, "in", qty, actor, reason, now=now)
            await AuditLog.create(actor=actor, action="stockmove.receive", target=item.code,
                                  detail={"store": warehouse.code, "qty": qty})
        return move

    async def write_off(
        self, actor: Person, item: Item, warehouse: Warehouse, qty: int, reason: str,
        now: datetime | None = None,
    ) -> StockMove:
        """Take damaged or lost stock out of a store, with a reason (storekeepers)."""
        require_role(actor, "storekeeper")
        check_qty(qty)
        if not reason.strip():
            raise ServiceError("stock.reason_needed")
        level = await level_for(item, warehouse)
        async with in_transaction():
            move = await write_move(level, "out", -qty, actor, reason, now=now)
            await AuditLog.create(actor=actor, action="stockmove.write_off", target=item.code,
                                  detail={"store": warehouse.code, "qty": qty})
        return move

    async def count(
        self, actor: Person, item: Item, warehouse: Warehouse, counted: int,
        reason: str = "", now: datetime | None = None,
    ) -> StockMove:
        """Record a stocktake: the ledger gets the difference to what was on hand (storekeepers).
        Refused when fewer were counted than approved requisitions still hold."""
        require_role(actor, "storekeeper")
        check_qty(counted, allow_zero=True)
        level = await level_for(item, warehouse)
        for _ in range(COUNT_RETRIES):
            current = await StockLevel.get(id=level.id)
            if current.reserved > counted:
                raise InvalidState("stock.count_below_reserved", reserved=current.reserved,
                                   counted=counted)
            delta = counted - current.on_hand
            async with in_transaction():
                changed = await StockLevel.filter(
                    id=level.id, on_hand=current.on_hand, reserved__lte=counted
                ).update(on_hand=F("on_hand") + delta, available=F("available") + delta)
                if not changed:  # stock moved meanwhile: count against the new figure
                    continue
                move = await StockMove.create(
                    item_id=item.id, warehouse_id=warehouse.id, kind="adjust", qty=delta,
                    balance=counted, actor=actor,
                    reason=(reason.strip() or f"stocktake {current.on_hand}->{counted}")[:300],
                    created_at=utcnow(now),
                )
                await AuditLog.create(actor=actor, action="stockmove.count", target=item.code,
                                      detail={"store": warehouse.code, "counted": counted,
                                              "was": current.on_hand})
            return move
        raise InvalidState("stock.busy")

    async def transfer(
        self, actor: Person, item: Item, source: Warehouse, target: Warehouse, qty: int,
        now: datetime | None = None,
    ) -> tuple[StockMove, StockMove]:
        """Move stock between stores: two ledger rows in one transaction (storekeepers)."""
        require_role(actor, "storekeeper")
        check_qty(qty)
        if source.id == target.id:
            raise ServiceError("stock.transfer_same_store")
        out_level, in_level = await level_for(item, source), await level_for(item, target)
        async with in_transaction():
            out = await write_move(out_level, "transfer", -qty, actor, f"-> {target.code}",
                                   now=now)
            into = await write_move(in_level, "transfer", qty, actor, f"<- {source.code}",
                                    now=now)
            await AuditLog.create(actor=actor, action="stockmove.transfer", target=item.code,
                                  detail={"from": source.code, "to": target.code, "qty": qty})
        return out, into

    async def consume_for_ticket(
        self,
        worker: Person,
        ticket: Ticket,
        lines: list[tuple[int | str, int]],
        now: datetime | None = None,
    ) -> Consumption:
        """Deduct the materials a worker used on a repair from the worker's store, each
        ledger row linked to the ticket; all lines or none."""
        require_role(worker, "worker")
        if ticket.status not in CONSUMING_STATUSES:
            raise InvalidState("stock.ticket_not_active", number=ticket.number)
        if not lines:
            raise ServiceError("stock.no_lines")
        store = await self.catalog.worker_store(worker, ticket)
        wanted: dict[int, tuple[Item, int]] = {}
        for query, qty in lines:
            check_qty(qty)
            item = await self.catalog.resolve(query)
            prior = wanted.get(item.id, (item, 0))[1]
            wanted[item.id] = (item, check_qty(prior + qty))
        levels = {i: await level_for(item, store) for i, (item, _) in wanted.items()}
        moves: list[StockMove] = []
        async with in_transaction():
            for item_id in sorted(wanted, key=lambda i: levels[i].id):  # one lock order
                item, qty = wanted[item_id]
                moves.append(await write_move(
                    levels[item_id], "repair", -qty, worker, ticket.number, ticket=ticket,
                    now=now,
                ))
            await AuditLog.create(actor=worker, action="stockmove.consume", target=ticket.number,
                                  detail={"store": store.code,
                                          "lines": [[i.code, q] for i, q in wanted.values()]})
        return Consumption(store, moves)

    async def usage(self, level: StockLevel, days: int = 30, now: datetime | None = None) -> int:
        """How many left a level for use (issued, consumed, written off) in the last days."""
        since = utcnow(now) - timedelta(days=days)
        rows = await StockMove.filter(
            item_id=level.item_id, warehouse_id=level.warehouse_id, kind__in=USAGE_KINDS,
            created_at__gte=since,
        ).annotate(total=Sum("qty")).values("total")
        total = rows[0]["total"] if rows and rows[0]["total"] is not None else 0
        return -int(total)

    async def history(self, item: Item, warehouse: Warehouse, limit: int = 20) -> list[StockMove]:
        """The latest ledger rows of one item in one store, newest first."""
        return list(
            await StockMove.filter(item_id=item.id, warehouse_id=warehouse.id)
            .order_by("-id").limit(limit)
        )

    async def find_level(self, level_id: int) -> StockLevel:
        """A level with its item and store."""
        level = await StockLevel.get_or_none(id=level_id).prefetch_related("item", "warehouse")
        if level is None:
            raise NotFound("stock.level_unknown")
        return level

    async def inconsistencies(self) -> list[str]:
        """Levels whose on-hand differs from their ledger sum, whose reserved differs from
        the approved requisitions not yet collected, whose available is not on-hand minus
        reserved, or that are negative (empty when all is well)."""
        sums: dict[tuple[int, int], int] = {}
        rows = await StockMove.all().group_by("item_id", "warehouse_id").annotate(
            total=Sum("qty")
        ).values("item_id", "warehouse_id", "total")
        for row in rows:
            sums[row["item_id"], row["warehouse_id"]] = int(row["total"] or 0)
        held: dict[tuple[int, int], int] = {}
        lines = await RequisitionLine.filter(requisition__status="approved").prefetch_related(
            "requisition"
        )
        for line in lines:
            key = (line.item_id, line.requisition.warehouse_id)
            held[key] = held.get(key, 0) + line.qty_approved
        problems = []
        for level in await StockLevel.all():
            ledger = sums.get((level.item_id, level.warehouse_id), 0)
            if level.reserved != held.get((level.item_id, level.warehouse_id), 0):
                problems.append(f"level {level.id}: reserved {level.reserved} != approved "
                                f"{held.get((level.item_id, level.warehouse_id), 0)}")
            if level.on_hand != ledger:
                problems.append(f"level {level.id}: on_hand {level.on_hand} != ledger {ledger}")
            if level.available != level.on_hand - level.reserved:
                problems.append(f"level {level.id}: available {level.available} != "
                                f"{level.on_hand} - {level.reserved}")
            if min(level.on_hand, level.reserved, level.available) < 0:
                problems.append(f"level {level.id}: negative figures")
        return problems
