"""Shared fixtures: a fresh database per test, and a full app driven by a recording adapter."""

from __future__ import annotations

import asyncio
import os
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.db import close_db, init_db
from tests.db_templates import pg_session_prefix
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
    for marker, meaning in TIER_MARKERS.items():
        config.addinivalue_line("markers", f"{marker}: {meaning}")
    config.addinivalue_line(
        "markers", "clock: depends on the time of day; CI also runs it at 23:30, 03:00 and 10:00"
    )
    if PG_DSN:
        pg_session_prefix()  # named now, so every child process inherits it
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


TIER_MARKERS = {
    "service": "a service or pure function against a real database",
    "flow": "conversations through the dispatcher and a recording adapter (tests.support.Harness)",
    "e2e": "through a real platform client, real crypto or a real browser, against local fakes",
}
# Test modules that reach a platform's real client, crypto or a browser (besides test_e2e_*)
E2E_MODULES = frozenset({
    "test_telegram_adapter", "test_webchat_adapter", "test_webchat_browser", "test_wecom_adapter",
    "test_wecom_api", "test_wecom_callback", "test_video_adapters", "test_alerts_api",
    "test_readings_api", "test_cli",
})
# Test modules whose outcome may depend on the time of day: work hours, the night shift, "today",
# "tomorrow 09:00". CI runs them again with the clock faked (--clock) to 23:30, 03:00 and 10:00.
CLOCK_MODULES = frozenset({
    "test_e2e_wecom", "test_e2e_wecom_video", "test_e2e_wecom_flows", "test_e2e_telegram",
    "test_e2e_dispatch", "test_e2e_video", "test_e2e_dorm", "test_e2e_dorm_requests",
    "test_e2e_inspections", "test_e2e_alerts", "test_report_flow", "test_dispatch_chat",
    "test_dispatch_work", "test_dispatch_offers", "test_dispatch_escalation",
    "test_dispatch_followup", "test_dispatch_manage", "test_sla", "test_survey_service",
    "test_survey_flow", "test_dorm_requests_service", "test_dorm_requests_flow",
    "test_dorm_requests_jobs", "test_dorm_flow", "test_dorm_service", "test_dorm_reminders",
    "test_digest_flow", "test_digest_periods_flow", "test_inspections_service",
    "test_inspections_chat", "test_maintenance", "test_stock_requisitions", "test_alerts_service",
    "test_energy_alerts", "test_ticket_video", "test_answer_media",
})


def pytest_ignore_collect(collection_path, config):
    """With `-m clock` (the reruns), do not even import a module that has no clock test."""
    if config.getoption("markexpr") != "clock" or collection_path.suffix != ".py":
        return None
    if not collection_path.name.startswith("test_") or collection_path.stem in CLOCK_MODULES:
        return None
    return None if "mark.clock" in collection_path.read_text(encoding="utf-8") else True


SQLITE_ONLY_MODULES = frozenset({"test_invite_cards", "test_locked_db"})
SQLITE_ONLY_TESTS = frozenset({
    "test_a_failing_heartbeat_steps_down_and_another_instance_takes_over",
    "test_cli_export_scorecards_month_file",
})


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Mark each test with its tier (service / flow / e2e) and, where it applies, `clock`."""
    for item in items:
        name = item.module.__name__.rsplit(".", 1)[-1]
        if not any(item.get_closest_marker(tier) for tier in TIER_MARKERS):
            if name.startswith("test_e2e_") or name in E2E_MODULES:
                item.add_marker(pytest.mark.e2e)
            elif "harness" in item.fixturenames or hasattr(item.module, "Harness"):
                item.add_marker(pytest.mark.flow)
            else:
                item.add_marker(pytest.mark.service)
        if name in CLOCK_MODULES:
            item.add_marker(pytest.mark.clock)
        if os.environ.get("HOUQIN_TEST_PG_DSN") and (
                name in SQLITE_ONLY_MODULES or item.name in SQLITE_ONLY_TESTS):
            # these open SQLite in this process (locks, the CLI's database); on the PostgreSQL
            # run that would leave Tortoise with SQLite's SQL for the tests after them
            item.add_marker(pytest.mark.skip(reason="SQLite-only; ran in the SQLite pass"))


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
    """Drop this session's per-test PostgreSQL databases."""
    if PG_DSN:
        asyncio.run(_drop_test_databases())


async def _drop_test_databases() -> None:
    import asyncpg

    conn = await asyncpg.connect(f"{PG_DSN}/postgres")
    try:  # only this session's: another one may be running on the same server
        query = "SELECT datname FROM pg_database WHERE starts_with(datname, $1)"
        rows = await conn.fetch(query, pg_session_prefix())
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
