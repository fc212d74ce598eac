"""The digest settings card: time buttons, the daily/weekly/monthly switches and one toggle per
section, as buttons that work outside any flow."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.types import Button
from bot.services.digest import PERIODS, SECTIONS, TIMES, DigestSettings, DigestTap


def _periods_label(ctx: Context, settings: DigestSettings) -> str:
    if not settings.periods:
        return ctx.t("digest.time_off")
    return ctx.t("digest.sep").join(ctx.t(f"digest.period_{k}") for k in settings.periods)


def settings_card(ctx: Context, settings: DigestSettings) -> tuple[str, list[list[Button]]]:
    """The settings card's text and button rows in the reader's language."""
    times = [
        ctx.button(("✅ " if settings.time == t else "") + f"{t[0]:02d}:{t[1]:02d}",
                   DigestTap("t", f"{t[0]:02d}{t[1]:02d}"))
        for t in TIMES
    ]
    periods = [
        ctx.button(("✅ " if k in settings.periods else "▫️ ") + ctx.t(f"digest.period_{k}"),
                   DigestTap("p", k))
        for k in PERIODS
    ]
    toggles = [
        ctx.button(("✅ " if s in settings.sections else "▫️ ") + ctx.t(f"digest.section_{s}"),
                   DigestTap("s", s))
        for s in SECTIONS
    ]
    rows: list[list[Button]] = [times, periods]
    rows += [toggles[i:i + 3] for i in range(0, len(toggles), 3)]
    time = f"{settings.time[0]:02d}:{settings.time[1]:02d}"
    return ctx.t("digest.settings", time=time, periods=_periods_label(ctx, settings)), rows
