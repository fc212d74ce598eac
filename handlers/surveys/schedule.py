"""/survey, the end: when it goes out (now, tomorrow 09:00 or a typed time), then the confirm
card with the head count; confirming schedules it (or sends it at once)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.context import Context
from bot.core.errors import ServiceError
from bot.core.router import Router
from bot.services.alerts import Audience
from handlers.alerts.views import audience_label
from handlers.render import local_time
from handlers.surveys.views import FLOW, questions_text, view_button

router = Router()
CLOSE_AFTER = timedelta(days=7)


@router.prompt(FLOW, "when")
async def ask_when(ctx: Context) -> None:
    """Offer now or tomorrow 09:00; a typed date and time works too."""
    buttons = [
        [
            ctx.choose(ctx.t("survey.btn_now"), "now"),
            ctx.choose(ctx.t("survey.btn_tomorrow"), "tomorrow"),
        ],
        [ctx.cancel_button()],
    ]
    await ctx.say("survey.ask_when", buttons, timezone=ctx.services.settings.timezone)


@router.step(FLOW, "when")
async def got_when(ctx: Context) -> None:
    """Take the time (stored as UTC; "" means at once)."""
    if await ctx.cancelled():
        return
    surveys = ctx.services.surveys
    if ctx.choice == "now":
        send_at = ""
    elif ctx.choice == "tomorrow":
        send_at = surveys.tomorrow_morning().isoformat()
    elif ctx.choice is None and ctx.incoming.text:
        try:
            send_at = surveys.parse_when(ctx.incoming.text).isoformat()
        except ServiceError as err:
            await ctx.say(err.key, **err.fields)
            await ask_when(ctx)
            return
    else:
        await ctx.say("survey.use_buttons")
        await ask_when(ctx)
        return
    await ctx.goto("confirm", send_at=send_at, close_after=False)
    await ask_confirm(ctx)


def _send_at(data: dict) -> datetime | None:
    return datetime.fromisoformat(data["send_at"]) if data.get("send_at") else None


@router.prompt(FLOW, "confirm")
async def ask_confirm(ctx: Context) -> None:
    """The confirm card: title, questions, audience and head count, time, reminder, closing."""
    data = ctx.conv.data
    send_at = _send_at(data)
    when = local_time(ctx, send_at) if send_at else ctx.t("survey.when_now")
    closes = (
        ctx.t("survey.closes_after", days=CLOSE_AFTER.days)
        if data["close_after"]
        else ctx.t("survey.closes_never")
    )
    toggle = "survey.btn_keep_open" if data["close_after"] else "survey.btn_close_after"
    monthly = data.get("repeat") == "monthly"
    buttons = [
        [ctx.choose(ctx.t("survey.btn_schedule"), "go")],
        [ctx.choose(ctx.t(toggle, days=CLOSE_AFTER.days), "toggle")],
        [ctx.choose(ctx.t("survey.btn_once" if monthly else "survey.btn_monthly"), "repeat")],
        [ctx.cancel_button()],
    ]
    await ctx.say(
        "survey.confirm",
        buttons,
        title=data["title"],
        questions=questions_text(ctx, data["questions"]),
        audience=await audience_label(ctx, Audience(data["kind"], data["value"])),
        people=data["people"],
        reachable=data["reachable"],
        when=when,
        hours=f"{ctx.services.settings.survey_remind_hours:g}",
        closes=closes,
        repeat=ctx.t("survey.repeat_monthly" if monthly else "survey.repeat_none"),
    )


@router.step(FLOW, "confirm")
async def got_confirm(ctx: Context) -> None:
    """Schedule (a time already passed on a slow confirm means at once), or toggle closing."""
    if await ctx.cancelled():
        return
    data = ctx.conv.data
    if ctx.choice == "toggle":
        await ctx.update(close_after=not data["close_after"])
        await ask_confirm(ctx)
        return
    if ctx.choice == "repeat":
        await ctx.update(repeat="" if data.get("repeat") == "monthly" else "monthly")
        await ask_confirm(ctx)
        return
    if ctx.choice != "go":
        await ctx.say("survey.use_buttons")
        await ask_confirm(ctx)
        return
    now = datetime.now(UTC)
    send_at = max(_send_at(data) or now, now)
    surveys = ctx.services.surveys
    survey = await surveys.create(
        ctx.person,
        data["title"],
        [(kind, prompt) for kind, prompt in data["questions"]],
        Audience(data["kind"], data["value"]),
        send_at,
        closes_at=send_at + CLOSE_AFTER if data["close_after"] else None,
        repeat=data.get("repeat", ""),
        now=now,
    )
    await ctx.finish()
    if send_at <= now:
        await surveys.send_due(now)
        text = ctx.t("survey.sending", number=survey.id, people=data["people"])
    else:
        text = ctx.t("survey.scheduled", number=survey.id, when=local_time(ctx, send_at))
    await ctx.reply(text, [[view_button(ctx, survey.id)]], edit=True)
