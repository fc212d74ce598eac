"""Dorm requests, the stay-out (外宿) steps: first night, day back, where, a phone number."""

from __future__ import annotations

from datetime import date, timedelta

from bot.core.context import Context
from bot.core.errors import ServiceError
from bot.core.router import Router
from bot.core.types import Button
from bot.services.dorm_requests import MAX_WHERE, check_from, check_span, clean_text, parse_date
from bot.services.people import normalize_phone
from handlers.dorm_requests.new import FLOW, retry, today_of
from handlers.dorm_requests.views import short_day
from handlers.render import rows

router = Router()


# --- stay out ----------------------------------------------------------------------------------


def _day_buttons(ctx: Context, first: date, count: int) -> list[list[Button]]:
    days = [first + timedelta(days=n) for n in range(count)]
    return rows([ctx.choose(short_day(d), f"d{d.isoformat()}") for d in days], 3)


@router.prompt(FLOW, "from")
async def ask_from(ctx: Context) -> None:
    """The first night away."""
    buttons = _day_buttons(ctx, today_of(ctx), 6)
    await ctx.say("dorm_requests.ask_from", [*buttons, [ctx.cancel_button()]])


def _typed_day(ctx: Context) -> date | None:
    if ctx.choice and ctx.choice.startswith("d"):
        return date.fromisoformat(ctx.choice[1:])
    return parse_date(ctx.incoming.text or "", today_of(ctx))


@router.step(FLOW, "from")
async def got_from(ctx: Context) -> None:
    """Take the first day (not in the past, at most 60 days ahead)."""
    if await ctx.cancelled():
        return
    day = _typed_day(ctx)
    if day is None:
        await ctx.say("dorm_requests.bad_date")
        await ask_from(ctx)
        return
    try:
        check_from(day, today_of(ctx))
    except ServiceError as err:
        await retry(ctx, err)
        return
    await ctx.goto("to", date_from=day.isoformat())
    await ctx.reprompt()


@router.prompt(FLOW, "to")
async def ask_to(ctx: Context) -> None:
    """The day the student is back."""
    first = date.fromisoformat(ctx.conv.data["date_from"])
    buttons = _day_buttons(ctx, first + timedelta(days=1), 6)
    await ctx.say("dorm_requests.ask_to", [*buttons, [ctx.cancel_button()]],
                  date_from=short_day(first))


@router.step(FLOW, "to")
async def got_to(ctx: Context) -> None:
    """Take the return day (not before the first day, at most 30 days later)."""
    if await ctx.cancelled():
        return
    day = _typed_day(ctx)
    if day is None:
        await ctx.say("dorm_requests.bad_date")
        await ask_to(ctx)
        return
    try:
        check_span(date.fromisoformat(ctx.conv.data["date_from"]), day, today_of(ctx))
    except ServiceError as err:
        await retry(ctx, err)
        return
    await ctx.goto("where", date_to=day.isoformat())
    await ctx.reprompt()


@router.prompt(FLOW, "where")
async def ask_where(ctx: Context) -> None:
    """Where the student will stay."""
    await ctx.say("dorm_requests.ask_where", [[ctx.cancel_button()]])


@router.step(FLOW, "where")
async def got_where(ctx: Context) -> None:
    """Take the address (a few words)."""
    if await ctx.cancelled():
        return
    try:
        where = clean_text(ctx.incoming.text, MAX_WHERE, "dorm_requests.need_where")
    except ServiceError as err:
        await retry(ctx, err)
        return
    await ctx.goto("contact", where=where)
    await ctx.reprompt()


@router.prompt(FLOW, "contact")
async def ask_contact(ctx: Context) -> None:
    """A phone number to reach the student while away (their own one by button)."""
    assert ctx.person is not None
    buttons = []
    if ctx.person.phone:
        label = ctx.t("dorm_requests.btn_my_phone", phone=ctx.person.phone)
        buttons.append([ctx.choose(label, "mine")])
    await ctx.say("dorm_requests.ask_contact", [*buttons, [ctx.cancel_button()]])


@router.step(FLOW, "contact")
async def got_contact(ctx: Context) -> None:
    """Take the phone number."""
    assert ctx.person is not None
    if await ctx.cancelled():
        return
    raw = ctx.person.phone if ctx.choice == "mine" else ctx.incoming.text
    phone = normalize_phone(raw or "")
    if phone is None:
        await ctx.say("dorm_requests.bad_phone")
        await ask_contact(ctx)
        return
    await ctx.goto("confirm", contact=phone)
    await ctx.reprompt()
