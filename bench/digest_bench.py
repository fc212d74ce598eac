"""Digest build time at N tickets: `python -m bench digest [N]` (default 200 000).

A fresh SQLite database in a temporary folder gets the schema from the migrations (so the same
indexes), then a year of N tickets bulk-loaded with raw SQL (bench/digest_data.py). The real
DigestService then builds yesterday's, last week's and last month's digest for a manager, with
every section, several times each; the first build of each runs on a cold page cache.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from tortoise import Tortoise

from bench import digest_data
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
        return statistics.median(self.builds)


async def run(n: int, repeats: int = 5, folder: str | None = None,
              schema: str = "migrate", render: bool = True,
              ) -> tuple[dict[str, float], list[DigestTiming]]:
    """Load `n` tickets into a new database under `folder` (a temporary one by default) and
    time the digests (and, with `render`, their text and chart). Returns (facts about the
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
        counts = digest_data.load(path, n, now, ZoneInfo(settings.timezone))
        facts = {"load_s": time.perf_counter() - started, "size_mb": os.path.getsize(path) / 2**20,
                 **{f"rows_{table}": float(count) for table, count in counts.items()}}
        await init_db(url, schema="none")
        try:
            services = Services.build(settings, Notifier({}, Translator()))  # builds, never sends
            return facts, await _time_digests(services, now, repeats, render)
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


def table(n: int, repeats: int = 5) -> str:
    """Run the digest benchmark and format its results as a Markdown table."""
    facts, timings = asyncio.run(run(n, repeats))
    lines = [
        f"{n} tickets: {int(facts['rows_ticket_event'])} events, "
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
