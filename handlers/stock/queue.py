"""Requisitions after asking: /requisitions (one's own, or a storekeeper's queue) and the
requisition buttons (view, approve, approve partly, reject, collected, release, withdraw)."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.errors import PermissionDenied
from bot.core.router import Router
from bot.services.stock import STAFF_ROLES, RequisitionTap
from handlers.render import rows
from handlers.stock.decide import start_partial, start_reject
from handlers.stock.views import (
    after_approval,
    check_alerts,
    keeper_buttons,
    push_to_keepers,
    push_to_requester,
    req_card,
    req_status,
    stock_errors,
)

router = Router()


@router.command("requisitions", "reqs", roles=STAFF_ROLES, in_flow=True,
                help_key="stock.cmd_requisitions", order=32)
@stock_errors
async def list_requisitions(ctx: Context) -> None:
    """A storekeeper's queue (pending, then awaiting collection), or one's own requisitions."""
    assert ctx.person is not None
    requisitions = ctx.services.stock.requisitions
    keeper = ctx.person.has_role("storekeeper")
    found = await (requisitions.queue(ctx.person) if keeper else requisitions.mine(ctx.person))
    if not found:
        await ctx.say("stock.queue_empty" if keeper else "stock.mine_empty")
        await ctx.reprompt()
        return
    lines = [ctx.t("stock.queue_title" if keeper else "stock.mine_title")]
    for req in found:
        lines.append(ctx.t("stock.req_list_line", number=req.id,
                           status=req_status(ctx.translator, ctx.locale, req.status),
                           store=req.warehouse.display(ctx.locale),
                           requester=req.requester.name if keeper else "").rstrip())
    buttons = [ctx.button(f"#{req.id}", RequisitionTap("v", req.id)) for req in found[:12]]
    await ctx.reply("\n".join(lines), rows(buttons, 4))
    await ctx.reprompt()


@router.action("rq")
@stock_errors
async def req_action(ctx: Context) -> None:
    """Requisition buttons `rq:<verb>:<number>`: v view, a approve, p approve partly,
    r reject, c collected, x release (not collected), w withdraw (requester)."""
    assert ctx.person is not None
    tap = RequisitionTap.parse(ctx.action_args)
    verb, number = tap.verb, tap.number
    if number < 0 or verb not in ("v", "a", "p", "r", "c", "x", "w"):
        await ctx.say("errors.unknown_button")
        return
    requisitions = ctx.services.stock.requisitions
    if verb in ("p", "r"):
        await (start_partial(ctx, number) if verb == "p" else start_reject(ctx, number))
    elif verb == "v":
        await show_requisition(ctx, number)
    elif verb == "a":
        view = await requisitions.approve(number, ctx.person)
        await after_approval(ctx, view)
    elif verb == "c":
        view = await requisitions.collect(number, ctx.person)
        await ctx.reply(req_card(ctx, view), edit=True)
    else:
        view = await requisitions.cancel(number, ctx.person)
        await ctx.reply(req_card(ctx, view), edit=True)
        if view.requisition.requester_id == ctx.person.id:
            await push_to_keepers(ctx, view, "stock.req_withdrawn")
        else:
            await push_to_requester(ctx, view, "stock.req_released")
        await check_alerts(ctx, view)


async def _decides(ctx: Context, number: int) -> bool:
    """True when this storekeeper may decide on the requisition (their store, not their own,
    or they are a manager): only then are the decision buttons shown."""
    assert ctx.person is not None
    try:
        await ctx.services.stock.requisitions.check_decider(number, ctx.person)
    except PermissionDenied:
        return False
    return True


async def show_requisition(ctx: Context, number: int) -> None:
    """A requisition's card with the buttons this person may use."""
    assert ctx.person is not None
    view = await ctx.services.stock.requisitions.view(number, ctx.person)
    req = view.requisition
    buttons = []
    if ctx.person.has_role("storekeeper") and await _decides(ctx, number):
        buttons = keeper_buttons(ctx.translator, ctx.locale, view)
    if req.requester_id == ctx.person.id and req.status in ("pending", "approved"):
        buttons.append([ctx.button(ctx.t("stock.btn_withdraw"), RequisitionTap("w", req.id))])
    await ctx.reply(req_card(ctx, view), buttons, edit=bool(ctx.incoming.callback))
