"""Requisitions (申领), asking: /requisition (items -> store -> purpose -> confirm); the
store's keepers then get the decision buttons (handlers/stock/queue.py)."""

from __future__ import annotations

import re

from bot.core.context import Context
from bot.core.router import Router
from bot.services.stock import (
    MAX_QTY,
    STAFF_ROLES,
    RequisitionTap,
    localize_fields,
    parse_line,
    split_lines,
)
from handlers.render import rows
from handlers.stock.views import push_to_keepers, stock_errors

router = Router()
FLOW = "req"
TICKET_NUMBER = re.compile(r"\bR-\d{8}-\d{4}\b", re.IGNORECASE)



async def _draft_lines(ctx: Context) -> str:
    lines = ctx.conv.data.get("lines", [])
    items = await ctx.services.stock.catalog.items_by_id([i for i, _ in lines])
    return "\n".join(
        ctx.t("stock.req_line", item=items[i].display(ctx.locale), qty=q,
              unit=items[i].unit(ctx.locale))
        for i, q in lines if i in items
    )


@router.command("requisition", "req", "shenling", roles=STAFF_ROLES,
                help_key="stock.cmd_requisition", order=31)
@stock_errors
async def start(ctx: Context) -> None:
    """Start a requisition; `/requisition 灯管 4, 插座 2` fills the items at once."""
    await ctx.begin(FLOW, "items", lines=[], pending=None)
    if ctx.incoming.args:
        await _add_lines(ctx, " ".join(ctx.incoming.args))
    await ask_items(ctx)


@router.prompt(FLOW, "items")
async def ask_items(ctx: Context) -> None:
    """Ask for items and quantities; show the list so far and any item to pick."""
    data = ctx.conv.data
    pending = data.get("pending")
    if pending:
        items = await ctx.services.stock.catalog.items_by_id(pending["ids"])
        picks = [ctx.choose(f"{items[i].display(ctx.locale)} ({items[i].code})", f"i{i}")
                 for i in pending["ids"] if i in items]
        await ctx.say("stock.pick_item", [*rows(picks, 1), [ctx.cancel_button()]],
                      query=pending["words"], qty=pending["qty"])
        return
    if not data.get("lines"):
        await ctx.say("stock.req_ask_items", [[ctx.cancel_button()]])
        return
    buttons = [[ctx.choose(ctx.t("stock.btn_items_done"), "done"),
                ctx.choose(ctx.t("stock.btn_clear"), "clear")], [ctx.cancel_button()]]
    await ctx.say("stock.req_items_so_far", buttons, lines=await _draft_lines(ctx))


def _merge(lines: list[list[int]], item_id: int, qty: int) -> list[list[int]]:
    for line in lines:
        if line[0] == item_id:
            line[1] = min(line[1] + qty, MAX_QTY)
            return lines
    return [*lines, [item_id, qty]]


async def _add_lines(ctx: Context, text: str) -> None:
    """Parse "灯管 4, 插座 2" into the draft; report what could not be understood."""
    catalog = ctx.services.stock.catalog
    lines = [list(line) for line in ctx.conv.data.get("lines", [])]
    pending = ctx.conv.data.get("pending")
    problems: list[str] = []
    for chunk in split_lines(text):
        line = parse_line(chunk)
        if line.error is not None:
            problems.append(ctx.t(line.error.key, **localize_fields(line.error.fields, ctx.locale)))
            continue
        item, candidates = await catalog.pick(line.words)
        if item is not None:
            lines = _merge(lines, item.id, line.qty)
        elif not candidates:
            problems.append(ctx.t("stock.item_unknown", query=line.words[:40]))
        elif pending is None:
            pending = {"words": line.words[:40], "qty": line.qty, "ids": [c.id for c in candidates]}
        else:
            problems.append(ctx.t("stock.item_later", query=line.words[:40]))
    await ctx.update(lines=lines, pending=pending)
    if problems:
        await ctx.reply("\n".join(problems))


@router.step(FLOW, "items")
@stock_errors
async def got_items(ctx: Context) -> None:
    """Text adds items; buttons pick an item, clear the list, go on, or cancel."""
    choice = ctx.choice or ""
    data = ctx.conv.data
    if choice == "cancel":
        await ctx.finish()
        await ctx.reply(ctx.t("cancel.done"), edit=True)
    elif choice.startswith("i") and choice[1:].isdigit() and data.get("pending"):
        pending = data["pending"]
        if int(choice[1:]) in pending["ids"]:
            lines = _merge([list(x) for x in data.get("lines", [])], int(choice[1:]),
                           pending["qty"])
            await ctx.update(lines=lines, pending=None)
        await ask_items(ctx)
    elif choice == "clear":
        await ctx.update(lines=[], pending=None)
        await ask_items(ctx)
    elif choice == "done" and data.get("lines"):
        await _to_store(ctx)
    elif ctx.incoming.text and not choice:
        await _add_lines(ctx, ctx.incoming.text)
        await ask_items(ctx)
    else:
        await ctx.say("stock.use_text_or_buttons")
        await ask_items(ctx)


