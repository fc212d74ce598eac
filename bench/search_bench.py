"""Stock and people search cost at 1 000, 10 000 and 50 000 rows: `python -m bench search
[SIZES]` (e.g. `python -m bench search 1000,10000,50000`).

For each size a fresh SQLite database gets the schema from the migrations (the same indexes),
then that many stock items (with their search terms, as the index writes them) and that many
people (the first WORKERS of them on-duty workers, with their person_tag rows), bulk-loaded
with raw SQL. The real StockCatalog.pick and the people look-ups then run a fixed mix of
queries (exact names, name beginnings, typos, misses), and the dispatcher's worker pick
(DutyService.candidates) runs for each category; the table shows the median and 99th
percentile per query. Flat figures across sizes mean the cost does not grow with the table.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise import Tortoise

from bench import stats
from bot.db import init_db
from bot.services.people import find_people, suggest_people
from bot.services.repairs import DutyService
from bot.services.stock import index as stock_index
from bot.services.stock.items import StockCatalog
from models.people import normalize_name, tags_of
from models.stock import Item

SIZES = (1_000, 10_000, 50_000)
WORKERS = 40  # a campus's repair staff: the same at every roster size
_SKILLS = ("plumbing", "electrical", "carpentry", "hvac")
_OBJECTS = [("灯管", "LED tube"), ("插座", "socket"), ("水龙头", "faucet"), ("门锁", "door lock"),
            ("开关", "switch"), ("螺丝", "screw"), ("胶带", "tape"), ("合页", "hinge"),
            ("电线", "cable"), ("灯泡", "bulb"), ("角阀", "angle valve"), ("软管", "hose"),
            ("滤网", "filter"), ("把手", "handle"), ("马桶盖", "toilet seat"),
            ("花洒", "shower head")]
_KINDS = [("不锈钢", "steel"), ("铜", "brass"), ("塑料", "plastic"), ("防水", "waterproof"),
          ("节能", "energy saving"), ("加厚", "heavy duty"), ("白色", "white"), ("黑色", "black")]
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰"


@dataclass
class Timing:
    """Per-query times of one kind of search at one size, in milliseconds."""

    search: str
    size: int
    times: list[float]

    @property
    def median(self) -> float:
        """The median time."""
        return stats.median(self.times)

    @property
    def p99(self) -> float:
        """The 99th percentile time (nearest rank)."""
        return stats.p99(self.times)


def _item_rows(n: int, rng: random.Random) -> list[tuple]:
    rows = []
    for i in range(n):
        (zh, en), (kind_zh, kind_en) = rng.choice(_OBJECTS), rng.choice(_KINDS)
        model = f"{rng.randint(1, 999)}"
        rows.append((f"M{i:06d}", f"{kind_zh}{zh} {model}型", f"{kind_en} {en} {model}"))
    return rows


def _person_name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.randint(1, 2)))


def load(path: str, n: int, seed: int = 7) -> dict[str, int]:
    """Bulk-load `n` items (with their terms) and `n` people; returns the row counts."""
    rng = random.Random(seed)
    now = datetime.now(UTC).isoformat(sep=" ")
    con = sqlite3.connect(path)
    with con:
        items = _item_rows(n, rng)
        con.executemany(
            "INSERT INTO stock_item (id, code, name_zh, name_en, aliases, unit_zh, unit_en, "
            "category, spec, active, created_at) "
            "VALUES (?, ?, ?, ?, '[]', '个', 'pcs', '', '', 1, ?)",
            [(i + 1, code, zh, en, now) for i, (code, zh, en) in enumerate(items)])
        terms = [(i + 1, term) for i, (code, zh, en) in enumerate(items)
                 for term in stock_index.item_terms(Item(code=code, name_zh=zh, name_en=en))]
        con.executemany("INSERT INTO stock_item_term (item_id, term) VALUES (?, ?)", terms)
        people, tags = [], []
        for i in range(n):
            name = _person_name(rng)
            roles = ["reporter", "worker"] if i < WORKERS else ["reporter"]
            skills = [_SKILLS[i % len(_SKILLS)]] if i < WORKERS else []
            zone = ("north", "south")[i % 2]
            people.append((i + 1, name, normalize_name(name), f"139{i:08d}", json.dumps(roles),
                           json.dumps(skills), zone, f"S{i:07d}", now))
            tags += [(i + 1, kind, value) for kind, value in sorted(tags_of(roles, skills, zone))]
        con.executemany(
            "INSERT INTO person (id, name, name_norm, phone, roles, skills, zone, external_id, "
            "active, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?)", people)
        con.executemany("INSERT INTO person_tag (person_id, kind, value) VALUES (?, ?, ?)", tags)
        con.executemany(
            "INSERT INTO worker_profile (person_id, on_duty, zone_lead, updated_at) "
            "VALUES (?, 1, 0, ?)", [(i + 1, now) for i in range(min(n, WORKERS))])
    con.close()
    return {"items": n, "terms": len(terms), "people": n}


def _queries(n: int) -> tuple[list[str], list[str]]:
    rng = random.Random(11)
    picked = _item_rows(n, random.Random(7))
    stock = [rng.choice(picked)[1] for _ in range(10)]  # exact Chinese names
    stock += [rng.choice(picked)[2] for _ in range(10)]  # exact English names
    stock += ["灯管", "水龙头", "门锁", "LED tube", "faucet", "fauset", "socet", "门所",
              "不存在的东西", "unicorn horn"]
    people = [_person_name(rng) for _ in range(10)] + ["王", "李伟", "S0000042", "13900000042",
                                                        "张三丰", "诸葛亮", "nobody"]
    return stock, people


async def _time(search: str, size: int, queries: list[str], call, repeats: int) -> Timing:
    times = []
    for _ in range(repeats):
        for query in queries:
            started = time.perf_counter()
            await call(query)
            times.append((time.perf_counter() - started) * 1000)
    return Timing(search, size, times)


async def _people(query: str) -> None:
    if not await find_people(query):
        await suggest_people(query)


async def _workers(category: str) -> None:
    await DutyService().candidates(category, "north", set())


async def run(sizes: tuple[int, ...] = SIZES, repeats: int = 3, folder: str | None = None,
              schema: str = "migrate") -> list[Timing]:
    """Load each size into a new database under `folder` and time both searches."""
    out = []
    for size in sizes:
        with tempfile.TemporaryDirectory(dir=folder) as tmp:
            path = os.path.join(tmp, "bench.sqlite3")
            url = f"sqlite://{path}"
            await init_db(url, schema=schema)
            await Tortoise.close_connections()
            load(path, size)
            await init_db(url, schema="none")
            try:
                stock_queries, people_queries = _queries(size)
                catalog = StockCatalog()
                await catalog.pick(stock_queries[0])  # warm the connection
                out.append(await _time("stock", size, stock_queries, catalog.pick, repeats))
                out.append(await _time("people", size, people_queries, _people, repeats))
                out.append(await _time("dispatch workers", size, [*_SKILLS, "other"] * 4,
                                       _workers, repeats))
            finally:
                await Tortoise.close_connections()
    return out


def table(sizes: tuple[int, ...] = SIZES, repeats: int = 3) -> str:
    """Run the search benchmark and format it as a Markdown table."""
    timings = asyncio.run(run(sizes, repeats))
    lines = ["| search | rows | queries | median ms | p99 ms |", "|---|---|---|---|---|"]
    for t in timings:
        lines.append(f"| {t.search} | {t.size} | {len(t.times)} | {t.median:.1f} | {t.p99:.1f} |")
    return "\n".join(lines)
