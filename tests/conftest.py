"""Shared fixtures: a fresh database per test, and a full app driven by a recording adapter."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.db import close_db, init_db
from tests.fakes import FakeBotApi
from tests.support import PG_DSN, Harness, database_url, make_settings, seed_small_campus


CLOCK_ZONE = ZoneInfo("Asia/Shanghai")


def pytest_addoption(parser):
    """`--clock HH:MM`: run the session with the wall clock moved to that Shanghai time."""
    parser.addoption(
        "--clock", default=None, metavar="HH:MM",
        help="fake the wall clock to this Asia/Shanghai time of day (it keeps ticking)",
    )


def pytest_configure(config):
    """Start the clock travel early, before any test or fixture reads the time."""
    config.addinivalue_line(
        "markers", "clock: depends on the time of day; CI also runs it at 23:30, 03:00 and 10:00"
    )
    value = config.getoption("--clock")
    if not value:
        return
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", value)
    if not match:
        raise pytest.UsageError(f"--clock {value!r}: expected HH:MM")
    import time_machine

    # Tomorrow's date, so "now" is never before data a test computed from the real clock.
    day = datetime.now(CLOCK_ZONE).date() + timedelta(days=1)
    target = datetime(day.year, day.month, day.day, int(match[1]), int(match[2]),
                      tzinfo=CLOCK_ZONE)
    traveller = time_machine.travel(target, tick=True)
    traveller.start()
    config._houqin_clock = traveller


def pytest_unconfigure(config):
    """Return to the real clock."""
    traveller = getattr(config, "_houqin_clock", None)
    if traveller is not None:
        traveller.stop()


def pytest_report_header(config):
    """Say when the clock is faked."""
    value = config.getoption("--clock")
    return [f"clock faked to {value} Asia/Shanghai"] if value else []


@pytest.fixture
async def db(tmp_path):
    """A fresh database of the test's own (SQLite, or PostgreSQL with HOUQIN_TEST_PG_DSN)."""
    await init_db(database_url(tmp_path), schema="generate")
    yield
    await close_db()


def pytest_sessionfinish(session, exitstatus):
    """Drop the per-test PostgreSQL databases."""
    if PG_DSN:
        asyncio.run(_drop_test_databases())


async def _drop_test_databases() -> None:
    import asyncpg

    conn = await asyncpg.connect(f"{PG_DSN}/postgres")
    try:
        query = "SELECT datname FROM pg_database WHERE datname LIKE 'houqin_test_%'"
        rows = await conn.fetch(query)
        for row in rows:
            await conn.execute(f'DROP DATABASE IF EXISTS "{row["datname"]}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture
async def harness(tmp_path):
    """A running app on a fresh database with a small campus seeded."""
    h = Harness(make_settings(tmp_path))
    await h.start()
    h.people = await seed_small_campus()
    yield h
    await h.stop()


@pytest.fixture
async def api():
    """A running fake Bot API server (files that fake another API define their own `api`)."""
    fake = FakeBotApi()
    await fake.start()
    yield fake
    await fake.stop()
