"""Web sessions and the atomic attempt limiter against a real SQLite database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.db import close_db, init_db
from bot.services.people import PeopleService, WebSessionService, attempts
from models.web_auth import WebSession
from tests.support import database_url


@pytest.fixture
async def db(tmp_path):
    """A fresh SQLite database with every table."""
    await init_db(database_url(tmp_path), "generate")
    yield
    await close_db()


async def test_session_resolves_slides_and_ends(db):
    people = PeopleService()
    ann = await people.create("Ann", ["manager"])
    sessions = WebSessionService(days=30)
    token = await sessions.start(ann, method="link", ip="1.2.3.4", user_agent="UA")
    row = await WebSession.get(person_id=ann.id)
    assert row.token_hash != token and len(row.token_hash) == 64
    assert (await sessions.resolve(token)).id == ann.id
    assert await sessions.resolve("forged") is None
    assert await sessions.resolve(None) is None
    later = datetime.now(UTC) + timedelta(days=29)
    assert (await sessions.resolve(token, now=later)).id == ann.id  # slides last_seen_at
    assert (await sessions.resolve(token, now=later + timedelta(days=29))).id == ann.id
    assert await sessions.resolve(token, now=later + timedelta(days=90)) is None  # idle
    await sessions.end(token)
    assert await sessions.resolve(token) is None


async def test_end_all_revoke_and_deactivated_person(db):
    people = PeopleService()
    ann = await people.create("Ann", [])
    bob = await people.create("Bob", [])
    sessions = WebSessionService()
    a1 = await sessions.start(ann, method="link", ip=None, user_agent=None)
    a2 = await sessions.start(ann, method="password", ip=None, user_agent=None)
    b1 = await sessions.start(bob, method="code", ip=None, user_agent=None)
    assert len(await sessions.list()) == 3 and len(await sessions.list(ann)) == 2
    assert await sessions.end_all(ann) == 2
    assert await sessions.resolve(a1) is None and await sessions.resolve(a2) is None
    assert (await sessions.resolve(b1)).id == bob.id
    [row] = await sessions.list(bob.id)
    await sessions.revoke(row.id)
    assert await sessions.resolve(b1) is None
    b2 = await sessions.start(bob, method="code", ip=None, user_agent=None)
    bob.active = False
    await bob.save()
    assert await sessions.resolve(b2) is None
    b3 = await sessions.start(bob, method="code", ip=None, user_agent=None)
    await bob.delete()
    assert await sessions.resolve(b3) is None


async def test_forty_parallel_hits_record_at_most_the_limit(db):
    window = timedelta(minutes=15)
    results = await asyncio.gather(*(attempts.hit("t", "k", 5, window) for _ in range(40)))
    assert sum(results) == 5
    assert not await attempts.hit("t", "k", 5, window)
    assert await attempts.hit("t", "other", 5, window)
    later = datetime.now(UTC) + timedelta(minutes=16)
    assert await attempts.hit("t", "k", 5, window, now=later)  # a new window
    await attempts.clear("t", "k")
    assert await attempts.hit("t", "k", 5, window)


async def test_demo_sessions_do_not_count_outside_the_demo(db):
    ann = await PeopleService().create("Ann", [])
    token = await WebSessionService(demo=True).start(ann, method="demo", ip=None,
                                                     user_agent=None)
    assert (await WebSessionService(demo=True).resolve(token)).id == ann.id
    assert await WebSessionService(demo=False).resolve(token) is None
    with pytest.raises(ValueError):
        await WebSessionService().start(ann, method="guess", ip=None, user_agent=None)


async def test_attempt_window_expires_with_a_controlled_clock(db):
    window = timedelta(minutes=60)
    start = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    for minute in range(3):
        assert await attempts.hit("v", "a", 3, window, now=start + timedelta(minutes=minute))
    assert await attempts.used("v", "a", window, now=start) == 3
    assert await attempts.blocked("v", "a", 3, window, now=start + timedelta(minutes=59))
    assert not await attempts.hit("v", "a", 3, window, now=start + timedelta(minutes=59))
    assert await attempts.used("v", "a", window, now=start + timedelta(minutes=59)) == 3
    wait = await attempts.retry_after("v", "a", window, now=start + timedelta(minutes=45))
    assert wait == timedelta(minutes=15)
    after = start + timedelta(minutes=60)
    assert not await attempts.blocked("v", "a", 3, window, now=after)
    assert await attempts.used("v", "a", window, now=after) == 0
    assert await attempts.hit("v", "a", 3, window, now=after)
    assert await attempts.used("v", "a", window, now=after) == 1
    assert await attempts.retry_after("v", "none", window, now=after) == timedelta(0)
