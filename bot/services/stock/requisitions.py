"""Requisitions (申领): staff ask, a storekeeper approves (in full or in part) or rejects,
approval reserves the stock, collection issues it; uncollected reservations expire."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tortoise.expressions import F, Subquery
from tortoise.transactions import in_transaction

from bot.core.errors import InvalidState, NotFound, PermissionDenied, ServiceError, require_role
from bot.services.people import holders
from bot.services.stock.items import STAFF_ROLES, StockCatalog
from bot.services.stock.ledger import check_qty, level_for, not_enough, utcnow, write_move
from models.audit import AuditLog
from models.people import Person
from models.repairs import Ticket
from models.stock import REQ_OPEN, Requisition, RequisitionLine, StockLevel

MAX_LINES = 20


def last_collect_day(collect_by: datetime | None, timezone: str) -> str:
    """The last local day an approved requisition may be collected on, e.g. "11-26"."""
    if collect_by is None:
        return ""
    return (collect_by.astimezone(ZoneInfo(timezone)) - timedelta(minutes=1)).strftime("%m-%d")


@dataclass
class RequisitionView:
    """A requisition with its lines (items loaded) and the store's current levels."""

    requisition: Requisition
    lines: list[RequisitionLine]
    levels: dict[int, StockLevel]

    @property
    def partial(self) -> bool:
        """True when less than requested was approved."""
        return any(line.qty_approved < line.qty_requested for line in self.lines)


