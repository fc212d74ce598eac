"""Outbox leases are timed by the database's clock (issue 16, the delivery leftovers): a worker
whose machine clock runs two minutes fast or slow neither steals a live lease nor leaves its own
open to stealing. The workers' clocks are injected; the database (SQLite, or PostgreSQL with
HOUQIN_TEST_PG_DSN) keeps the real time."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.types import Address, Reply
from bot.delivery.outbox import DbClock, OutboxStore, Outgoing, now_utc
from models.outbox import OutboxMessage

SKEW = timedelta(minutes=2)  # more than the 60 s lease
PLATFORM = "telegram"


def skewed(by: timedelta) -> OutboxStore:
    """A store whose machine clock is off by `by`."""
    return OutboxStore(clock=DbClock(lambda: now_utc() + by))


async def queue(store: OutboxStore, count: int) -> None:
    await store.add_many(
        [Outgoing(Address(PLATFORM, f"c{i}"), Reply(f"m{i}")) for i in range(count)]
    )


@pytest.mark.parametrize("skew", [SKEW, -SKEW], ids=["fast", "slow"])
async def test_a_skewed_worker_does_not_steal_a_live_lease(db, skew):
    honest, other = OutboxStore(), skewed(skew)
    await queue(honest, 5)
    assert len(await honest.claim(PLATFORM, 10)) == 5
    assert await other.claim(PLATFORM, 10) == []  # fast: it would see them expired by now
    leases = await OutboxMessage.filter(status="sending").values_list("lease", flat=True)
    assert len(leases) == 5 and len(set(leases)) == 1  # all still under the first claim


@pytest.mark.parametrize("skew", [SKEW, -SKEW], ids=["fast", "slow"])
async def test_a_skewed_workers_own_lease_holds_against_the_others(db, skew):
    honest, other = OutboxStore(), skewed(skew)
    await queue(other, 4)  # queued on its clock: due at once all the same
    mine = await other.claim(PLATFORM, 10)
    assert len(mine) == 4
    assert await honest.claim(PLATFORM, 10) == []  # slow: its lease would have run out
    assert await other.renew(mine) == {r.id for r in mine}
    assert await honest.claim(PLATFORM, 10) == []
    # an inline send's row (claimed as it is written) is as safe
    row, _ = await other.add(Outgoing(Address(PLATFORM, "x"), Reply("now")), claimed=True)
    assert row.next_attempt_at > now_utc() + timedelta(seconds=50)
    assert await honest.claim(PLATFORM, 10) == []


async def test_an_expired_lease_is_taken_over_on_the_database_clock(db):
    dead, fast = OutboxStore(), skewed(SKEW)
    await queue(dead, 3)
    assert len(await dead.claim(PLATFORM, 10)) == 3  # then its worker dies
    await OutboxMessage.filter(status="sending").update(
        next_attempt_at=now_utc() - timedelta(seconds=1)
    )
    taken = await fast.claim(PLATFORM, 10)
    assert len(taken) == 3 and abs(fast.clock.offset + SKEW) < timedelta(seconds=5)
    lease_end = await OutboxMessage.filter(status="sending").values_list(
        "next_attempt_at", flat=True
    )
    for end in lease_end:  # 60 s from the database's now, not from the fast clock's
        assert timedelta(seconds=50) < end - now_utc() < timedelta(seconds=70)
