"""Shared fixtures: a fresh database per test, and a full app driven by a recording adapter."""

from __future__ import annotations

import pytest

from bot.db import close_db, init_db
from tests.support import Harness, make_settings, seed_small_campus


@pytest.fixture
async def db(tmp_path):
    """A migrated SQLite database in a temp dir, connected for the test."""
    await init_db(f"sqlite://{tmp_path}/test.sqlite3", schema="generate")
    yield
    await close_db()


@pytest.fixture
async def harness(tmp_path):
    """A running app on a fresh database with a small campus seeded."""
    h = Harness(make_settings(tmp_path))
    await h.start()
    h.people = await seed_small_campus()
    yield h
    await h.stop()
