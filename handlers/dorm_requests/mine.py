"""Dorm requests, the student's list: /myrequests, a request's card, Withdraw."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.router import Router
from bot.services.dorm_requests import RequestStudentAction
from handlers.dorm_requests.views import card, list_line, student_buttons

router = Router()


@router.command("myrequests", "wodeshenqing", in_flow=True,
                help_key="dorm_requests.cmd_myrequests", order=17)
async def my_requests(ctx: Context) -> None:
    """The student's latest requests with their state; pending ones can be withdrawn."""
    assert ctx.person is not None
    service = ctx.services.dorm_requests
    views = await service.views(await service.mine(ctx.person))
    if not views:
        await ctx.say("dorm_requests.mine_none")
    else:
        lines = [ctx.t("dorm_requests.mine_title")] + [list_line(ctx, v) for v in views]
        buttons = [row for v in views for row in student_buttons(ctx, v)]
        await ctx.reply("\n".join(lines), buttons)
    await ctx.reprompt()


@router.action("drs")
async def student_action(ctx: Context) -> None:
    """v = an own request's card, w = withdraw an own pending request."""
    assert ctx.person is not None
    tap = RequestStudentAction.parse(ctx.action_args)
    if tap.verb not in ("v", "w"):
        await ctx.say("errors.unknown_button")
        return
    service, number = ctx.services.dorm_requests, tap.number
    if tap.verb == "w":
        await service.withdraw(ctx.person, number)
        await ctx.reply(ctx.t("dorm_requests.withdrawn", number=number), edit=True)
        return
    view = await service.own(ctx.person, number)
    await ctx.reply(card(ctx, view), student_buttons(ctx, view))
