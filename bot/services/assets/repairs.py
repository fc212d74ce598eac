"""Tickets on an asset: the asset shows under_repair while one is open and returns to in_use
when none is; the same asset repaired too often lately is flagged to the managers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.core.errors import InvalidState, ServiceError, require_role
from bot.delivery.notifier import PRIORITY_STAFF_ALERT
from bot.services.assets.service import EDIT_ROLES, change_status
from bot.services.assets.views import repeat_failure_buttons
from models.assets import Asset, AssetRepeatFailure
from models.dispatch import Job
from models.people import Person
from models.places import Place
from models.repairs import OPEN_STATUSES, Ticket, TicketEvent

REPAIR_STATUSES = ("under_repair", "damaged")

if TYPE_CHECKING:
    from bot.services.repairs import FollowUpService


def check_reportable(asset: Asset | None, place: Place) -> None:
    """A ticket may name an asset only if it is kept at the ticket's place and not retired."""
    if asset is None:
        return
    if asset.status == "disposed":
        raise InvalidState("assets.retired", code=asset.code)
    if asset.place_id != place.id:  # type: ignore[attr-defined]
        raise ServiceError("assets.not_here", code=asset.code)


async def sync_asset(ticket: Ticket, actor: Person | None, now: datetime | None = None) -> None:
    """Bring the ticket's asset in line with its open tickets (history rows on each change)."""
    asset_id = getattr(ticket, "asset_id", None)
    if not asset_id:
        return
    asset = await Asset.get_or_none(id=asset_id)
    if asset is None or asset.status == "disposed":
        return
    now = now or datetime.now(UTC)
    open_repair = await Ticket.exists(asset_id=asset_id, status__in=OPEN_STATUSES)
    # an asset found damaged by its keeper (asset check) shows so until its repair is done
    if open_repair and asset.status not in REPAIR_STATUSES:
        await change_status(asset, actor, "under_repair", "repair_opened", now,
                             ticket.number, ticket.id)
    elif not open_repair and asset.status in REPAIR_STATUSES:
        await change_status(asset, actor, "in_use", "repaired", now, ticket.number, ticket.id)


async def link_ticket(actor: Person, ticket: Ticket, asset: Asset) -> Ticket:
    """A manager names the asset an open ticket is about (or corrects it); both the new and
    any previously named asset follow the ticket's state."""
    require_role(actor, *EDIT_ROLES)
    if ticket.status not in OPEN_STATUSES:
        raise InvalidState("tickets.not_open", number=ticket.number)
    place = await Place.get(id=ticket.place_id)  # type: ignore[attr-defined]
    check_reportable(asset, place)
    before = ticket.asset_id  # type: ignore[attr-defined]
    if before == asset.id:
        return ticket
    moved = await Ticket.filter(id=ticket.id, asset_id=before).update(asset_id=asset.id)
    if not moved:
        raise InvalidState("tickets.changed_meanwhile", number=ticket.number)
    await TicketEvent.create(ticket_id=ticket.id, actor=actor, kind="asset_linked",
                             note=asset.code)
    if before:
        ticket.asset_id = before  # type: ignore[attr-defined]
        await sync_asset(ticket, actor)
    ticket.asset_id = asset.id  # type: ignore[attr-defined]
    await sync_asset(ticket, actor)
    return ticket


async def check_asset_repeat(followup: FollowUpService, ticket: Ticket,
                             now: datetime) -> AssetRepeatFailure | None:
    """Flag the ticket when its asset was repaired `repeat_count` times within the window."""
    asset_id = getattr(ticket, "asset_id", None)
    if not asset_id or await AssetRepeatFailure.exists(ticket_id=ticket.id):
        return None
    config = followup.config
    same = await Ticket.filter(asset_id=asset_id).values_list("id", flat=True)
    done = await Job.filter(
        ticket_id__in=list(same), role="primary", status="done",
        finished_at__gte=now - config.repeat_within,
    ).values_list("ticket_id", flat=True)
    count = len(set(done))
    if count < config.repeat_count:
        return None
    days = config.repeat_within.days
    asset = await Asset.get(id=asset_id)
    flag = await AssetRepeatFailure.create(ticket_id=ticket.id, asset=asset, count=count,
                                           window_days=days, created_at=now)
    await TicketEvent.create(ticket_id=ticket.id, kind="asset_repeat", note=str(count))
    place = await Place.get(id=ticket.place_id)  # type: ignore[attr-defined]
    dispatch = followup.dispatch
    await dispatch.announcer().tell_all(
        await dispatch.duty.managers_on_duty(), "assets.repeat_failure",
        repeat_failure_buttons(ticket, asset), PRIORITY_STAFF_ALERT,
        number=ticket.number, place=place, code=asset.code, asset=asset, count=count,
        days=days,
    )
    return flag


async def repeat_failures_between(start: datetime, end: datetime) -> list[AssetRepeatFailure]:
    """Assets flagged for repeat failures in [start, end) — for the managers' digest."""
    return await AssetRepeatFailure.filter(created_at__gte=start, created_at__lt=end) \
        .order_by("id").prefetch_related("asset", "ticket")
