"""The scheduler lease (issue 16 item 5, rest): timed by the database's clock, so instances with
skewed clocks never both lead; a holder whose heartbeat fails stops running leader-only jobs at
once, and another instance takes over after the lease."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from bot.db import close_db, init_db
from scheduler.leader import LeaderLease, database_now, leader_only
from tests.db_lock_support import locked

TTL = 2.0


@pytest.fixture
async def sqlite_db(tmp_path):
    """A SQLite database of the test's own (the failing heartbeat is a locked SQLite)."""
    path = tmp_path / "lease.sqlite3"
    await init_db(f"sqlite://{path}", schema="generate", busy_timeout_ms=200)
    yield path
    await close_db()


async def test_the_database_clock_is_read(db):
    assert abs(await database_now() - datetime.now(UTC)) < timedelta(seconds=5)


@pytest.mark.parametrize("skew", [timedelta(minutes=1), timedelta(minutes=-1)])
async def test_clocks_skewed_by_a_minute_do_not_give_two_leaders(db, skew):
    first, second = LeaderLease(), LeaderLease()
    assert await first.heartbeat()
    real = await database_now()
    with time_machine.travel(real + skew, tick=True):  # the second instance's clock is off
        assert abs(datetime.now(UTC) - real - skew) < timedelta(seconds=5)
        assert not await second.heartbeat()
    assert await first.heartbeat()  # still the only leader
    assert first.leading and not second.leading


async def test_a_failing_heartbeat_steps_down_and_another_instance_takes_over(sqlite_db):
    holder, other = LeaderLease(ttl_seconds=TTL), LeaderLease(ttl_seconds=TTL)
    runs: list[str] = []

    async def job() -> None:
        runs.append("ran")

    guarded = leader_only(holder, job)
    assert await holder.heartbeat()
    await guarded()
    assert runs == ["ran"]
    async with locked(sqlite_db):  # the database cannot be written: every heartbeat fails
        assert not await holder.heartbeat()
        await guarded()
        assert runs == ["ran"] and not holder.leading  # stepped down at once
        assert not await other.heartbeat()
    assert not await other.heartbeat()  # the lease still holds: no takeover before it ends
    await asyncio.sleep(TTL + 0.2)
    assert await other.heartbeat()  # the holder stayed silent: the other takes over
    assert not await holder.heartbeat()
    await guarded()
    assert runs == ["ran"]


async def test_a_holder_whose_heartbeat_stalls_stops_leading_before_the_lease_ends(db):
    lease = LeaderLease(ttl_seconds=TTL)
    assert await lease.heartbeat()
    assert lease.leading
    await asyncio.sleep(TTL * 0.85)  # no heartbeat came back for most of the lease
    assert lease.is_leader and not lease.leading
