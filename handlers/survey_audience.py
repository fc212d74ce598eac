"""/survey, the audience: everyone, a building/area or zone, a role, a dorm building's
residents or a list of people (the same audiences as emergency alerts)."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.router import Router
from bot.services.alerts_audience import Audience
from bot.services.errors import NotFound
from handlers.render import rows
from handlers.survey_render import FLOW
from handlers.survey_schedule import ask_when
from models.people import ROLES

router = Router()


@router.prompt(FLOW, "audience")
async def ask_audience(ctx: Context) -> None:
    """Offer the kinds of audience."""
    kinds = ["everyone", "place", "role"]
    if ctx.services.surveys.audience.dorms_available:
        kinds.append("dorm")
    kinds.append("people")
    choices = [ctx.choose(ctx.t(f"alerts.aud_btn_{k}"), k) for k in kinds]
    await ctx.say("survey.ask_audience", [*rows(choices, 2), [ctx.cancel_button()]])


@router.step(FLOW, "audience")
async def got_audience(ctx: Context) -> None:
    """Everyone goes straight on; the others ask which."""
    if await ctx.cancelled():
        return
    kind = ctx.choice or ""
    if kind == "everyone":
        await _chosen(ctx, Audience("everyone"))
    elif kind in ("place", "role", "dorm", "people"):
        await ctx.goto(f"aud_{kind}")
        await ctx.reprompt()
    else:
        await ctx.say("survey.use_buttons")
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
        audience = await ctx.services.surveys.audience.place_audience(query)
    except NotFound:
        near = await ctx.services.places.suggest(query)
        buttons = [ctx.choose(p.display(ctx.locale), p.code) for p in near]
        await ctx.say(
            "places.unknown", [*rows(buttons, 2), [ctx.cancel_button()]], query=query[:40]
        )
        return
    await _chosen(ctx, audience)


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
        await ctx.say("survey.use_buttons")
        await ask_role(ctx)
        return
    await _chosen(ctx, Audience("role", ctx.choice or ""))


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
    audience = Audience("dorm", place.code if place else query)
    await _chosen(ctx, await ctx.services.surveys.audience.validate(audience))


@router.prompt(FLOW, "aud_people")
async def ask_people(ctx: Context) -> None:
    """Ask for the list of people."""
    await ctx.say("alerts.ask_people", [[ctx.cancel_button()]])


@router.step(FLOW, "aud_people")
async def got_people(ctx: Context) -> None:
    """Resolve the list; entries that match nobody are named and left out."""
    if await ctx.cancelled():
        return
    audience, missing = await ctx.services.surveys.audience.parse_list(ctx.incoming.text or "")
    if missing:
        await ctx.say("alerts.list_missing", names="、".join(missing[:20]))
    if audience is None:
        await ask_people(ctx)
        return
    await _chosen(ctx, audience)


async def _chosen(ctx: Context, audience: Audience) -> None:
    """Count the audience; nobody reachable means choosing again, else on to the time."""
    preview = await ctx.services.surveys.preview(ctx.person, audience)
    if preview.people == 0 or preview.reachable == 0:
        await ctx.say("alerts.audience_empty")
        await ctx.goto("audience")
        await ask_audience(ctx)
        return
    await ctx.goto(
        "when",
        kind=preview.audience.kind,
        value=preview.audience.value,
        people=preview.people,
        reachable=preview.reachable,
    )
    await ask_when(ctx)
