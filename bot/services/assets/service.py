"""The asset register (固定资产台账): look-ups, the card staff see, and the lifecycle changes
managers make (move, status, dispose), each written to the asset's history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from tortoise.transactions import in_transaction

from bot.core.errors import InvalidState, NotFound, ServiceError, require_role
from bot.db import fetch_models
from models.assets import ASSET_STATUSES, Asset, AssetEvent
from models.audit import AuditLog
from models.people import Person
from models.places import Place
from models.repairs import OPEN_STATUSES, Ticket

VIEW_ROLES = ("worker", "manager", "dorm_admin", "storekeeper")
EDIT_ROLES = ("manager",)  # admins hold every role
MANUAL_STATUSES = ("in_use", "idle")  # under_repair follows tickets; disposed has its own step
MAX_REASON = 500


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


@dataclass
class AssetCard:
    """An asset with what its card shows."""

    asset: Asset
    place: Place
    responsible: Person | None
    tickets: list[Ticket]
    events: list[AssetEvent]
    may_edit: bool

    def warranty_active(self, today: date) -> bool | None:
        """True while under warranty, False after it, None when unknown."""
        end = self.asset.warranty_end
        return None if end is None else end >= today


class AssetService:
    """The rules of the asset register."""

    async def find(self, code: str) -> Asset | None:
        """An asset by its code (case-insensitive), disposed ones included."""
        code = (code or "").strip()
        if not code or len(code) > 32:
            return None
        return (await Asset.get_or_none(code=code)
                or await Asset.filter(code__iexact=code).first())

    async def get(self, code: str) -> Asset:
        """An asset by its code, or NotFound."""
        asset = await self.find(code)
        if asset is None:
            raise NotFound("assets.unknown", code=(code or "").strip()[:32])
        return asset

    async def by_id(self, asset_id: int | str) -> Asset:
        """An asset by id (from a button), or NotFound."""
        asset = await Asset.get_or_none(id=int(asset_id)) if str(asset_id).isdigit() else None
        if asset is None:
            raise NotFound("assets.unknown", code=str(asset_id)[:32])
        return asset

    async def scanned(self, kind: str, code: str) -> tuple[Place, Asset | None]:
        """What a QR code names: an active place, or an asset in service and its place.
        Unknown codes are NotFound, retired ones (disposed, deactivated place) InvalidState."""
        if kind == "asset":
            asset = await self.find(code)
            if asset is None:
                raise NotFound("qr.unknown_asset", code=code[:32])
            place = await Place.get(id=asset.place_id)  # type: ignore[attr-defined]
            if asset.status == "disposed" or not place.active:
                raise InvalidState("qr.retired_asset", code=asset.code)
            return place, asset
        place = await Place.get_or_none(code=code)
        if place is None:
            raise NotFound("qr.unknown_place", code=code[:32])
        if not place.active:
            raise InvalidState("qr.retired_place", code=place.code)
        return place, None

    async def at_place(self, place_id: int) -> list[Asset]:
        """The assets kept at a place (disposed ones left out), by code."""
        return await fetch_models(
            Asset, "WHERE place_id = ? AND (status <> ? OR status IS NULL) ORDER BY code",
            [place_id, "disposed"],
        )

    async def card(self, code: str, viewer: Person, history: int = 8) -> AssetCard:
        """The asset card for staff: place, status, warranty, last repairs and history."""
        require_role(viewer, *VIEW_ROLES)
        asset = await self.get(code)
        tickets = await Ticket.filter(asset_id=asset.id).order_by("-id").limit(5)
        events = await AssetEvent.filter(asset_id=asset.id).order_by("-id").limit(history) \
            .prefetch_related("actor", "to_place")
        return AssetCard(
            asset=asset,
            place=await Place.get(id=asset.place_id),  # type: ignore[attr-defined]
            responsible=await Person.get_or_none(id=asset.responsible_id)  # type: ignore[attr-defined]
            if asset.responsible_id else None,  # type: ignore[attr-defined]
            tickets=list(tickets),
            events=list(reversed(events)),
            may_edit=viewer.has_role(*EDIT_ROLES),
        )

    async def create(self, actor: Person | None, code: str, name_zh: str, place: Place, *,
                     name_en: str = "", category: str = "", responsible: Person | None = None,
                     purchase_date: date | None = None, warranty_end: date | None = None,
                     status: str = "in_use", now: datetime | None = None) -> Asset:
        """Register a new asset (managers; `actor` None is the command line)."""
        if actor is not None:
            require_role(actor, *EDIT_ROLES)
        if status not in ASSET_STATUSES:
            raise ServiceError("assets.bad_status", status=status)
        if await self.find(code):
            raise InvalidState("assets.code_taken", code=code)
        async with in_transaction():
            asset = await Asset.create(
                code=code.strip(), name_zh=name_zh.strip(), name_en=name_en.strip() or name_zh,
                category=category, place=place, responsible=responsible,
                purchase_date=purchase_date, warranty_end=warranty_end, status=status,
            )
            await record(asset, actor, "created", now, to_status=status, to_place=place.id)
        return asset

    async def _editable(self, actor: Person, code: str) -> Asset:
        require_role(actor, *EDIT_ROLES)
        asset = await self.get(code)
        if asset.status == "disposed":
            raise InvalidState("assets.already_disposed", code=asset.code)
        return asset

    async def _no_open_repair(self, asset: Asset) -> None:
        ticket = await Ticket.filter(asset_id=asset.id, status__in=OPEN_STATUSES).first()
        if ticket is not None:
            raise InvalidState("assets.repair_open", code=asset.code, number=ticket.number)

    async def move(self, actor: Person, code: str, place: Place, reason: str = "",
                   now: datetime | None = None) -> Asset:
        """Move the asset to another place (调拨), with an optional reason."""
        asset = await self._editable(actor, code)
        if place.id == asset.place_id:  # type: ignore[attr-defined]
            raise InvalidState("assets.same_place", place=place.display(actor.locale))
        before = asset.place_id  # type: ignore[attr-defined]
        async with in_transaction():
            moved = await Asset.filter(id=asset.id, place_id=before, status=asset.status) \
                .update(place_id=place.id)
            if not moved:
                raise InvalidState("assets.changed_meanwhile", code=asset.code)
            await record(asset, actor, "moved", now, from_place=before, to_place=place.id,
                         note=reason)
        asset.place_id = place.id  # type: ignore[attr-defined]
        return asset

    async def set_status(self, actor: Person, code: str, status: str, reason: str = "",
                         now: datetime | None = None) -> Asset:
        """Mark the asset in use or idle (not while a repair on it is open)."""
        asset = await self._editable(actor, code)
        if status not in MANUAL_STATUSES:
            raise ServiceError("assets.bad_status", status=status)
        if status == asset.status:
            return asset
        await self._no_open_repair(asset)
        await change_status(asset, actor, status, "status", now, reason)
        return asset

    async def dispose(self, actor: Person, code: str, reason: str,
                      now: datetime | None = None) -> Asset:
        """Retire the asset (报废) for a stated reason; its QR code then answers "retired"."""
        reason = " ".join((reason or "").split())[:MAX_REASON]
        if not reason:
            raise ServiceError("assets.need_reason")
        asset = await self._editable(actor, code)
        await self._no_open_repair(asset)
        await change_status(asset, actor, "disposed", "disposed", now, reason)
        return asset


async def change_status(asset: Asset, actor: Person | None, status: str, kind: str,
                         now: datetime | None, note: str = "", ticket_id: int | None = None
                         ) -> bool:
    """Move the asset's status if nobody changed it meanwhile, with a history row and audit;
    False when it had changed."""
    async with in_transaction():
        moved = await Asset.filter(id=asset.id, status=asset.status).update(status=status)
        if not moved:
            return False
        await record(asset, actor, kind, now, from_status=asset.status, to_status=status,
                     note=note, ticket_id=ticket_id)
    asset.status = status
    return True


async def record(asset: Asset, actor: Person | None, kind: str, now: datetime | None, *,
                 from_status: str | None = None, to_status: str | None = None,
                 from_place: int | None = None, to_place: int | None = None,
                 note: str = "", ticket_id: int | None = None) -> AssetEvent:
    """Write one history row (and the audit log entry) for the asset."""
    event = await AssetEvent.create(
        asset_id=asset.id, actor=actor, kind=kind, from_status=from_status, to_status=to_status,
        from_place_id=from_place, to_place_id=to_place, ticket_id=ticket_id,
        note=note.strip()[:MAX_REASON] or None, created_at=_now(now),
    )
    await AuditLog.create(actor=actor, action=f"asset.{kind}", target=asset.code,
                          detail={"status": to_status, "place": to_place, "note": note[:200]})
    return event
