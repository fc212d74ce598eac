"""Several instances on one database: exactly one runs the scheduled jobs; failover works."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models.conversation import ProcessedUpdate
from scheduler.leader import HEARTBEAT_JOB, LeaderLease

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


async def test_one_leader_and_takeover_after_expiry(db):
    first, second = LeaderLease(), LeaderLease()
    assert await first.heartbeat(T0)
    assert not await second.heartbeat(T0 + timedelta(seconds=1))
    assert await first.heartbeat(T0 + timedelta(seconds=15))  # renewed
    assert not await second.heartbeat(T0 + timedelta(seconds=50))  # still within the renewal
    # the first instance dies: no renewal; within a minute of its last one, the second leads
    assert await second.heartbeat(T0 + timedelta(seconds=61))
    assert not await first.heartbeat(T0 + timedelta(seconds=62))


async def test_release_hands_over_at_once(db):
    first, second = LeaderLease(), LeaderLease()
    await first.heartbeat(T0)
    await first.release()
    assert await second.heartbeat(T0 + timedelta(seconds=1))


async def test_jobs_run_only_while_holding_the_lease(harness):
    scheduler = harness.app.scheduler
    await scheduler.get_job(HEARTBEAT_JOB).func()  # the app leads from its start
    await harness.app.lease.release()
    other = LeaderLease()  # another instance on the same database
    assert await other.heartbeat()
    assert not await scheduler.get_job(HEARTBEAT_JOB).func()
    await ProcessedUpdate.create(platform="test", update_id="old")
    await ProcessedUpdate.filter(update_id="old").update(
        created_at=datetime.now(UTC) - timedelta(days=30)
    )
    prune = scheduler.get_job("prune_processed_updates").func
    assert await prune() is None  # skipped: not the leader
    assert await ProcessedUpdate.exists(update_id="old")
    await other.release()
    assert await scheduler.get_job(HEARTBEAT_JOB).func()
    assert await prune() == 1
