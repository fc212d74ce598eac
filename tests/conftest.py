"""Shared fixtures: a fresh database per test, and a full app driven by a recording adapter."""

from __future__ import annotations

import asyncio

import pytest

from bot.db import close_db, init_db
from tests.fakes import FakeBotApi
from tests.support import PG_DSN, Harness, database_url, make_settings, seed_small_campus


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
