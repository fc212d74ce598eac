"""Requisitions, the storekeeper's side: approve partly (a quantity per item, then confirm)
and reject with a reason the requester will read."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.errors import InvalidState
from bot.core.router import Router
from bot.services.stock import parse_count
from handlers.stock.views import after_approval, push_to_requester, req_card, stock_errors

router = Router()
PARTIAL = "rqp"
REJECT = "rqr"


async def _can_start(ctx: Context, number: int) -> bool:
    """A decision flow starts only outside another flow and on a pending requisition."""
    assert ctx.person is not None
    if ctx.conv.active:
        await ctx.say("errors.finish_first")
        await ctx.reprompt()
        return False
    view = await ctx.services.stock.requisitions.view(number, ctx.person)
    if not ctx.person.has_role("storekeeper"):
        await ctx.say("errors.not_allowed")
        return False
    await ctx.services.stock.requisitions.check_decider(number, ctx.person)
    if view.requisition.status != "pending":
        raise InvalidState("stock.req_decided", number=number)
    return True


async def start_partial(ctx: Context, number: int) -> None:
    """The "Approve partly" button: ask for each item's quantity in turn."""
    if await _can_start(ctx, number):
        await ctx.begin(PARTIAL, "qty", req=number, idx=0, qty={})
        await ask_qty(ctx)


@router.prompt(PARTIAL, "qty")
async def ask_qty(ctx: Context) -> None:
    """How many of this item to approve: buttons for all asked, all available, none."""
    assert ctx.person is not None
    data = ctx.conv.data
    view = await ctx.services.stock.requisitions.view(data["req"], ctx.person)
    line = view.lines[data["idx"]]
    level = view.levels.get(line.item_id)
    available = level.available if level else 0
    offers = [line.qty_requested] if line.qty_requested <= available else []
    if 0 < available < line.qty_requested:
        offers.append(available)
    buttons = [ctx.choose(str(q), f"q{q}") for q in offers]
    buttons.append(ctx.choose(ctx.t("stock.btn_none"), "q0"))
    await ctx.say(
        "stock.partial_ask",
        [buttons, [ctx.cancel_button()]],
        number=data["req"], n=data["idx"] + 1, total=len(view.lines),
        item=line.item.display(ctx.locale), unit=line.item.unit(ctx.locale),
        requested=line.qty_requested, available=available,
    )


@router.step(PARTIAL, "qty")
@stock_errors
async def got_qty(ctx: Context) -> None:
    """Take one item's quantity (button or typed whole number, at most what was asked)."""
    assert ctx.person is not None
    data = ctx.conv.data
    if await ctx.cancelled():
        return
    raw = ctx.choice[1:] if ctx.choice and ctx.choice.startswith("q") else ctx.incoming.text
    if not raw:
        await ctx.say("stock.use_text_or_buttons")
        await ask_qty(ctx)
        return
    qty = parse_count(raw)
    view = await ctx.services.stock.requisitions.view(data["req"], ctx.person)
    line = view.lines[data["idx"]]
    if qty > line.qty_requested:
        await ctx.say("stock.approve_over_request", requested=line.qty_requested, qty=qty)
        await ask_qty(ctx)
        return
    chosen = {**data["qty"], str(line.id): qty}
    if data["idx"] + 1 < len(view.lines):
        await ctx.goto("qty", idx=data["idx"] + 1, qty=chosen)
    else:
        await ctx.goto("confirm", qty=chosen)
    await ctx.reprompt()


@router.prompt(PARTIAL, "confirm")
async def ask_confirm(ctx: Context) -> None:
    """The quantities to approve, to confirm."""
    assert ctx.person is not None
    data = ctx.conv.data
    view = await ctx.services.stock.requisitions.view(data["req"], ctx.person)
    lines = [
        ctx.t("stock.partial_line", item=line.item.display(ctx.locale),
              requested=line.qty_requested, qty=data["qty"].get(str(line.id), 0),
              unit=line.item.unit(ctx.locale))
        for line in view.lines
    ]
    buttons = [[ctx.choose(ctx.t("stock.btn_approve_these"), "ok"),
                ctx.cancel_button()]]
    await ctx.say("stock.partial_confirm", buttons, number=data["req"], lines="\n".join(lines))


@router.step(PARTIAL, "confirm")
@stock_errors
async def confirm_partial(ctx: Context) -> None:
    """Approve with the chosen quantities (all lines reserved at once, or none)."""
    assert ctx.person is not None
    data = ctx.conv.data
    if await ctx.cancelled():
        return
    if ctx.choice != "ok":
        await ctx.say("stock.use_buttons")
        await ask_confirm(ctx)
        return
    quantities = {int(k): v for k, v in data["qty"].items()}
    try:
        view = await ctx.services.stock.requisitions.approve(data["req"], ctx.person, quantities)
    except InvalidState:  # decided meanwhile, or not enough left: this flow is over
        await ctx.finish()
        raise
    await ctx.finish()
    await after_approval(ctx, view)


async def start_reject(ctx: Context, number: int) -> None:
    """The "Reject" button: ask for the reason."""
    if await _can_start(ctx, number):
        await ctx.begin(REJECT, "reason", req=number)
        await ask_reason(ctx)


@router.prompt(REJECT, "reason")
async def ask_reason(ctx: Context) -> None:
    """Ask why (the requester reads it)."""
    buttons = [[ctx.cancel_button()]]
    await ctx.say("stock.reject_ask", buttons, number=ctx.conv.data["req"])


@router.step(REJECT, "reason")
@stock_errors
async def got_reason(ctx: Context) -> None:
    """Reject with the typed reason and tell the requester."""
    assert ctx.person is not None
    if await ctx.cancelled():
        return
    reason = " ".join((ctx.incoming.text or "").split())
    if not reason or len(reason) > 300:
        await ctx.say("stock.reason_bad", limit=300)
        await ask_reason(ctx)
        return
    number = ctx.conv.data["req"]
    try:
        view = await ctx.services.stock.requisitions.reject(number, ctx.person, reason)
    except InvalidState:  # decided meanwhile: this flow is over
        await ctx.finish()
        raise
    await ctx.finish()
    await ctx.reply(req_card(ctx, view))
    await push_to_requester(ctx, view, "stock.req_rejected")
