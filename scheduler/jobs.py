"""Periodic jobs: plain async functions that call the core and services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.services.container import Services
from models.conversation import ProcessedUpdate


async def deliver_outbox(services: Services) -> int:
    """Retry outgoing messages whose next attempt is due."""
    return await services.notifier.deliver_due()


async def prune_old_rows(services: Services, now: datetime | None = None) -> dict[str, int]:
    """Delete what only records the past, older than HOUQIN_RETENTION_DAYS, and the media of
    drafts never submitted after a day."""
    from bot.services.retention import prune

    return await prune(services.settings.retention_days, now, services.media.root)


async def prune_processed_updates(now: datetime | None = None, keep_days: int = 7) -> int:
    """Forget idempotency records older than any platform would redeliver."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=keep_days)
    return await ProcessedUpdate.filter(created_at__lt=cutoff).delete()
