"""Storekeepers in chat: /receive (goods in) and /count (stocktake), each as
"what and how many" -> which item (if unclear) -> which store (if several) -> confirm."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.router import Router
from bot.services.stock import localize_fields, parse_line
from handlers.render import rows
from handlers.stock.views import stock_errors

router = Router()
FLOW = "stkm"




@router.command("receive", "ruku", roles=("storekeeper",), help_key="stock.cmd_receive",
                order=33)
@stock_errors
async def receive(ctx: Context) -> None:
    """Book goods in: `/receive 灯管 50`, or step by step."""
    await _start(ctx, "in")


@router.command("count", "pandian", roles=("storekeeper",), help_key="stock.cmd_count",
                order=34)
@stock_errors
async def count(ctx: Context) -> None:
    """Record a stocktake: `/count 灯管 37`, or step by step."""
    await _start(ctx, "count")


async def _start(ctx: Context, op: str) -> None:
    await ctx.begin(FLOW, "what", op=op)
    if ctx.incoming.args:
        await _take_what(ctx, " ".join(ctx.incoming.args))
    else:
        await ask_what(ctx)


@router.prompt(FLOW, "what")
async def ask_what(ctx: Context) -> None:
    """Ask for the item and quantity."""
    key = "stock.receive_ask" if ctx.conv.data["op"] == "in" else "stock.count_ask"
    await ctx.say(key, [[ctx.cancel_button()]])


@router.step(FLOW, "what")
@stock_errors
async def got_what(ctx: Context) -> None:
    """Take "灯管 50"."""
    if await ctx.cancelled():
        return
    if not ctx.incoming.text:
        await ctx.say("stock.use_text_or_buttons")
        await ask_what(ctx)
        return
    await _take_what(ctx, ctx.incoming.text)


async def _take_what(ctx: Context, text: str) -> None:
    line = parse_line(" ".join(text.split())[:80], allow_zero=ctx.conv.data["op"] == "count")
    if line.error is not None:
        await ctx.reply(ctx.t(line.error.key, **localize_fields(line.error.fields, ctx.locale)))
        await ask_what(ctx)
        return
    item, candidates = await ctx.services.stock.catalog.pick(line.words)
    if item is None and not candidates:
        await ctx.say("stock.item_unknown", query=line.words[:40])
        await ask_what(ctx)
        return
    if item is None:
        await ctx.goto("pick", qty=line.qty, ids=[c.id for c in candidates])
        await ask_pick(ctx)
        return
    await ctx.update(qty=line.qty, item_id=item.id)
    await _to_store(ctx)


@router.prompt(FLOW, "pick")
async def ask_pick(ctx: Context) -> None:
    """Which of the matching items."""
    items = await ctx.services.stock.catalog.items_by_id(ctx.conv.data["ids"])
    picks = [ctx.choose(f"{items[i].display(ctx.locale)} ({items[i].code})", f"i{i}")
             for i in ctx.conv.data["ids"] if i in items]
    await ctx.say("stock.which_item", [*rows(picks, 1), [ctx.cancel_button()]])


@router.step(FLOW, "pick")
@stock_errors
async def got_pick(ctx: Context) -> None:
    """Take the item from its button."""
    if await ctx.cancelled():
        return
    choice = ctx.choice or ""
    if choice.startswith("i") and choice[1:].isdigit() and int(choice[1:]) in ctx.conv.data["ids"]:
        await ctx.update(item_id=int(choice[1:]))
        await _to_store(ctx)
        return
    await ctx.say("stock.use_buttons")
    await ask_pick(ctx)


async def _to_store(ctx: Context) -> None:
    assert ctx.person is not None
    catalog = ctx.services.stock.catalog
    own = await catalog.own_stores(ctx.person)
    stores = own if len(own) == 1 else await catalog.warehouses()
    if not stores:
        await ctx.finish()
        await ctx.say("stock.no_stores")
        return
    if len(stores) == 1:
        await ctx.goto("confirm", store_id=stores[0].id)
    else:
        await ctx.goto("store", stores=[s.id for s in stores])
    await ctx.reprompt()


@router.prompt(FLOW, "store")
async def ask_store(ctx: Context) -> None:
    """Which store."""
    catalog = ctx.services.stock.catalog
    stores = [await catalog.get_warehouse(i) for i in ctx.conv.data["stores"]]
    buttons = [ctx.choose(s.display(ctx.locale), f"s{s.id}") for s in stores]
    await ctx.say("stock.which_store", [*rows(buttons, 2), [ctx.cancel_button()]])


@router.step(FLOW, "store")
async def got_store(ctx: Context) -> None:
    """Take the store from its button."""
    if await ctx.cancelled():
        return
    choice = ctx.choice or ""
    if choice.startswith("s") and choice[1:].isdigit() and int(choice[1:]) in ctx.conv.data[
        "stores"
    ]:
        await ctx.goto("confirm", store_id=int(choice[1:]))
        await ctx.reprompt()
        return
    await ctx.say("stock.use_buttons")
    await ask_store(ctx)


@router.prompt(FLOW, "confirm")
async def ask_confirm(ctx: Context) -> None:
    """What will be booked, against the current figures, to confirm."""
    data = ctx.conv.data
    stock = ctx.services.stock
    item = await stock.catalog.get_item(data["item_id"])
    store = await stock.catalog.get_warehouse(data["store_id"])
    level = await stock.catalog.level_of(item, store)
    on_hand = level.on_hand if level else 0
    fields = {"item": item.display(ctx.locale), "unit": item.unit(ctx.locale),
              "store": store.display(ctx.locale), "qty": data["qty"], "on_hand": on_hand}
    buttons = [[ctx.choose(ctx.t("stock.btn_confirm"), "ok"), *[ctx.cancel_button()]]]
    if data["op"] == "in":
        await ctx.say("stock.receive_confirm", buttons, after=on_hand + data["qty"], **fields)
    else:
        diff = data["qty"] - on_hand
        await ctx.say("stock.count_confirm", buttons, diff=f"{diff:+d}", **fields)


@router.step(FLOW, "confirm")
@stock_errors
async def confirm(ctx: Context) -> None:
    """Book it; the ledger row and the level change together."""
    assert ctx.person is not None
    if await ctx.cancelled():
        return
    if ctx.choice != "ok":
        await ctx.say("stock.use_buttons")
        await ask_confirm(ctx)
        return
    data = ctx.conv.data
    stock = ctx.services.stock
    item = await stock.catalog.get_item(data["item_id"])
    store = await stock.catalog.get_warehouse(data["store_id"])
    await ctx.finish()
    if data["op"] == "in":
        move = await stock.ledger.receive(ctx.person, item, store, data["qty"])
        key = "stock.received"
    else:
        move = await stock.ledger.count(ctx.person, item, store, data["qty"])
        key = "stock.counted"
    await ctx.reply(ctx.t(key, item=item.display(ctx.locale), unit=item.unit(ctx.locale),
                          store=store.display(ctx.locale), qty=abs(move.qty),
                          diff=f"{move.qty:+d}", on_hand=move.balance), edit=True)
    await stock.alerts.check([(item.id, store.id)])
