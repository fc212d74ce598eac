"""/verify: a new student links this chat to their dorm roster entry with student id + name."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.errors import ServiceError
from bot.core.router import Router
from handlers.dorms.views import my_card

router = Router()
FLOW = "dormverify"


@router.command("verify", public=True, in_flow=True, help_key="dorm.cmd_verify", order=70)
async def verify(ctx: Context) -> None:
    """`/verify` asks step by step; `/verify STUDENT_ID NAME` does it at once."""
    if ctx.conv.active and ctx.conv.flow not in ("register", FLOW):
        await ctx.say("errors.finish_first")
        await ctx.reprompt()
        return
    await ctx.services.dorm_verify.check_can_verify(ctx.person)
    args = ctx.incoming.args
    if len(args) >= 2:
        await ctx.begin(FLOW, "name", student_id=args[0][:64])
        await _verify(ctx, " ".join(args[1:]))
        return
    await ctx.begin(FLOW, "sid")
    await ask_sid(ctx)


@router.prompt(FLOW, "sid")
async def ask_sid(ctx: Context) -> None:
    """Ask for the student id."""
    await ctx.say("dorm.ask_student_id")


@router.step(FLOW, "sid")
async def got_sid(ctx: Context) -> None:
    """Take the student id (one word of letters and digits)."""
    text = (ctx.incoming.text or "").strip()
    if not text or len(text) > 64 or len(text.split()) != 1:
        await ctx.say("dorm.bad_student_id")
        await ask_sid(ctx)
        return
    await ctx.goto("name", student_id=text)
    await ask_name(ctx)


@router.prompt(FLOW, "name")
async def ask_name(ctx: Context) -> None:
    """Ask for the name as on the roster."""
    await ctx.say("dorm.ask_student_name")


@router.step(FLOW, "name")
async def got_name(ctx: Context) -> None:
    """Take the name and try the pair."""
    text = " ".join((ctx.incoming.text or "").split())
    if not 1 <= len(text) <= 100:
        await ctx.say("dorm.ask_student_name")
        return
    await _verify(ctx, text)


async def _verify(ctx: Context, name: str) -> None:
    inc = ctx.incoming
    dorms = ctx.services.dorms
    try:
        person = await ctx.services.dorm_verify.verify_student(
            inc.platform,
            inc.user_id,
            inc.chat_id,
            ctx.conv.data["student_id"],
            name,
            current=ctx.person,
            locale=ctx.locale,
        )
    except ServiceError as err:
        await ctx.reply(ctx.t(err.key, **err.fields))
        if err.key == "dorm.verify_mismatch":
            await ctx.goto("sid")
            await ask_sid(ctx)
        else:
            await ctx.finish()
        return
    await ctx.finish()
    ctx.person, ctx.locale = person, person.locale or ctx.locale
    await ctx.say("dorm.verify_ok", name=person.name)
    for stay in await dorms.stays_of(person):
        if not await dorms.push_notice(stay.id):  # announced before: show it
            text, buttons = my_card(ctx, stay)
            await ctx.reply(text, buttons)
