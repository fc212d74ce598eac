"""/alert: a manager sends an emergency alert — template, details, audience, confirm."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.router import Router
from bot.services.alerts import MAX_DETAILS, Audience
from bot.services.alerts_render import body, title
from bot.services.errors import NotFound
from handlers.alerts_view import audience_label, view_button
from handlers.render import rows
from models.alerts import ALERT_TEMPLATES, EVACUATION_TEMPLATES
from models.people import ROLES

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
    await ask_audience(ctx)


@router.prompt(FLOW, "audience")
async def ask_audience(ctx: Context) -> None:
    """Offer the kinds of audience."""
    kinds = ["everyone", "place", "role"]
    if ctx.services.alerts.audience.dorms_available:
        kinds.append("dorm")
    kinds.append("people")
    choices = [ctx.choose(ctx.t(f"alerts.aud_btn_{k}"), k) for k in kinds]
    await ctx.say("alerts.ask_audience", [*rows(choices, 2), [ctx.cancel_button()]])


@router.step(FLOW, "audience")
async def got_audience(ctx: Context) -> None:
    """Everyone goes straight to the confirm card; the others ask which."""
    if await ctx.cancelled():
        return
    kind = ctx.choice or ""
    if kind == "everyone":
        await _to_confirm(ctx, Audience("everyone"))
    elif kind == "role":
        await ctx.goto("aud_role")
        await ask_role(ctx)
    elif kind in ("place", "dorm", "people"):
        await ctx.goto(f"aud_{kind}")
        await ctx.reprompt()
    else:
        await ctx.say("alerts.use_buttons")
        await ask_audience(ctx)


@router.prompt(FLOW, "aud_place")
async def ask_place(ctx: Context) -> None:
    """Ask which building, area or zone."""
    await ctx.say("alerts.ask_place", [[ctx.cancel_button()]])


@router.step(FLOW, "aud_place")
async def got_place(ctx: Context) -> None:
    """Resolve the building/area (close matches offered as buttons)."""
    if await ctx.cancelled():
        return
    query = (ctx.choice or ctx.incoming.text or "").strip()
    try:
        audience = await ctx.services.alerts.audience.place_audience(query)
    except NotFound:
        near = await ctx.services.places.suggest(query)
        buttons = [ctx.choose(p.display(ctx.locale), p.code) for p in near]
        cancel = [ctx.cancel_button()]
        await ctx.say("places.unknown", [*rows(buttons, 2), cancel], query=query[:40])
        return
    await _to_confirm(ctx, audience)


@router.prompt(FLOW, "aud_role")
async def ask_role(ctx: Context) -> None:
    """Offer the roles."""
    choices = [ctx.choose(ctx.t(f"role.{r}"), r) for r in ROLES]
    await ctx.say("alerts.ask_role", [*rows(choices, 3), [ctx.cancel_button()]])


@router.step(FLOW, "aud_role")
async def got_role(ctx: Context) -> None:
    """Take the role."""
    if await ctx.cancelled():
        return
    if ctx.choice not in ROLES:
        await ctx.say("alerts.use_buttons")
        await ask_role(ctx)
        return
    await _to_confirm(ctx, Audience("role", ctx.choice or ""))


@router.prompt(FLOW, "aud_dorm")
async def ask_dorm(ctx: Context) -> None:
    """Ask which dorm building (buildings offered as buttons)."""
    top = await ctx.services.places.children(None)
    buildings = [p for p in top if p.kind == "building"][:12]
    choices = [ctx.choose(b.display(ctx.locale), b.code) for b in buildings]
    await ctx.say("alerts.ask_dorm", [*rows(choices, 3), [ctx.cancel_button()]])


@router.step(FLOW, "aud_dorm")
async def got_dorm(ctx: Context) -> None:
    """Take the dorm building."""
    if await ctx.cancelled():
        return
    query = (ctx.choice or ctx.incoming.text or "").strip()
    place = await ctx.services.places.find(query) if query else None
    code = place.code if place else query
    await _to_confirm(ctx, await ctx.services.alerts.audience.validate(Audience("dorm", code)))


@router.prompt(FLOW, "aud_people")
async def ask_people(ctx: Context) -> None:
    """Ask for the list of people."""
    await ctx.say("alerts.ask_people", [[ctx.cancel_button()]])


@router.step(FLOW, "aud_people")
async def got_people(ctx: Context) -> None:
    """Resolve the list; entries that match nobody are named and left out."""
    if await ctx.cancelled():
        return
    audience, missing = await ctx.services.alerts.audience.parse_list(ctx.incoming.text or "")
    if missing:
        await ctx.say("alerts.list_missing", names="、".join(missing[:20]))
    if audience is None:
        await ask_people(ctx)
        return
    await _to_confirm(ctx, audience)


async def _to_confirm(ctx: Context, audience: Audience) -> None:
    assert ctx.person is not None
    preview = await ctx.services.alerts.preview(ctx.person, audience)
    if preview.people == 0 or preview.reachable == 0:
        await ctx.say("alerts.audience_empty")
        await ctx.goto("audience")
        await ask_audience(ctx)
        return
    await ctx.goto(
        "confirm",
        kind=preview.audience.kind,
        value=preview.audience.value,
        people=preview.people,
        reachable=preview.reachable,
    )
    await ask_confirm(ctx)


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
        ctx.notifier,
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
