"""Dorm requests: rejecting with a reason (a quick reason in one tap, or typed); the student
reads it."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.errors import InvalidState, ServiceError
from bot.core.router import Router
from bot.services.dorm_requests import MAX_REASON
from handlers.dorm_requests.views import card, fields

router = Router()
FLOW = "drqrej"
QUICK_REASONS = ("q1", "q2", "q3", "q4")


async def start_reject(ctx: Context, number: int) -> None:
    """The Reject button: a pending request of the admin's building, then ask why."""
    assert ctx.person is not None
    view = await ctx.services.dorm_requests.managed(ctx.person, number)
    if view.request.state != "pending":
        await ctx.services.dorm_requests.refuse_decided(number)
    await ctx.begin(FLOW, "reason", number=number, kind=view.request.kind)
    await ask_reason(ctx)


@router.prompt(FLOW, "reason")
async def ask_reason(ctx: Context) -> None:
    """Why: quick reasons for this kind, or typed."""
    kind = ctx.conv.data["kind"]
    buttons = [[ctx.choose(ctx.t(f"dorm_requests.quick_{kind}_{q}"), q)] for q in QUICK_REASONS]
    view = await ctx.services.dorm_requests.view(ctx.conv.data["number"])
    await ctx.say("dorm_requests.ask_reject_reason", [*buttons, [ctx.cancel_button()]],
                  **fields(ctx, view))


@router.step(FLOW, "reason")
async def got_reason(ctx: Context) -> None:
    """Reject with the chosen or typed reason and tell the student."""
    assert ctx.person is not None
    if await ctx.cancelled():
        return
    data, service = ctx.conv.data, ctx.services.dorm_requests
    if ctx.choice in QUICK_REASONS:
        reason = ctx.t(f"dorm_requests.quick_{data['kind']}_{ctx.choice}")
    else:
        reason = " ".join((ctx.incoming.text or "").split())
    if not reason or len(reason) > MAX_REASON:
        await ctx.say("dorm_requests.decision_reason_bad", limit=MAX_REASON)
        await ask_reason(ctx)
        return
    try:
        view = await service.reject(ctx.person, data["number"], reason)
    except (InvalidState, ServiceError):  # decided by someone else meanwhile: the flow is over
        await ctx.finish()
        raise
    await ctx.finish()
    await ctx.reply(card(ctx, view), edit=ctx.choice in QUICK_REASONS)
    await service.tell_student(view, "dorm_requests.student_rejected")
