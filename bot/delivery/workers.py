"""Delivery workers sharing one database: who is live, so that together they keep the limits.

Every app instance that sends the outbox registers a row in `delivery_worker` and renews it with
a heartbeat (timed by the database's clock, like the leases). Each worker paces itself at
1/(live workers) of every platform's total rate, and while others are live its claims leave the
chats they hold to them (bot.delivery.outbox), so one chat is paced by one worker. A worker
joining others first waits one heartbeat and a half before sending: by then every other worker
has counted it and slowed down to its new share.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

from bot.delivery.outbox import OutboxStore
from models.outbox import DeliveryWorker

log = logging.getLogger(__name__)

BEAT_SHARE = 0.25  # a heartbeat every quarter of the outbox lease (which is also the row's TTL)
JOIN_BEATS = 1.5  # a worker joining others waits this many heartbeats before it sends


class WorkerRegistry:
    """This worker's row among the live delivery workers; tells `on_change` how many are live."""

    def __init__(self, store: OutboxStore, on_change: Callable[[int], None]):
        self.store = store
        self.on_change = on_change
        self.ttl = store.lease
        self.interval = self.ttl.total_seconds() * BEAT_SHARE
        self.live = 1
        self._task: asyncio.Task[None] | None = None

    @property
    def id(self) -> str:
        """This worker's name (the one its claims carry)."""
        return self.store.worker

    async def join(self) -> float:
        """Register and start the heartbeat; returns how long to wait before sending (0 when
        alone). Without the table (an old schema) the worker counts itself alone."""
        try:
            now = await self.store.clock.read()
            await DeliveryWorker.update_or_create(
                {"started_at": now, "expires_at": now + self.ttl}, id=self.id
            )
            live = await self._count(now)
        except Exception:
            log.warning("could not register the delivery worker; pacing alone", exc_info=True)
            return 0.0
        self._apply(live)
        self._task = asyncio.create_task(self._beat_forever(), name="delivery-heartbeat")
        return self.interval * JOIN_BEATS if live > 1 else 0.0

    async def beat(self) -> int:
        """Renew this worker's row (re-created if it expired and was removed) and recount."""
        now = await self.store.clock.read()
        renewed = await DeliveryWorker.filter(id=self.id).update(expires_at=now + self.ttl)
        if not renewed:
            await DeliveryWorker.create(id=self.id, started_at=now, expires_at=now + self.ttl)
        live = await self._count(now)
        self._apply(live)
        return live

    async def leave(self) -> None:
        """Stop the heartbeat and remove this worker's row (the others speed up at once)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        with contextlib.suppress(Exception):
            await DeliveryWorker.filter(id=self.id).delete()

    async def _count(self, now: datetime) -> int:
        await DeliveryWorker.filter(expires_at__lt=now - self.ttl).delete()  # long gone
        return max(1, await DeliveryWorker.filter(expires_at__gt=now).count())

    def _apply(self, live: int) -> None:
        if live != self.live:
            log.info("delivery workers live: %s (this one: %s)", live, self.id)
        self.live = live
        self.store.shared = live > 1
        self.on_change(live)

    async def _beat_forever(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.beat()
            except Exception:  # the next beat tries again; meanwhile the share stays
                log.warning("delivery worker heartbeat failed", exc_info=True)
