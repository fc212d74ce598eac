"""Stock rendering and shared handler helpers: item and level lines, requisition cards,
refusals in the reader's language, and the notifications that follow a decision."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.context import Context
from bot.core.errors import ServiceError
from bot.core.i18n import Translator
from bot.core.types import Button
from bot.services.stock import (
    ItemStock,
    RequisitionTap,
    RequisitionView,
    last_collect_day,
    localize_fields,
)
from models.people import Person
from models.stock import Item, StockLevel, Warehouse

Handler = Callable[[Context], Awaitable[None]]
STATUS_MARK = {"ok": "✅", "low": "⚠️", "out": "⛔"}


def stock_errors(fn: Handler) -> Handler:
    """Answer a refusal in the reader's language (item and store names included) and, in a
    flow, ask the current question again: nothing typed so far is lost."""

    @functools.wraps(fn)
    async def wrapper(ctx: Context) -> None:
        try:
            await fn(ctx)
        except ServiceError as err:
            await ctx.reply(ctx.t(err.key, **localize_fields(err.fields, ctx.locale)))
            if ctx.conv.active:
                await ctx.reprompt()

    return wrapper


def level_line(ctx: Context, level: StockLevel, item: Item, quantities: bool) -> str:
    """One store's line for an item: figures (or only the status) and the status mark."""
    status = level.status
    fields = {
        "store": level.warehouse.display(ctx.locale),
        "mark": STATUS_MARK[status],
        "status": ctx.t(f"stock.status_{status}"),
    }
    if not quantities:
        return ctx.t("stock.level_line_plain", **fields)
    reserved = ctx.t("stock.reserved_note", reserved=level.reserved) if level.reserved else ""
    minimum = ctx.t("stock.min_note", minimum=level.min_level) if level.min_level else ""
    return ctx.t(
        "stock.level_line", available=level.available, unit=item.unit(ctx.locale),
        reserved=reserved, minimum=minimum, **fields,
    )


def item_block(ctx: Context, entry: ItemStock, quantities: bool) -> str:
    """An item's heading and one line per store."""
    item = entry.item
    spec = f" · {item.spec}" if item.spec else ""
    lines = [ctx.t("stock.item_heading", name=item.display(ctx.locale), code=item.code, spec=spec)]
    lines += [level_line(ctx, level, item, quantities) for level in entry.levels]
    if not entry.levels:
        lines.append(ctx.t("stock.not_stocked"))
    return "\n".join(lines)


def local_dt(timezone: str, when: datetime | None) -> str:
    """A timestamp in the deployment's time zone, e.g. 11-23 17:00."""
    return when.astimezone(ZoneInfo(timezone)).strftime("%m-%d %H:%M") if when else ""


def req_lines(t: Translator, locale: str | None, view: RequisitionView, *,
              approved: bool = False, available: bool = False) -> str:
    """The items of a requisition, one per line: asked (and approved) quantities, and the
    store's available quantity when `available`."""
    out = []
    for line in view.lines:
        unit = line.item.unit(locale)
        name = line.item.display(locale)
        if approved:
            key = "stock.req_line_approved"
        else:
            key = "stock.req_line_available" if available else "stock.req_line"
        level = view.levels.get(line.item_id)
        out.append(t(locale, key, item=name, qty=line.qty_requested, approved=line.qty_approved,
                     unit=unit, available=level.available if level else 0))
    return "\n".join(out)


def req_status(t: Translator, locale: str | None, status: str) -> str:
    """A requisition status in words."""
    return t(locale, f"stock.req_status_{status}")


def keeper_buttons(t: Translator, locale: str | None, view: RequisitionView) -> list[list[Button]]:
    """A storekeeper's buttons for a requisition in its current status."""
    number = view.requisition.id
    if view.requisition.status == "pending":
        return [
            [Button(t(locale, "stock.btn_approve"), RequisitionTap("a", number).pack()),
             Button(t(locale, "stock.btn_partial"), RequisitionTap("p", number).pack())],
            [Button(t(locale, "stock.btn_reject"), RequisitionTap("r", number).pack())],
        ]
    if view.requisition.status == "approved":
        return [[Button(t(locale, "stock.btn_collected"), RequisitionTap("c", number).pack()),
                 Button(t(locale, "stock.btn_release"), RequisitionTap("x", number).pack())]]
    return []


