"""A year of a busy logistics department, bulk-loaded into a fresh database: SQLite with raw SQL
(`load`), PostgreSQL with COPY (`load_pg`).

N tickets arrive over the 365 days (or `years` years) before `now`, more on weekdays and in
working hours, at places and in categories with skewed popularity; each gets its SLA row, status
events, jobs (primary, some helpers, some declined offers), a follow-up (most rated, the rest
closed automatically), a few repeat failures; about three alerts a month reach hundreds of people.
Statuses follow the age of the ticket: old ones are nearly all closed, recent ones still open.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from models.people import normalize_name
from models.repairs import OPEN_STATUSES

CATEGORY_WEIGHTS = {"plumbing": 30, "electrical": 25, "hvac": 12, "carpentry": 10,
                    "network": 10, "cleaning": 8, "other": 5}
URGENCY = {"urgent": (10, 15, 4 * 60), "normal": (75, 30, 24 * 60), "low": (15, 120, 72 * 60)}
HOURS = [1, 1, 1, 1, 1, 2, 4, 8, 12, 12, 11, 9, 6, 7, 10, 10, 9, 8, 6, 5, 4, 3, 2, 1]
SCORES = {5: 55, 4: 25, 3: 10, 2: 6, 1: 4}
REPORTERS, WORKERS, MANAGERS, BUILDINGS, ROOMS = 3000, 40, 3, 20, 20
ALERTS_PER_MONTH = 3
CHUNK = 50_000  # tickets generated (and written) at a time: memory stays flat at any size
Batch = tuple[str, tuple[str, ...], list[tuple]]  # table, columns, rows


def ts(value: datetime) -> str:
    """A UTC datetime as Tortoise stores it in SQLite."""
    return str(value.astimezone(UTC).replace(microsecond=0))


def aware(value: datetime) -> datetime:
    """A UTC datetime as asyncpg's COPY takes it for a timestamptz column."""
    return value.astimezone(UTC).replace(microsecond=0)


Stamp = Callable[[datetime], object]


def _weighted(rng: random.Random, weights: dict, k: int) -> list:
    return rng.choices(list(weights), weights=list(weights.values()), k=k)


def _insert(db: sqlite3.Connection, table: str, columns: tuple[str, ...],
            rows: list[tuple] | Iterator[tuple]) -> None:
    marks = ", ".join("?" for _ in columns)
    names = ", ".join(f'"{c}"' for c in columns)
    db.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)


def _people(now: datetime, reporters: int, stamp: Stamp) -> tuple[Batch, dict[str, list[int]]]:
    rows, ids = [], defaultdict(list)
    for role, count in (("student", reporters), ("worker", WORKERS), ("manager", MANAGERS)):
        for n in range(count):
            ids[role].append(len(rows) + 1)
            name = f"{role}-{n}"
            rows.append((len(rows) + 1, name, normalize_name(name), json.dumps([role]), "zh_CN",
                         "[]", True, stamp(now - timedelta(days=400))))
    columns = ("id", "name", "name_norm", "roles", "locale", "skills", "active", "created_at")
    return ("person", columns, rows), ids


def _places() -> Batch:
    rows = []
    for b in range(1, BUILDINGS + 1):
        for r in range(1, ROOMS + 1):
            code = f"B{b:02d}-{r:03d}"
            rows.append((len(rows) + 1, code, "room", f"{b}号楼{r}室", f"Building {b} room {r}",
                         "[]", f"zone-{b % 4}", True))
    return ("place", ("id", "code", "kind", "name_zh", "name_en", "aliases", "zone", "active"),
            rows)


def _arrivals(rng: random.Random, n: int, now: datetime, tz: ZoneInfo,
              years: int = 1) -> list[datetime]:
    """N creation times over the last `years` × 365 days: weekdays busier, working hours
    busiest."""
    start = (now.astimezone(tz) - timedelta(days=365 * years)).date()
    days = [start + timedelta(days=i) for i in range(365 * years + 1)]
    weights = [1.0 if d.weekday() < 5 else 0.6 for d in days]
    out = []
    for day, hour in zip(rng.choices(days, weights=weights, k=n),
                         rng.choices(range(24), weights=HOURS, k=n), strict=True):
        local = datetime(day.year, day.month, day.day, hour, rng.randrange(60),
                         rng.randrange(60), tzinfo=tz)
        moment = local.astimezone(UTC)
        out.append(moment if moment < now else now - timedelta(seconds=rng.randrange(1, 3600)))
    return sorted(out)


def _status(rng: random.Random, age: timedelta) -> str:
    if rng.random() < 0.03:
        return "cancelled"
    roll = rng.random()
    closed, done = (0.93, 0.04) if age > timedelta(days=7) else (
        (0.6, 0.2) if age > timedelta(days=2) else (0.1, 0.15))
    if roll < closed:
        return "closed"
    if roll < closed + done:
        return "done"
    return rng.choice(OPEN_STATUSES)


