"""The command list a person sees (/help, and after binding)."""

from __future__ import annotations

from bot.core.context import Context


async def help_text(ctx: Context) -> None:
    """The commands this person may use, with the free-text tip."""
    assert ctx.router is not None
    roles = ctx.person.roles if ctx.person else ["reporter"]
    lines = [ctx.t("help.title")]
    lines += [f"/{name} — {ctx.t(route.help_key or '')}" for name, route in ctx.router.menu(roles)]
    lines.append(ctx.t("help.free_text"))
    await ctx.reply("\n".join(lines))
