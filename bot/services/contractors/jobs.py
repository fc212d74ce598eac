"""Contractor scoring job: close the rounds that are due, open last month's from the 1st."""

from __future__ import annotations

from datetime import datetime

from bot.services.container import Services


async def contractor_tick(services: Services, now: datetime | None = None) -> tuple[int, int]:
    """Run the scoring rounds' due work; returns (cards sent, rounds closed)."""
    return await services.contractors.tick(now)
