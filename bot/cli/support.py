"""What every command-line module shares: the user-error type, a database around the work."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.config import Settings

T = TypeVar("T")


class CliError(Exception):
    """A user mistake: printed to stderr as-is, exit status 2."""


def split_values(values: list[str] | None) -> list[str]:
    """Items of repeated and/or comma separated option values, in order, without repeats."""
    items: list[str] = []
    for value in values or []:
        for item in value.replace("，", ",").split(","):
            if item.strip() and item.strip() not in items:
                items.append(item.strip())
    return items


async def with_db(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    """Run `work` with the database of `settings` open, closed again afterwards."""
    from bot.db import close_db, init_db

    try:
        await init_db(settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms)
        return await work()
    finally:
        await close_db()


def fail(message: str, status: int = 2) -> int:
    """Print a user error to stderr and return the exit status."""
    print(f"error: {message}", file=sys.stderr)
    return status
