"""Dorm check-in jobs: announce new assignments, send the stored reminders that are due."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.services.container import Services


async def dorm_tick(
    services: Services, now: datetime | None = None
) -> tuple[int, int]:
    """Push assignment notices to newly bound or newly imported students, then the reminders
    (students and admins' missing lists) whose time has come; returns (notices, reminders)."""
    now = now or datetime.now(UTC)
    notices = await services.dorms.push_due_notices(now)
    reminders = await services.dorms.send_due_reminders(now)
    return notices, reminders