def req_card(ctx: Context, view: RequisitionView) -> str:
    """A requisition's full card for whoever looks at it (where and when to collect, once
    approved; the reason, once rejected)."""
    req = view.requisition
    decided = req.status not in ("pending", "rejected") and req.decided_at is not None
    text = ctx.t(
        "stock.req_card", number=req.id, status=req_status(ctx.translator, ctx.locale, req.status),
        requester=req.requester.name, store=req.warehouse.display(ctx.locale),
        purpose=purpose_text(ctx.translator, ctx.locale, view),
        lines=req_lines(ctx.translator, ctx.locale, view, approved=decided,
                        available=req.status == "pending"),
    )
    if req.status == "approved":
        text += "\n" + ctx.t(
            "stock.collect_line",
            collect_by=last_collect_day(req.collect_by, ctx.services.settings.timezone),
            **collect_fields(req.warehouse, ctx.locale),
        )
    if req.reject_reason:
        text += "\n" + ctx.t("stock.reject_reason_line", reason=req.reject_reason)
    return text


def purpose_text(t: Translator, locale: str | None, view: RequisitionView) -> str:
    """The purpose, with the repair ticket number when there is one."""
    req = view.requisition
    if req.ticket is not None and req.ticket.number not in req.purpose:
        return t(locale, "stock.purpose_ticket", number=req.ticket.number, purpose=req.purpose)
    return req.purpose


def collect_fields(store: Warehouse, locale: str | None) -> dict[str, str]:
    """Where and when to collect from a store, in `locale`."""
    return {
        "store": store.display(locale),
        "location": store.location(locale) or "—",
        "hours": store.hours(locale) or "—",
    }


async def push_to_keepers(ctx: Context, view: RequisitionView, key: str) -> None:
    """Tell the store's keepers about a requisition (with their decision buttons); a keeper's
    own requisition goes to the managers among the storekeepers instead."""
    req = view.requisition
    for keeper in await ctx.services.stock.requisitions.deciders(req):
        if keeper.id == req.requester_id and key != "stock.req_new":
            continue
        loc = keeper.locale
        await ctx.notifier.push(
            keeper, key, keeper_buttons(ctx.translator, loc, view), number=req.id,
            requester=req.requester.name, store=req.warehouse.display(loc),
            purpose=purpose_text(ctx.translator, loc, view),
            lines=req_lines(ctx.translator, loc, view, available=True),
        )


async def push_to_requester(ctx: Context, view: RequisitionView, key: str) -> None:
    """Tell the requester about a decision on their requisition."""
    req = view.requisition
    person: Person = req.requester
    loc = person.locale
    partial = ctx.translator(loc, "stock.partial_note") if view.partial else ""
    await ctx.notifier.push(
        person, key, number=req.id, partial=partial, reason=req.reject_reason,
        lines=req_lines(ctx.translator, loc, view, approved=True),
        collect_by=last_collect_day(req.collect_by, ctx.services.settings.timezone),
        **collect_fields(req.warehouse, loc),
    )


async def check_alerts(ctx: Context, view: RequisitionView) -> None:
    """Re-check the low-stock state of the requisition's items in its store."""
    keys = [(line.item_id, view.requisition.warehouse_id) for line in view.lines]
    await ctx.services.stock.alerts.check(ctx.notifier, keys)


async def after_approval(ctx: Context, view: RequisitionView) -> None:
    """After an approval: the keeper's card with Collected / Release, the requester told
    where and when to collect, and the low-stock check."""
    await ctx.reply(req_card(ctx, view), keeper_buttons(ctx.translator, ctx.locale, view),
                    edit=True)
    await push_to_requester(ctx, view, "stock.req_approved")
    await check_alerts(ctx, view)
