"""Digest build time at N tickets: `python -m bench digest [N] [--people P] [--pg DSN]`
(default 200 000 tickets; SQLite, or a PostgreSQL server).

A fresh database (SQLite in a temporary folder, or a new database `houqin_bench_<pid>` on the
PostgreSQL server at DSN, dropped afterwards) gets the schema from the migrations (so the same
indexes), then a year of N tickets bulk-loaded (bench/digest_data.py: raw SQL on SQLite, COPY
on PostgreSQL). The real DigestService then builds yesterday's, last week's and last month's
digest for a manager, with every section, several times each; the first build of each runs on
a cold cache.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from tortoise import Tortoise

from bench import digest_data, stats
from bot.config import Settings
from bot.core.i18n import Translator
from bot.db import init_db
from bot.delivery.notifier import Notifier
from bot.services.container import Services
from bot.services.digest import SECTIONS, messages
from models.people import Person

KINDS = ("day", "week", "month")


@dataclass
class DigestTiming:
    """Build times of one kind of digest, in milliseconds."""

    kind: str
    span: str
    builds: list[float]
    with_text_ms: float
    new: int

    @property
    def median(self) -> float:
        """Median build time."""
        return stats.median(self.builds)


async def run(n: int, repeats: int = 5, folder: str | None = None,
              schema: str = "migrate", render: bool = True, people: int | None = None,
              years: int = 1) -> tuple[dict[str, float], list[DigestTiming]]:
    """Load `n` tickets into a new SQLite database under `folder` (a temporary one by default)
    and time the digests (and, with `render`, their text and chart). Returns (facts about the
    load, one timing per kind)."""
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        path = os.path.join(tmp, "bench.sqlite3")
        url = f"sqlite://{path}"
        settings = Settings(_env_file=None, database_url=url, webchat=False,
                            media_dir=os.path.join(tmp, "media"))
        started = time.perf_counter()
        await init_db(url, schema=schema)  # the migrations' tables and indexes
        await Tortoise.close_connections()
        now = datetime.now(UTC).replace(microsecond=0)
        counts = digest_data.load(path, n, now, ZoneInfo(settings.timezone), people, years)
        facts = {"load_s": time.perf_counter() - started, "size_mb": os.path.getsize(path) / 2**20,
                 **{f"rows_{table}": float(count) for table, count in counts.items()}}
        return facts, await _timed(settings, url, now, repeats, render)


async def run_pg(dsn: str, n: int, repeats: int = 5, schema: str = "migrate",
                 render: bool = True, people: int | None = None, keep: bool = False,
                 years: int = 1) -> tuple[dict[str, float], list[DigestTiming]]:
    """The same on PostgreSQL: a new database on the server at `dsn` (user:password@host:port),
    loaded with COPY and dropped at the end (kept with `keep`, to study query plans)."""
    server = dsn.rstrip("/").rsplit("/", 1)[0] if dsn.count("/") > 2 else dsn.rstrip("/")
    url = f"{server}/houqin_bench_{os.getpid()}"
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, database_url=url, webchat=False,
                            media_dir=os.path.join(tmp, "media"))
        started = time.perf_counter()
        await init_db(url, schema=schema)  # creates the database, then its tables and indexes
        await Tortoise.close_connections()
        try:
            now = datetime.now(UTC).replace(microsecond=0)
            counts = await digest_data.load_pg(url, n, now, ZoneInfo(settings.timezone), people,
                                               years)
            facts = {"load_s": time.perf_counter() - started,
                     "size_mb": await _pg_size_mb(url),
                     **{f"rows_{table}": float(count) for table, count in counts.items()}}
            return facts, await _timed(settings, url, now, repeats, render)
        finally:
            if keep:
                print(f"kept the database: {url}", file=sys.stderr)
            else:
                await _drop_pg(server, url.rsplit("/", 1)[1])


async def _pg_size_mb(url: str) -> float:
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        return await connection.fetchval("SELECT pg_database_size(current_database())") / 2**20
    finally:
        await connection.close()


async def _drop_pg(server: str, name: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(f"{server}/postgres")
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
    finally:
        await connection.close()


async def _timed(settings: Settings, url: str, now: datetime, repeats: int,
                 render: bool) -> list[DigestTiming]:
    await init_db(url, schema="none")
    try:
        services = Services.build(settings, Notifier({}, Translator()))  # builds, never sends
        return await _time_digests(services, now, repeats, render)
    finally:
        await Tortoise.close_connections()


async def _time_digests(services: Services, now: datetime, repeats: int,
                        render: bool) -> list[DigestTiming]:
    manager = await Person.filter(name="manager-0").get()
    service, translator = services.digest, Translator()
    out = []
    for kind in KINDS:
        period = service.span(kind, now)
        builds = []
        for _ in range(repeats):
            started = time.perf_counter()
            report = await service.build(manager, period, SECTIONS)
            builds.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        if render:
            messages(report, translator, "zh_CN", today=False)
        text_ms = (time.perf_counter() - started) * 1000
        span = period.start.isoformat() if kind == "day" else (
            f"{period.start.isoformat()}…{period.last_day.isoformat()}")
        out.append(DigestTiming(kind, span, builds, text_ms, report.new))
    return out


def table(n: int, repeats: int = 5, pg: str | None = None, people: int | None = None,
          keep: bool = False, years: int = 1) -> str:
    """Run the digest benchmark (SQLite, or PostgreSQL at `pg`) and format its results as a
    Markdown table."""
    if pg:
        facts, timings = asyncio.run(run_pg(pg, n, repeats, people=people, keep=keep,
                                            years=years))
    else:
        facts, timings = asyncio.run(run(n, repeats, people=people, years=years))
    engine = "PostgreSQL" if pg else "SQLite"
    lines = [
        f"{engine}, {n} tickets over {years} year(s), {int(facts['rows_person'])} people: "
        f"{int(facts['rows_ticket_event'])} events, "
        f"{int(facts['rows_dispatch_job'])} jobs, {int(facts['rows_followup'])} follow-ups, "
        f"{int(facts['rows_alert_recipient'])} alert recipients; "
        f"loaded in {facts['load_s']:.1f} s, {facts['size_mb']:.0f} MB",
        "",
        f"| digest at {n} tickets ({repeats} builds) | span | median ms | max ms "
        "| text + PNG ms |",
        "|---|---|---|---|---|",
    ]
    for t in timings:
        lines.append(f"| {t.kind} | {t.span} | {t.median:.0f} | {max(t.builds):.0f} "
                     f"| {t.with_text_ms:.0f} |")
    return "\n".join(lines)
