"""Builds the APScheduler instance with the periodic jobs."""

from __future__ import annotations

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.config import Settings
from bot.core.notifier import Notifier
from scheduler import jobs


def build_scheduler(settings: Settings, notifier: Notifier) -> AsyncIOScheduler:
    """A scheduler with the outbox retry and housekeeping jobs (not started)."""
    scheduler = AsyncIOScheduler(timezone=settings.timezone)
    scheduler.add_job(
        jobs.deliver_outbox, "interval", seconds=settings.outbox_interval_seconds,
        args=[notifier], id="deliver_outbox", max_instances=1, coalesce=True,
    )
    scheduler.add_job(
        jobs.prune_processed_updates, "interval", hours=6, id="prune_processed_updates",
        max_instances=1, coalesce=True,
    )
    return scheduler
