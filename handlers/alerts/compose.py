"""/alert: a manager sends an emergency alert — template, details, audience, confirm."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.router import Router
from bot.services.alerts import MAX_DETAILS, Audience, body, title
from handlers.alerts.views import audience_label, view_button
from handlers.audience_picker import AudienceSteps
from handlers.render import rows
from models.alerts import ALERT_TEMPLATES, EVACUATION_TEMPLATES

router = Router()
FLOW = "alert"
SENDERS = ("manager",)


@router.command("alert", roles=SENDERS, help_key="alerts.cmd_alert", order=30)
async def alert_command(ctx: Context) -> None:
    """Start composing an alert."""
    ctx.services.alerts.require_sender(ctx.person)
    await ctx.begin(FLOW, "template")
    await ask_template(ctx)




@router.prompt(FLOW, "template")
async def ask_template(ctx: Context) -> None:
    """Offer the emergency-plan templates."""
    choices = [
        ctx.choose(
            ctx.t("alerts.btn_custom") if t == "custom" else title(ctx.translator, ctx.locale, t),
            t,
        )
        for t in ALERT_TEMPLATES
    ]
    await ctx.say("alerts.ask_template", [*rows(choices, 2), [ctx.cancel_button()]])


@router.step(FLOW, "template")
async def got_template(ctx: Context) -> None:
    """Take the template."""
    if await ctx.cancelled():
        return
    if ctx.choice not in ALERT_TEMPLATES:
        await ctx.say("alerts.use_buttons")
        await ask_template(ctx)
        return
    template = ctx.choice or ""
    await ctx.goto("details", template=template, evacuation=template in EVACUATION_TEMPLATES)
    await ask_details(ctx)


@router.prompt(FLOW, "details")
async def ask_details(ctx: Context) -> None:
    """Ask for the details (or the whole text of a custom notice)."""
    template = ctx.conv.data["template"]
    if template == "custom":
        await ctx.say("alerts.ask_text", [[ctx.cancel_button()]])
        return
    buttons = [[ctx.choose(ctx.t("alerts.btn_skip"), "skip"), *[ctx.cancel_button()]]]
    text = body(ctx.translator, ctx.locale, template, "")
    await ctx.say(
        "alerts.ask_details", buttons, title=title(ctx.translator, ctx.locale, template), body=text
    )


@router.step(FLOW, "details")
async def got_details(ctx: Context) -> None:
    """Take the details; Skip keeps the standard text only (a custom notice needs text)."""
    if await ctx.cancelled():
        return
    template = ctx.conv.data["template"]
    if ctx.choice == "skip" and template != "custom":
        text = ""
    else:
        text = "" if ctx.choice else (ctx.incoming.text or "").strip()
        if not text:
            await ctx.say(
                "alerts.custom_needs_text" if template == "custom" else "alerts.use_buttons"
            )
            await ask_details(ctx)
            return
    if len(text) > MAX_DETAILS:
        await ctx.say("alerts.details_too_long", limit=MAX_DETAILS)
        return
    await ctx.goto("audience", details=text)
    await AUDIENCE.ask(ctx)


@router.prompt(FLOW, "confirm")
async def ask_confirm(ctx: Context) -> None:
    """The confirm card: the message as recipients will read it, audience, evacuation."""
    data = ctx.conv.data
    t, loc = ctx.translator, ctx.locale
    ask = ctx.t("alerts.ask_evac" if data["evacuation"] else "alerts.ask_ack")
    preview = ctx.t(
        "alerts.message",
        number="…",
        title=title(t, loc, data["template"]),
        body=body(t, loc, data["template"], data["details"]),
        ask=ask,
    )
    label = await audience_label(ctx, Audience(data["kind"], data["value"]))
    toggle = "alerts.btn_evac_off" if data["evacuation"] else "alerts.btn_evac_on"
    buttons = [
        [ctx.choose(ctx.t("alerts.btn_send"), "send")],
        [ctx.choose(ctx.t(toggle), "evac")],
        [ctx.cancel_button()],
    ]
    await ctx.say(
        "alerts.confirm",
        buttons,
        preview=preview,
        audience=label,
        people=data["people"],
        reachable=data["reachable"],
        evacuation=ctx.t("alerts.evac_on" if data["evacuation"] else "alerts.evac_off"),
    )


@router.step(FLOW, "confirm")
async def got_confirm(ctx: Context) -> None:
    """Send, toggle the evacuation answers, or cancel."""
    assert ctx.person is not None
    if await ctx.cancelled():
        return
    data = ctx.conv.data
    if ctx.choice == "evac":
        await ctx.update(evacuation=not data["evacuation"])
        await ask_confirm(ctx)
        return
    if ctx.choice != "send":
        await ctx.say("alerts.use_buttons")
        await ask_confirm(ctx)
        return
    alert, queued = await ctx.services.alerts.raise_alert(
        ctx.person,
        data["template"],
        data["details"],
        Audience(data["kind"], data["value"]),
        evacuation=data["evacuation"],
    )
    await ctx.finish()
    await ctx.reply(
        ctx.t("alerts.sent", number=alert.id, people=alert.recipients_total, messages=queued),
        [[view_button(ctx, alert.id)]],
        edit=True,
    )


AUDIENCE = AudienceSteps(FLOW, lambda ctx: ctx.services.alerts, "confirm", ask_confirm,
                         "alerts.ask_audience", "alerts.use_buttons")
AUDIENCE.register(router)