async def _to_store(ctx: Context) -> None:
    assert ctx.person is not None
    item_ids = [i for i, _ in ctx.conv.data["lines"]]
    stores = await ctx.services.stock.catalog.stores_for(ctx.person, item_ids)
    if not stores:
        await ctx.finish()
        await ctx.say("stock.no_stores")
        return
    if len(stores) == 1:
        await ctx.goto("purpose", store_id=stores[0].id, stores=[stores[0].id])
    else:
        await ctx.goto("store", stores=[s.id for s in stores])
    await ctx.reprompt()


@router.prompt(FLOW, "store")
async def ask_store(ctx: Context) -> None:
    """Ask which store to collect from (the person's own store first)."""
    catalog = ctx.services.stock.catalog
    stores = [await catalog.get_warehouse(i) for i in ctx.conv.data["stores"]]
    buttons = [ctx.choose(s.display(ctx.locale), f"s{s.id}") for s in stores]
    await ctx.say("stock.req_ask_store", [*rows(buttons, 2), [ctx.cancel_button()]])


@router.step(FLOW, "store")
async def got_store(ctx: Context) -> None:
    """Take the store from its button."""
    choice = ctx.choice or ""
    if choice == "cancel":
        await ctx.finish()
        await ctx.reply(ctx.t("cancel.done"), edit=True)
        return
    if choice.startswith("s") and choice[1:].isdigit() and int(choice[1:]) in ctx.conv.data[
        "stores"
    ]:
        await ctx.goto("purpose", store_id=int(choice[1:]))
        await ctx.reprompt()
        return
    await ctx.say("stock.use_buttons")
    await ask_store(ctx)


@router.prompt(FLOW, "purpose")
async def ask_purpose(ctx: Context) -> None:
    """Ask what the materials are for (a repair ticket number may be given)."""
    await ctx.say("stock.req_ask_purpose", [[ctx.cancel_button()]])


@router.step(FLOW, "purpose")
@stock_errors
async def got_purpose(ctx: Context) -> None:
    """Take the purpose; a repair ticket number in it links the requisition to the ticket."""
    if await ctx.cancelled():
        return
    text = " ".join((ctx.incoming.text or "").split())
    if not text or len(text) > 300:
        await ctx.say("stock.purpose_bad", limit=300)
        await ask_purpose(ctx)
        return
    found = TICKET_NUMBER.search(text)
    if found:
        await ctx.services.repairs.get(found.group(0))  # NotFound: re-asked with the reason
    await ctx.goto("confirm", purpose=text, ticket=found.group(0).upper() if found else None)
    await ctx.reprompt()


@router.prompt(FLOW, "confirm")
async def show_confirm(ctx: Context) -> None:
    """The requisition card to confirm."""
    store = await ctx.services.stock.catalog.get_warehouse(ctx.conv.data["store_id"])
    buttons = [[ctx.choose(ctx.t("stock.btn_submit"), "submit"),
                ctx.cancel_button()]]
    await ctx.say("stock.req_confirm", buttons, store=store.display(ctx.locale),
                  lines=await _draft_lines(ctx), purpose=ctx.conv.data["purpose"])


@router.step(FLOW, "confirm")
@stock_errors
async def confirm(ctx: Context) -> None:
    """Submit (the store's keepers get Approve / Approve partly / Reject) or cancel."""
    assert ctx.person is not None
    data = ctx.conv.data
    if await ctx.cancelled():
        return
    if ctx.choice != "submit":
        await ctx.say("stock.use_buttons")
        await show_confirm(ctx)
        return
    requisitions = ctx.services.stock.requisitions
    req = await requisitions.create(
        ctx.person, data["store_id"], [(i, q) for i, q in data["lines"]], data["purpose"],
        data.get("ticket"),
    )
    await ctx.finish()
    view = await requisitions.view(req.id, ctx.person)
    buttons = [[ctx.button(ctx.t("stock.btn_withdraw"), RequisitionTap("w", req.id))]]
    await ctx.reply(ctx.t("stock.req_submitted", number=req.id,
                          store=view.requisition.warehouse.display(ctx.locale)), buttons, edit=True)
    await push_to_keepers(ctx, view, "stock.req_new")
