"""Managers' daily digest (日报): `/digest` (yesterday), `/digest today`, `/digest settings`
(delivery time and sections, as buttons that work outside any flow)."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.router import Router
from bot.core.types import Button
from bot.services.digest import SECTIONS
from bot.services.digest_service import TIMES, DigestSettings
from bot.services.digest_text import messages

router = Router()
TODAY_WORDS = {"today", "今天", "今日"}
SETTINGS_WORDS = {"settings", "setting", "设置"}
YESTERDAY_WORDS = {"yesterday", "昨天", "昨日"}


@router.command("digest", roles=("manager",), help_key="digest.cmd_digest", order=70)
async def digest_command(ctx: Context) -> None:
    """Send a digest, or show the settings."""
    word = (ctx.incoming.args[0].lower() if ctx.incoming.args else "yesterday")
    if word in SETTINGS_WORDS:
        await show_settings(ctx, await ctx.services.digest.settings(ctx.person))
        return
    if word not in TODAY_WORDS | YESTERDAY_WORDS:
        await ctx.say("digest.usage")
        return
    report = await ctx.services.digest.for_manager(ctx.person, today=word in TODAY_WORDS)
    for reply in messages(report, ctx.translator, ctx.locale, word in TODAY_WORDS):
        await ctx.reply(reply.text, image=reply.image)


def _time_label(ctx: Context, settings: DigestSettings) -> str:
    if settings.time is None:
        return ctx.t("digest.time_off")
    return f"{settings.time[0]:02d}:{settings.time[1]:02d}"


async def show_settings(ctx: Context, settings: DigestSettings, edit: bool = False) -> None:
    """The settings card: time buttons and one toggle per section."""
    times = [
        ctx.act(("✅ " if settings.time == t else "") + f"{t[0]:02d}:{t[1]:02d}", "dg", "t",
                f"{t[0]:02d}{t[1]:02d}")
        for t in TIMES
    ]
    times.append(ctx.act(("✅ " if settings.time is None else "") + ctx.t("digest.btn_off"),
                         "dg", "t", "off"))
    toggles = [
        ctx.act(("✅ " if s in settings.sections else "▫️ ") + ctx.t(f"digest.section_{s}"),
                "dg", "s", s)
        for s in SECTIONS
    ]
    rows: list[list[Button]] = [times]
    rows += [toggles[i:i + 3] for i in range(0, len(toggles), 3)]
    await ctx.reply(ctx.t("digest.settings", time=_time_label(ctx, settings)), rows, edit=edit)


@router.action("dg")
async def digest_action(ctx: Context) -> None:
    """Buttons: t:<0700|0800|0900|off> delivery time, s:<section> show or hide a section."""
    verb, value = ([*ctx.action_args, "", ""])[:2]
    service = ctx.services.digest
    if verb == "t":
        await show_settings(ctx, await service.set_time(ctx.person, value), edit=True)
    elif verb == "s":
        await show_settings(ctx, await service.toggle_section(ctx.person, value), edit=True)
    else:
        await ctx.say("errors.unknown_button")
