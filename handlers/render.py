"""Small rendering helpers shared by handlers (always through the translator)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.context import Context
from bot.core.types import Button
from bot.services.repairs import MediaCounts


def local_time(ctx: Context, when: datetime) -> str:
    """A timestamp in the deployment's time zone, e.g. 11-23 14:05."""
    return when.astimezone(ZoneInfo(ctx.services.settings.timezone)).strftime("%m-%d %H:%M")


def rows(buttons: list[Button], per_row: int = 2) -> list[list[Button]]:
    """Lay buttons out in rows of `per_row`."""
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


async def zone_label(ctx: Context, code: str | None) -> str:
    """A zone's name in the reader's language (its code when unnamed; "-" for none)."""
    return await ctx.services.places.zone_label(code, ctx.locale) or "-"


def category_label(ctx: Context, category: str) -> str:
    """The reader's name of a repair category, from the categories file (a category no
    longer in the file shows its code)."""
    return ctx.services.repairs.categories.name(category, ctx.locale)


def status_label(ctx: Context, status: str) -> str:
    """The localized name of a ticket status."""
    return ctx.t(f"status.{status}")


def urgency_label(ctx: Context, urgency: str) -> str:
    """The localized name of an urgency level."""
    return ctx.t(f"urgency.{urgency}")


def media_lines(ctx: Context, counts: MediaCounts) -> str:
    """The detail's media lines (each starting with a newline): the reporter's videos and voice
    notes, then what the completion brought; empty when there are none."""
    parts = []
    if counts.videos:
        parts.append(ctx.t("tickets.detail_videos", count=counts.videos))
    if counts.voices:
        parts.append(ctx.t("tickets.detail_voices", count=counts.voices))
    text = "\n" + " · ".join(parts) if parts else ""
    if counts.result_photos or counts.result_videos or counts.result_voices:
        text += "\n" + ctx.t("tickets.detail_result", photos=counts.result_photos,
                             videos=counts.result_videos, voices=counts.result_voices)
    return text
