"""Answering and following alerts: the Received / I'm safe / I need help buttons, /alerts with
live counts, the not-answered list and the all-clear."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.router import Router
from bot.services.alerts import (
    ANSWERS,
    MAX_DETAILS,
    AlertTap,
    alert_text,
    all_clear_text,
    pending_text,
    title,
)
from handlers.alerts.views import status_card
from handlers.render import local_time

router = Router()
SENDERS = ("manager",)
CLEAR_FLOW = "alert_clear"
HELP_FLOW = "alert_help"


@router.command("alerts", roles=SENDERS, in_flow=True, help_key="alerts.cmd_alerts", order=31)
async def alerts_command(ctx: Context) -> None:
    """Open alerts (and the last closed ones) with their counts."""
    assert ctx.person is not None
    alerts = await ctx.services.alerts.list_alerts(ctx.person)
    if not alerts:
        await ctx.say("alerts.list_none")
        await ctx.reprompt()
        return
    lines = [ctx.t("alerts.list_title")]
    buttons = []
    for alert in alerts:
        counts = await ctx.services.alerts.counts(alert)
        name = title(ctx.translator, ctx.locale, alert.template)
        lines.append(
            ctx.t(
                "alerts.list_line",
                number=alert.id,
                title=name,
                status=ctx.t(f"alerts.status_{alert.status}"),
                acknowledged=counts.acknowledged,
                recipients=counts.recipients,
                help=counts.help,
            )
        )
        buttons.append([ctx.button(f"#{alert.id} {name}", AlertTap("v", alert.id))])
    await ctx.reply("\n".join(lines), buttons[:10])
    await ctx.reprompt()


@router.action(AlertTap.prefix)
async def alert_action(ctx: Context) -> None:
    """al:ok|safe|help:N (a recipient answers), al:v|nl|ac:N (a manager views, lists, closes)."""
    tap = AlertTap.parse(ctx.action_args)
    verb, alert_id = tap.verb, tap.alert_id
    if verb in ANSWERS:
        await _answer(ctx, alert_id, ANSWERS[verb])
    elif verb == "v":
        assert ctx.person is not None
        alert = await ctx.services.alerts.get(alert_id, ctx.person)
        text, buttons = await status_card(ctx, alert)
        await ctx.reply(text, buttons, edit=True)
    elif verb == "nl":
        assert ctx.person is not None
        alert = await ctx.services.alerts.get(alert_id, ctx.person)
        groups = await ctx.services.alerts.pending_by_place(alert_id, ctx.person)
        locale = ctx.person.locale
        labels = await ctx.services.alerts.place_labels(groups, locale)
        await ctx.reply(pending_text(ctx.translator, locale, alert, groups, labels))
    elif verb == "ac":
        await _start_clear(ctx, alert_id)
    else:
        await ctx.say("errors.unknown_button")


async def _answer(ctx: Context, alert_id: int, answer: str) -> None:
    """Record the answer, show it on the alert message; for help, offer to say more."""
    assert ctx.person is not None
    alerts = ctx.services.alerts
    alert, rec, changed = await alerts.respond(alert_id, ctx.person, answer)
    if not changed:
        await ctx.say("alerts.already_answered")
        return
    when = local_time(ctx, rec.responded_at) if rec.responded_at else ""
    text = alert_text(ctx.translator, ctx.locale, alert)
    text += "\n\n" + ctx.t(f"alerts.ack_{rec.status}", when=when)
    buttons = []
    if alert.evacuation and rec.status == "safe":
        buttons = [[ctx.button(ctx.t("alerts.btn_help"), AlertTap("help", alert.id))]]
    elif alert.evacuation and rec.status == "help":
        buttons = [[ctx.button(ctx.t("alerts.btn_safe"), AlertTap("safe", alert.id))]]
    await ctx.reply(text, buttons, edit=True)
    if rec.status != "help":
        return
    place = await alerts.audience.place_label(rec.place, ctx.locale)
    await ctx.say("alerts.help_sent", place=place or ctx.t("alerts.place_unknown"))
    if not ctx.conv.active:
        await ctx.begin(HELP_FLOW, "where", alert=alert.id)
        await ask_help_note(ctx)


@router.prompt(HELP_FLOW, "where")
async def ask_help_note(ctx: Context) -> None:
    """Ask the person in need where exactly they are."""
    await ctx.say("alerts.ask_help_note", [[ctx.choose(ctx.t("alerts.btn_skip"), "skip")]])


@router.step(HELP_FLOW, "where")
async def got_help_note(ctx: Context) -> None:
    """Forward the text to the managers."""
    assert ctx.person is not None
    if ctx.choice == "skip":
        await ctx.finish()
        await ctx.reply(ctx.t("alerts.help_note_skipped"), edit=True)
        return
    text = (ctx.incoming.text or "").strip()
    if ctx.choice or not text:
        await ask_help_note(ctx)
        return
    alert_id = ctx.conv.data["alert"]
    await ctx.finish()
    await ctx.services.alerts.help_note(alert_id, ctx.person, text)
    await ctx.say("alerts.help_note_sent")


async def _start_clear(ctx: Context, alert_id: int) -> None:
    assert ctx.person is not None
    alert = await ctx.services.alerts.get(alert_id, ctx.person)
    if alert.status != "open":
        await ctx.say("alerts.already_closed", number=alert.id)
        return
    if ctx.conv.active:
        await ctx.say("errors.finish_first")
        await ctx.reprompt()
        return
    await ctx.begin(CLEAR_FLOW, "text", alert=alert.id)
    await ask_clear_text(ctx)


@router.prompt(CLEAR_FLOW, "text")
async def ask_clear_text(ctx: Context) -> None:
    """Ask for the all-clear text (or the standard one)."""
    buttons = [
        [
            ctx.choose(ctx.t("alerts.btn_standard"), "std"),
            ctx.cancel_button(),
        ]
    ]
    await ctx.say("alerts.ask_all_clear", buttons, number=ctx.conv.data["alert"])


@router.step(CLEAR_FLOW, "text")
async def got_clear_text(ctx: Context) -> None:
    """Take the text, then confirm."""
    if await ctx.cancelled():
        return
    text = "" if ctx.choice == "std" else (ctx.incoming.text or "").strip()
    if ctx.choice not in (None, "std") or (ctx.choice is None and not text):
        await ctx.say("alerts.use_buttons")
        await ask_clear_text(ctx)
        return
    if len(text) > MAX_DETAILS:
        await ctx.say("alerts.details_too_long", limit=MAX_DETAILS)
        return
    await ctx.goto("confirm", text=text)
    await ask_clear_confirm(ctx)


@router.prompt(CLEAR_FLOW, "confirm")
async def ask_clear_confirm(ctx: Context) -> None:
    """Show the all-clear as people will read it."""
    assert ctx.person is not None
    alert = await ctx.services.alerts.get(ctx.conv.data["alert"], ctx.person)
    counts = await ctx.services.alerts.counts(alert)
    alert.all_clear = ctx.conv.data["text"] or None  # preview only, not saved
    preview = all_clear_text(ctx.translator, ctx.locale, alert)
    buttons = [
        [
            ctx.choose(ctx.t("alerts.btn_confirm_clear"), "yes"),
            ctx.cancel_button(),
        ]
    ]
    await ctx.say(
        "alerts.confirm_all_clear", buttons, number=alert.id, people=counts.recipients, text=preview
    )


@router.step(CLEAR_FLOW, "confirm")
async def got_clear_confirm(ctx: Context) -> None:
    """Close the alert and send the all-clear."""
    assert ctx.person is not None
    if await ctx.cancelled():
        return
    if ctx.choice != "yes":
        await ctx.say("alerts.use_buttons")
        await ask_clear_confirm(ctx)
        return
    data = ctx.conv.data
    await ctx.finish()
    alert, queued = await ctx.services.alerts.close(
        data["alert"], ctx.person, data["text"]
    )
    await ctx.reply(ctx.t("alerts.closed_done", number=alert.id, messages=queued), edit=True)
