"""Small rendering helpers shared by handlers (always through the translator)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.context import Context
from bot.core.types import Button


def local_time(ctx: Context, when: datetime) -> str:
    """A timestamp in the deployment's time zone, e.g. 11-23 14:05."""
    return when.astimezone(ZoneInfo(ctx.services.settings.timezone)).strftime("%m-%d %H:%M")


def rows(buttons: list[Button], per_row: int = 2) -> list[list[Button]]:
    """Lay buttons out in rows of `per_row`."""
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


def category_label(ctx: Context, category: str) -> str:
    """The localized name of a repair category."""
    return ctx.t(f"category.{category}")


def status_label(ctx: Context, status: str) -> str:
    """The localized name of a ticket status."""
    return ctx.t(f"status.{status}")


def urgency_label(ctx: Context, urgency: str) -> str:
    """The localized name of an urgency level."""
    return ctx.t(f"urgency.{urgency}")
