"""Managers' digests (日报/周报/月报): `/digest` (yesterday), `/digest today`, `/digest week`
(last Monday–Sunday), `/digest month` (last calendar month), `/digest settings` (delivery time,
daily/weekly/monthly and sections, as buttons that work outside any flow)."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.router import Router
from bot.services.digest import DigestSettings, DigestTap, messages
from handlers.digest.views import settings_card

router = Router()
SETTINGS_WORDS = {"settings", "setting", "设置"}
SPAN_WORDS = {
    "today": {"today", "今天", "今日"},
    "day": {"yesterday", "day", "daily", "昨天", "昨日", "日报"},
    "week": {"week", "weekly", "lastweek", "周", "周报", "上周"},
    "month": {"month", "monthly", "lastmonth", "月", "月报", "上月"},
}


@router.command("digest", roles=("manager",), help_key="digest.cmd_digest", order=70)
async def digest_command(ctx: Context) -> None:
    """Send a digest, or show the settings."""
    word = (ctx.incoming.args[0].lower() if ctx.incoming.args else "yesterday")
    if word in SETTINGS_WORDS:
        await show_settings(ctx, await ctx.services.digest.settings(ctx.person))
        return
    which = next((k for k, words in SPAN_WORDS.items() if word in words), None)
    if which is None:
        await ctx.say("digest.usage")
        return
    report = await ctx.services.digest.for_manager(ctx.person, which=which)
    for reply in messages(report, ctx.translator, ctx.locale, which == "today"):
        await ctx.reply(reply.text, image=reply.image)


async def show_settings(ctx: Context, settings: DigestSettings, edit: bool = False) -> None:
    """The settings card (see handlers.digest.views.settings_card)."""
    text, rows = settings_card(ctx, settings)
    await ctx.reply(text, rows, edit=edit)


@router.action("dg")
async def digest_action(ctx: Context) -> None:
    """The settings buttons (DigestTap): t delivery time, p switch a digest on or off,
    s show or hide a section."""
    tap = DigestTap.parse(ctx.action_args)
    verb, value = tap.verb, tap.value
    service = ctx.services.digest
    if verb == "t":
        await show_settings(ctx, await service.set_time(ctx.person, value), edit=True)
    elif verb == "p":
        await show_settings(ctx, await service.toggle_period(ctx.person, value), edit=True)
    elif verb == "s":
        await show_settings(ctx, await service.toggle_section(ctx.person, value), edit=True)
    else:
        await ctx.say("errors.unknown_button")