class Loader:
    """Generates the rows, `CHUNK` tickets at a time, as batches for any database to write."""

    def __init__(self, n: int, now: datetime, tz: ZoneInfo, people: int | None = None,
                 seed: int = 7, stamp: Stamp = ts, years: int = 1):
        self.n, self.now, self.tz, self.stamp, self.years = n, now, tz, stamp, years
        # a small load (a smoke test) stays small unless told how many people
        self.reporters = people if people else max(50, min(REPORTERS, n // 20))
        self.rng = random.Random(seed)
        self.tables: dict[str, list[tuple]] = defaultdict(list)

    def batches(self) -> Iterator[Batch]:
        """Every row to write, as (table, columns, rows) in an order foreign keys accept."""
        people_batch, people = _people(self.now, self.reporters, self.stamp)
        places_batch = _places()
        yield people_batch
        yield ("person_tag", ("person_id", "kind", "value"),
               [(row[0], "role", role) for row in people_batch[2]
                for role in json.loads(row[3])])  # the roles as write_tags indexes them
        yield places_batch
        places = [row[0] for row in places_batch[2]]
        place_weights = [1 / (rank + 1) ** 0.7 for rank in range(len(places))]
        self.workers = people["worker"]
        self.worker_weights = [1 / (rank + 1) ** 0.3 for rank in range(len(self.workers))]
        times = _arrivals(self.rng, self.n, self.now, self.tz, self.years)
        where = self.rng.choices(places, weights=place_weights, k=self.n)
        who = self.rng.choices(people["student"], k=self.n)
        what = _weighted(self.rng, CATEGORY_WEIGHTS, self.n)
        urgency = _weighted(self.rng, {k: v[0] for k, v in URGENCY.items()}, self.n)
        per_day: dict[str, int] = defaultdict(int)
        for i, created in enumerate(times, start=1):
            local_day = created.astimezone(self.tz).strftime("%Y%m%d")
            per_day[local_day] += 1
            self._ticket(i, f"R-{local_day}-{per_day[local_day]:04d}", created, where[i - 1],
                         who[i - 1], what[i - 1], urgency[i - 1])
            if i % CHUNK == 0:
                yield from self._flush()
        self._alerts(people)
        yield from self._flush()

    def _flush(self) -> Iterator[Batch]:
        for table in COLUMNS:  # tickets before the rows that point at them
            rows = self.tables.pop(table, None)
            if rows:
                yield table, COLUMNS[table], rows

    def _later(self, begin: datetime, median_minutes: float, sigma: float) -> datetime | None:
        """A lognormal delay after `begin`, or None when it would fall after now."""
        moment = begin + timedelta(minutes=self.rng.lognormvariate(0, sigma) * median_minutes)
        return moment.replace(microsecond=0) if moment < self.now else None

    def _ticket(self, tid: int, number: str, created: datetime, place: int, reporter: int,
                category: str, urgency: str) -> None:
        rng, add, ts = self.rng, self.tables, self.stamp
        status = _status(rng, self.now - created)
        _, response_min, resolution_min = URGENCY[urgency]
        responded = resolved = closed_at = None
        if status not in ("cancelled", "submitted"):
            responded = self._later(created, response_min * 0.7, 0.8)
        if responded and status in ("done", "closed"):
            resolved = self._later(responded, resolution_min * 0.35, 1.0)
        if resolved is None and status in ("done", "closed"):
            status = "in_progress" if responded else "submitted"
        events = [(tid, "created", None, "submitted", created, reporter)]
        if responded:
            self._jobs(tid, created, responded, resolved)
            events.append((tid, "status", "submitted", "accepted", responded, None))
        if resolved:
            events.append((tid, "status", "accepted", "in_progress",
                           responded + (resolved - responded) / 5, None))
            events.append((tid, "status", "in_progress", "done", resolved, None))
            closed_at = self._followup(tid, resolved)
            if status == "closed" and closed_at:
                events.append((tid, "status", "done", "closed", closed_at, None))
            elif status == "closed":
                status = "done"
        elif status == "cancelled":
            events.append((tid, "status", "submitted", "cancelled",
                           self._later(created, 60, 1) or created, reporter))
        updated = max(e[4] for e in events)
        add["ticket"].append((tid, number, category, "bench", urgency, status, ts(created),
                              ts(updated), place, reporter))
        add["ticket_event"].extend((t, k, f, s, ts(at), actor) for t, k, f, s, at, actor in events)
        if status != "cancelled":
            add["ticket_sla"].append((
                tid, 1, ts(created), ts(created + timedelta(minutes=response_min)),
                ts(created + timedelta(minutes=resolution_min)),
                ts(responded) if responded else None, ts(resolved) if resolved else None, tid))
        if rng.random() < 0.015:
            add["repeat_failure"].append((tid, category, 3, 30, ts(created), place, tid))

    def _jobs(self, tid: int, created: datetime, responded: datetime,
              resolved: datetime | None) -> None:
        rng, add, ts = self.rng, self.tables["dispatch_job"], self.stamp
        crew = rng.choices(self.workers, weights=self.worker_weights, k=3)
        offered = created + (responded - created) / 2
        status, stage = ("done", "in_progress") if resolved else ("accepted", "on_the_way")
        base = (ts(offered), ts(offered + timedelta(minutes=5)),
                ts(offered + timedelta(minutes=30)), False)
        if rng.random() < 0.08 and crew[1] != crew[0]:
            add.append(("primary", "declined", "accepted", False, *base, ts(responded), None, tid,
                        crew[1]))
        finished = ts(resolved) if resolved else None
        add.append(("primary", status, stage, False, *base, ts(responded), finished, tid,
                    crew[0]))
        if rng.random() < 0.1 and crew[2] != crew[0]:
            add.append(("helper", status, stage, False, *base, ts(responded), finished, tid,
                        crew[2]))
        self.last_worker = crew[0]

    def _followup(self, tid: int, resolved: datetime) -> datetime | None:
        """The follow-up of a resolved ticket; returns when it closed the ticket (or None)."""
        rng, ts = self.rng, self.stamp
        asked = resolved + timedelta(minutes=10)
        due = asked + timedelta(days=1)
        answered = self._later(asked, 90, 1.2) if rng.random() < 0.7 else None
        if answered and answered < due:
            score = _weighted(rng, SCORES, 1)[0]
            row = (ts(asked), ts(due), "fixed" if score > 2 or rng.random() < 0.5 else
                   "not_fixed", ts(answered), score, tid, self.last_worker)
            closed = answered
        else:
            closed = due if due < self.now else None
            row = (ts(asked), ts(due), "auto" if closed else None, ts(due) if closed else None,
                   None, tid, self.last_worker)
        self.tables["followup"].append(row)
        return closed

    def _alerts(self, people: dict[str, list[int]]) -> None:
        ts = self.stamp
        everyone = people["student"] + people["worker"]
        for n in range(max(1, min(12 * ALERTS_PER_MONTH * self.years, self.n // 5000))):
            aid = n + 1
            created = self.now - timedelta(days=self.rng.uniform(0, 365 * self.years))
            self.tables["alert"].append((aid, "water", "bench", False, "everyone", "", "chat",
                                         "closed", True, 0, 0, ts(created),
                                         people["manager"][0]))
            size = min(len(everyone), self.rng.randrange(300, 1500))
            for person in self.rng.sample(everyone, size):
                roll = self.rng.random()
                status = "safe" if roll < 0.55 else ("received" if roll < 0.75 else "pending")
                self.tables["alert_recipient"].append(("", status, aid, person))


COLUMNS = {
    "ticket": ("id", "number", "category", "description", "urgency", "status", "created_at",
               "updated_at", "place_id", "reporter_id"),
    "ticket_event": ("ticket_id", "kind", "from_status", "to_status", "created_at",
                     "actor_id"),
    "ticket_sla": ("id", "version", "started_at", "response_due", "resolution_due",
                   "responded_at", "resolved_at", "ticket_id"),
    "dispatch_job": ("role", "status", "stage", "priority", "offered_at", "expires_at",
                     "valid_until", "timed_out", "answered_at", "finished_at", "ticket_id",
                     "worker_id"),
    "followup": ("asked_at", "due_at", "answer", "answered_at", "score", "ticket_id",
                 "worker_id"),
    "repeat_failure": ("id", "category", "count", "window_days", "created_at", "place_id",
                       "ticket_id"),
    "alert": ("id", "template", "details", "evacuation", "audience_kind", "audience_value",
              "source", "status", "fanout_done", "recipients_total", "repush_round",
              "created_at", "created_by_id"),
    "alert_recipient": ("place", "status", "alert_id", "person_id"),
}


def _counted(batches: Iterator[Batch], counts: dict[str, int]) -> Iterator[Batch]:
    for batch in batches:
        counts[batch[0]] = counts.get(batch[0], 0) + len(batch[2])
        yield batch


def load(path: str, n: int, now: datetime, tz: ZoneInfo,
         people: int | None = None, years: int = 1) -> dict[str, int]:
    """Bulk-load `n` tickets and everything around them into the SQLite file at `path` (whose
    schema exists already), in one transaction; returns the row count per table."""
    db = sqlite3.connect(path)
    counts: dict[str, int] = {}
    try:
        db.execute("PRAGMA synchronous = OFF")
        with db:
            loader = Loader(n, now, tz, people, years=years)
            for table, columns, rows in _counted(loader.batches(), counts):
                _insert(db, table, columns, rows)
    finally:
        db.close()
    return counts


async def load_pg(dsn: str, n: int, now: datetime, tz: ZoneInfo,
                  people: int | None = None, years: int = 1) -> dict[str, int]:
    """The same rows into the PostgreSQL database at `dsn` (schema exists) with COPY, in one
    transaction, then VACUUM ANALYZE (what autovacuum does to a live database: statistics and
    the visibility map that index-only scans need); returns the row count per table."""
    import asyncpg

    counts: dict[str, int] = {}
    connection = await asyncpg.connect(dsn)
    try:
        async with connection.transaction():
            loader = Loader(n, now, tz, people, stamp=aware, years=years)
            for table, columns, rows in _counted(loader.batches(), counts):
                await connection.copy_records_to_table(table, records=rows, columns=columns)
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()
    return counts
