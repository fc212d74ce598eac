"""Two real bot processes on one database: one leads the scheduler; killing it hands over."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bot.db import close_db, init_db
from models.scheduler import SchedulerLease
from tests.support import database_url
from tests.test_e2e_telegram import free_port

ROOT = Path(__file__).resolve().parents[1]


def start_bot(tmp_path: Path, url: str) -> subprocess.Popen:
    """`python -m bot run` with no web chat and a short scheduler lease."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOUQIN_")}
    env.update(
        HOUQIN_DATABASE_URL=url, HOUQIN_WEBCHAT="false", HOUQIN_HTTP_PORT=str(free_port()),
        HOUQIN_SCHEDULER_LEASE_SECONDS="3", HOUQIN_MEDIA_DIR=str(tmp_path / "media"),
    )
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


async def holder() -> str | None:
    """Who holds the scheduler lease now (None when nobody or expired)."""
    lease = await SchedulerLease.get_or_none(name="scheduler")
    if lease is None:
        return None
    return lease.holder


async def wait_for_holder(predicate, timeout: float = 20.0) -> str:
    """Poll the lease until `predicate(holder)` holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        current = await holder()
        if current and predicate(current):
            return current
        await asyncio.sleep(0.3)
    raise AssertionError(f"lease holder never satisfied the condition; last: {await holder()}")


async def test_failover_when_the_leader_is_killed(tmp_path):
    url = database_url(tmp_path)
    await init_db(url)  # migrate first so both processes start on a ready schema
    first = start_bot(tmp_path, url)
    second = None
    try:
        leader = await wait_for_holder(lambda h: True, timeout=60)  # a loaded machine's start
        second = start_bot(tmp_path, url)
        await asyncio.sleep(2)
        assert await holder() == leader, "the second instance must not steal a live lease"
        first.send_signal(signal.SIGKILL)  # dies without releasing
        first.wait(10)
        new = await wait_for_holder(lambda h: h != leader, timeout=40)
        assert new != leader
    finally:
        for proc in (first, second):
            if proc and proc.poll() is None:
                proc.terminate()
                proc.wait(10)
        await close_db()
