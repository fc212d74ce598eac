"""Dorm check-in for students: /mydorm, the notice's buttons, and "I can't come in the window"."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.core.context import Context
from bot.core.errors import ServiceError
from bot.core.router import Router
from bot.services.dorm_requests import parse_date
from bot.services.dorms import MAX_REASON, UNCONFIRMED, DormStudentAction
from handlers.dorms.checklist import begin_checklist
from handlers.dorms.views import my_card
from handlers.render import rows

router = Router()
DEFER_FLOW = "dormdefer"


@router.command("mydorm", "sushe", in_flow=True, help_key="dorm.cmd_mydorm", order=15)
async def my_dorm(ctx: Context) -> None:
    """The student's dorm assignment(s) with what they can do next."""
    assert ctx.person is not None
    stays = await ctx.services.dorms.stays_of(ctx.person)
    if not stays:
        await ctx.say("dorm.no_assignment")
    for stay in stays:
        text, buttons = my_card(ctx, stay)
        await ctx.reply(text, buttons)
    await ctx.reprompt()


@router.action("dm")
async def student_action(ctx: Context) -> None:
    """Notice buttons: c = confirm check-in (starts the checklist), d = can't come in the window."""
    assert ctx.person is not None
    tap = DormStudentAction.parse(ctx.action_args)
    if tap.verb not in ("c", "d"):
        await ctx.say("errors.unknown_button")
        return
    if ctx.conv.active:
        await ctx.say("errors.finish_first")
        await ctx.reprompt()
        return
    dorms = ctx.services.dorms
    if tap.verb == "c":
        stay = await dorms.start_checkin(ctx.person, tap.assignment_id)
        await begin_checklist(ctx, stay, "checkin")
        return
    stay = await dorms.own_stay(ctx.person, tap.assignment_id)
    if stay.assignment.status not in UNCONFIRMED:
        await ctx.say(
            "dorm.already_checked_in"
            if stay.assignment.status == "checked_in"
            else "dorm.not_active"
        )
        return
    await ctx.begin(DEFER_FLOW, "reason", aid=stay.id)
    await ask_reason(ctx)




@router.prompt(DEFER_FLOW, "reason")
async def ask_reason(ctx: Context) -> None:
    """Ask why the student cannot come in the window."""
    await ctx.say("dorm.ask_reason", [[ctx.cancel_button()]])


@router.step(DEFER_FLOW, "reason")
async def got_reason(ctx: Context) -> None:
    """Take the reason (a few words)."""
    if await ctx.cancelled():
        return
    text = " ".join((ctx.incoming.text or "").split())
    if not text:
        await ctx.say("dorm.need_reason")
        await ask_reason(ctx)
        return
    if len(text) > MAX_REASON:
        await ctx.say("dorm.reason_too_long", limit=MAX_REASON)
        await ask_reason(ctx)
        return
    await ctx.goto("date", reason=text)
    await ask_date(ctx)


def _today(ctx: Context) -> date:
    return ctx.services.dorms.local_date(datetime.now(UTC))


@router.prompt(DEFER_FLOW, "date")
async def ask_date(ctx: Context) -> None:
    """Ask the new arrival date: a button for each of the next days, or typed."""
    today = _today(ctx)
    days = [today + timedelta(days=n) for n in range(1, 7)]
    buttons = [ctx.choose(d.strftime("%m-%d"), d.isoformat()) for d in days]
    await ctx.say("dorm.ask_date", [*rows(buttons, 3), [ctx.cancel_button()]])


@router.step(DEFER_FLOW, "date")
async def got_date(ctx: Context) -> None:
    """Take the date, record the deferral and tell the building's dorm admins."""
    assert ctx.person is not None
    if await ctx.cancelled():
        return
    day = parse_date(ctx.choice or ctx.incoming.text or "", _today(ctx), after_today=True)
    if day is None:
        await ctx.say("dorm.bad_date_format")
        await ask_date(ctx)
        return
    dorms = ctx.services.dorms
    try:
        dorms.check_new_date(day, datetime.now(UTC))
    except ServiceError as err:
        await ctx.reply(ctx.t(err.key, **err.fields))
        await ask_date(ctx)
        return
    stay = await dorms.defer(ctx.person, ctx.conv.data["aid"], ctx.conv.data["reason"], day)
    await ctx.finish()
    await ctx.reply(ctx.t("dorm.deferred_ok", date=day.strftime("%m-%d")), edit=True)
    await dorms.tell_admins(stay, "dorm.admin_deferred")