class RequisitionService:
    """The rules of requisitions."""

    def __init__(
        self, catalog: StockCatalog, collect_days: int = 3, timezone: str = "Asia/Shanghai"
    ):
        self.catalog = catalog
        self.collect_days = collect_days
        self.tz = ZoneInfo(timezone)

    def collect_by(self, approved_at: datetime) -> datetime:
        """Collection closes at the end of the local day `collect_days` after approval."""
        last = approved_at.astimezone(self.tz).date() + timedelta(days=self.collect_days)
        return datetime.combine(last + timedelta(days=1), time(0), self.tz).astimezone(UTC)

    async def create(
        self,
        requester: Person,
        warehouse_id: int,
        lines: list[tuple[int, int]],
        purpose: str = "",
        ticket_number: str | None = None,
    ) -> Requisition:
        """File a requisition: (item id, quantity) lines from one store, for a purpose or a
        repair ticket (staff only)."""
        require_role(requester, *STAFF_ROLES)
        warehouse = await self.catalog.get_warehouse(warehouse_id)
        if not lines:
            raise ServiceError("stock.no_lines")
        merged: dict[int, int] = {}
        for item_id, qty in lines:
            check_qty(qty)
            merged[item_id] = check_qty(merged.get(item_id, 0) + qty)
        if len(merged) > MAX_LINES:
            raise ServiceError("stock.too_many_lines", limit=MAX_LINES)
        items = [await self.catalog.get_item(item_id) for item_id in merged]
        ticket = None
        if ticket_number:
            ticket = await Ticket.get_or_none(number=ticket_number.strip().upper())
            if ticket is None:
                raise NotFound("tickets.unknown", number=ticket_number[:30])
        purpose = " ".join(purpose.split())[:300]
        if not purpose and ticket is None:
            raise ServiceError("stock.purpose_needed")
        async with in_transaction():
            req = await Requisition.create(
                requester=requester, warehouse=warehouse, purpose=purpose, ticket=ticket
            )
            for item in items:
                await RequisitionLine.create(
                    requisition=req, item=item, qty_requested=merged[item.id]
                )
            await AuditLog.create(actor=requester, action="requisition.create",
                                  target=f"#{req.id}", detail={"store": warehouse.code})
        return req

    async def _load(self, req_id: int) -> Requisition:
        req = await Requisition.get_or_none(id=req_id).prefetch_related(
            "requester", "warehouse", "ticket", "decided_by"
        )
        if req is None:
            raise NotFound("stock.req_unknown", number=req_id)
        return req

    async def _view(self, req: Requisition) -> RequisitionView:
        lines = list(
            await RequisitionLine.filter(requisition_id=req.id).order_by("id")
            .prefetch_related("item")
        )
        levels = await StockLevel.filter(
            warehouse_id=req.warehouse_id, item_id__in=[line.item_id for line in lines]
        )
        return RequisitionView(req, lines, {level.item_id: level for level in levels})

    async def view(self, req_id: int, viewer: Person) -> RequisitionView:
        """A requisition, for its requester, storekeepers and managers."""
        req = await self._load(req_id)
        if req.requester_id != viewer.id and not viewer.has_role("storekeeper", "manager"):
            raise NotFound("stock.req_unknown", number=req_id)
        return await self._view(req)

    async def decider_role(self, req: Requisition, person: Person) -> str:
        """The role `person` decides on `req` in: "storekeeper" for a keeper of its store who
        did not file it, else "manager" for a manager; otherwise refused (own requisition,
        or a store they do not keep)."""
        require_role(person, "storekeeper")
        own = req.requester_id == person.id
        keeps = any(k.id == person.id for k in await self.catalog.keepers(req.warehouse))
        if not own and keeps:
            return "storekeeper"
        if person.has_role("manager"):
            return "manager"
        if own:
            raise PermissionDenied("stock.req_own", number=req.id)
        raise PermissionDenied("stock.req_not_your_store", number=req.id)

    async def deciders(self, req: Requisition) -> list[Person]:
        """Who is asked to decide on `req`: its store's keepers other than the requester
        (unless also a manager), else the storekeepers who are managers."""
        keepers = [k for k in await self.catalog.keepers(req.warehouse)
                   if k.id != req.requester_id or k.has_role("manager")]
        if keepers:
            return keepers
        managers = holders("manager").filter(id__in=Subquery(
            holders("storekeeper").values("id")))
        return await managers.order_by("id")

    async def check_decider(self, req_id: int, person: Person) -> str:
        """`decider_role` for a requisition number (NotFound for an unknown one)."""
        return await self.decider_role(await self._load(req_id), person)

    async def approve(
        self,
        req_id: int,
        approver: Person,
        quantities: dict[int, int] | None = None,
        now: datetime | None = None,
    ) -> RequisitionView:
        """Approve a pending requisition in full, or per line (line id -> quantity, at most
        what was asked), reserving the stock atomically: all lines or none."""
        req = await self._load(req_id)
        role = await self.decider_role(req, approver)
        if req.status != "pending":
            raise InvalidState("stock.req_decided", number=req.id)
        view = await self._view(req)
        approved: dict[int, int] = {}
        for line in view.lines:
            qty = line.qty_requested if quantities is None else quantities.get(line.id, 0)
            check_qty(qty, allow_zero=True)
            if qty > line.qty_requested:
                raise ServiceError("stock.approve_over_request", requested=line.qty_requested,
                                   qty=qty)
            approved[line.id] = qty
        if not any(approved.values()):
            raise ServiceError("stock.approve_none")
        levels = {
            line.id: await level_for(line.item, req.warehouse) for line in view.lines
        }
        when = utcnow(now)
        async with in_transaction():
            claimed = await Requisition.filter(id=req.id, status="pending").update(
                status="approved", decided_by_id=approver.id, decided_at=when,
                collect_by=self.collect_by(when),
            )
            if not claimed:
                raise InvalidState("stock.req_decided", number=req.id)
            for line in sorted(view.lines, key=lambda line: levels[line.id].id):
                qty = approved[line.id]
                if qty and not await StockLevel.filter(
                    id=levels[line.id].id, available__gte=qty
                ).update(available=F("available") - qty, reserved=F("reserved") + qty):
                    raise await not_enough(levels[line.id].id, qty)
                await RequisitionLine.filter(id=line.id).update(qty_approved=qty)
            await AuditLog.create(actor=approver, action="requisition.approve",
                                  target=f"#{req.id}",
                                  detail={"lines": {str(k): v for k, v in approved.items()},
                                          "as": role})
        return await self._view(await self._load(req.id))

    async def reject(
        self, req_id: int, approver: Person, reason: str, now: datetime | None = None
    ) -> RequisitionView:
        """Reject a pending requisition with a reason the requester will read."""
        role = await self.decider_role(await self._load(req_id), approver)
        reason = " ".join(reason.split())[:300]
        if not reason:
            raise ServiceError("stock.reason_needed")
        async with in_transaction():
            claimed = await Requisition.filter(id=req_id, status="pending").update(
                status="rejected", decided_by_id=approver.id, decided_at=utcnow(now),
                reject_reason=reason,
            )
            if not claimed:
                await self._load(req_id)  # NotFound for an unknown number
                raise InvalidState("stock.req_decided", number=req_id)
            await AuditLog.create(actor=approver, action="requisition.reject",
                                  target=f"#{req_id}", detail={"reason": reason, "as": role})
        return await self._view(await self._load(req_id))

    async def collect(
        self, req_id: int, keeper: Person, now: datetime | None = None
    ) -> RequisitionView:
        """Confirm the requester collected an approved requisition: the reserved stock
        leaves the store, one ledger row per line, linked to the requisition (and ticket)."""
        req = await self._load(req_id)
        role = await self.decider_role(req, keeper)
        if req.status != "approved":
            raise InvalidState("stock.req_not_approved", number=req.id)
        view = await self._view(req)
        when = utcnow(now)
        async with in_transaction():
            claimed = await Requisition.filter(id=req.id, status="approved").update(
                status="collected", collected_at=when
            )
            if not claimed:
                raise InvalidState("stock.req_not_approved", number=req.id)
            for line in view.lines:
                if line.qty_approved:
                    level = await level_for(line.item, req.warehouse)
                    await write_move(
                        level, "requisition", -line.qty_approved, keeper, f"#{req.id}",
                        requisition=req, ticket=req.ticket, release_reserved=True, now=when,
                    )
            await AuditLog.create(actor=keeper, action="requisition.collect", target=f"#{req.id}",
                                  detail={"as": role})
        return await self._view(await self._load(req.id))

    async def _release(self, req: Requisition, view: RequisitionView, status: str) -> bool:
        """Set an open requisition's final status, returning approved stock to the store."""
        async with in_transaction():
            claimed = await Requisition.filter(id=req.id, status=req.status).update(status=status)
            if not claimed:
                return False
            if req.status == "approved":
                for line in view.lines:
                    if line.qty_approved and not await StockLevel.filter(
                        item_id=line.item_id, warehouse_id=req.warehouse_id,
                        reserved__gte=line.qty_approved,
                    ).update(reserved=F("reserved") - line.qty_approved,
                             available=F("available") + line.qty_approved):
                        raise InvalidState("stock.busy")
        return True

    async def cancel(self, req_id: int, person: Person) -> RequisitionView:
        """The requester withdraws a pending or approved requisition, or a storekeeper
        releases an approved one that was not collected; reserved stock goes back."""
        req = await self._load(req_id)
        mine = req.requester_id == person.id
        if not mine and not person.has_role("storekeeper"):
            raise PermissionDenied()
        # withdrawing one's own is the requester's right; releasing another's is a decision
        role = "requester" if mine else await self.decider_role(req, person)
        if req.status not in (REQ_OPEN if mine else ("approved",)):
            raise InvalidState("stock.req_closed", number=req.id)
        view = await self._view(req)
        if not await self._release(req, view, "cancelled"):
            raise InvalidState("stock.req_decided", number=req.id)
        await AuditLog.create(actor=person, action="requisition.cancel", target=f"#{req.id}",
                              detail={"as": role})
        return await self._view(await self._load(req.id))

    async def expire_due(self, now: datetime | None = None) -> list[RequisitionView]:
        """Release approved requisitions not collected in time; returns those expired."""
        due = await Requisition.filter(status="approved", collect_by__lte=utcnow(now))
        expired = []
        for req in due:
            req = await self._load(req.id)
            view = await self._view(req)
            if await self._release(req, view, "expired"):
                await AuditLog.create(actor=None, action="requisition.expire",
                                      target=f"#{req.id}")
                expired.append(await self._view(await self._load(req.id)))
        return expired

    async def mine(self, person: Person, limit: int = 10) -> list[Requisition]:
        """The person's latest requisitions, newest first."""
        return list(
            await Requisition.filter(requester_id=person.id).order_by("-id").limit(limit)
            .prefetch_related("warehouse")
        )

    async def queue(self, keeper: Person, limit: int = 20) -> list[Requisition]:
        """Requisitions waiting for a storekeeper: pending first, then approved (oldest
        first)."""
        require_role(keeper, "storekeeper")
        pending = await Requisition.filter(status="pending").order_by("id").limit(limit)
        approved = await Requisition.filter(status="approved").order_by("id").limit(limit)
        found = [*pending, *approved][:limit]
        for req in found:
            await req.fetch_related("requester", "warehouse")
        return found
