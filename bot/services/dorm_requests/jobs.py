"""Dorm request jobs: pending requests nobody decided in time expire, and the student is told."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.services.container import Services


async def dorm_requests_tick(
    services: Services, now: datetime | None = None
) -> int:
    """Expire undecided late returns and stays out whose time is over; returns how many."""
    service = services.dorm_requests
    expired = await service.expire_stale(now or datetime.now(UTC))
    for request in expired:
        view = await service.view(request.id)
        await service.tell_student(view, "dorm_requests.student_expired")
    return len(expired)
