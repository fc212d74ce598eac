"""Leader election through a lease row, so that of several instances sharing one database
exactly one runs the scheduled jobs, and another takes over within a minute if it dies.

A lease row works the same on SQLite and PostgreSQL: taking or renewing it is one conditional
UPDATE (holder is me, or the lease has expired), decided by the database — and timed by the
database's clock, so instances whose clocks disagree still agree on when a lease runs out. An
instance whose heartbeat fails (or has not succeeded for most of the lease) stops running the
leader-only jobs at once: by the time another may take the lease over, it has stepped down.
"""

from __future__ import annotations

import functools
import logging
import secrets
import socket
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.base import BaseScheduler
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from bot.db import database_now
from models.scheduler import SchedulerLease

log = logging.getLogger(__name__)
HEARTBEAT_JOB = "leader_heartbeat"
SAFE_SHARE = 0.8  # lead only this share of the lease past the last good heartbeat


class LeaderLease:
    """This instance's view of the scheduler lease."""

    def __init__(self, name: str = "scheduler", ttl_seconds: float = 45, renew_seconds: float = 15):
        self.name = name
        self.holder = f"{socket.gethostname()}-{secrets.token_hex(4)}"
        self.ttl = timedelta(seconds=ttl_seconds)
        self.renew_seconds = renew_seconds
        self.is_leader = False
        self._valid_until = 0.0  # time.monotonic() until which the last renewal holds

    @property
    def leading(self) -> bool:
        """Whether to run leader-only jobs now: the lease is ours and was renewed recently
        enough that nobody else can have taken it over."""
        return self.is_leader and time.monotonic() < self._valid_until

    async def heartbeat(self, now: datetime | None = None) -> bool:
        """Take or renew the lease if it is free, expired or ours; returns whether we lead.
        A heartbeat that fails steps down (`now`: for tests; by default the database's)."""
        started = time.monotonic()
        try:
            taken = await self._take(now or await database_now())
        except Exception:
            if self.is_leader:
                log.warning("scheduler lease heartbeat failed: stepping down", exc_info=True)
            self.is_leader = False
            return False
        if taken != self.is_leader:
            log.info("scheduler lease %s: %s", "taken" if taken else "lost", self.holder)
        self.is_leader = taken
        if taken:
            self._valid_until = started + self.ttl.total_seconds() * SAFE_SHARE
        return self.is_leader

    async def _take(self, now: datetime) -> bool:
        """The conditional UPDATE (or the first INSERT); True when the lease is ours."""
        expires = now + self.ttl
        taken = await SchedulerLease.filter(
            Q(name=self.name) & (Q(holder=self.holder) | Q(expires_at__lt=now))
        ).update(holder=self.holder, expires_at=expires)
        if not taken:
            try:
                await SchedulerLease.create(name=self.name, holder=self.holder, expires_at=expires)
                taken = 1
            except IntegrityError:  # somebody else holds it
                taken = 0
        return bool(taken)

    async def release(self) -> None:
        """Give the lease up at once (on a clean shutdown), so another instance takes over."""
        if self.is_leader:
            await SchedulerLease.filter(name=self.name, holder=self.holder).update(
                expires_at=datetime(1970, 1, 1, tzinfo=UTC)
            )
        self.is_leader = False


def leader_only(lease: LeaderLease, job: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
    """Wrap a job so it runs only while this instance holds the lease."""

    @functools.wraps(job)
    async def guarded(*args: Any, **kwargs: Any) -> Any:
        if not lease.leading:
            return None
        return await job(*args, **kwargs)

    return guarded


def guard_jobs(scheduler: BaseScheduler, lease: LeaderLease) -> None:
    """Make every job but the heartbeat leader-only, and add the heartbeat."""
    for job in scheduler.get_jobs():
        if job.id != HEARTBEAT_JOB:
            job.modify(func=leader_only(lease, job.func))
    scheduler.add_job(
        lease.heartbeat, "interval", seconds=lease.renew_seconds, id=HEARTBEAT_JOB,
        max_instances=1, coalesce=True, next_run_time=datetime.now(UTC),
    )
