"""Place resolution cost per message at N places: `python -m bench places [N …]` (default
1 000, 10 000 and 30 000).

A fresh SQLite database (schema from the migrations) gets a campus of N places: dorm blocks of
60 rooms (学生公寓N栋, aliases N栋/N号公寓), teaching buildings, named areas. The real
PlaceService then resolves a mix of messages (dorm rooms in three numeral scripts, named areas
with floors and spots, English, ambiguous and unknown places, typos): each one timed on its
own, after one warm-up message has built the in-memory index ("full build ms"). Then a
second PlaceService (another instance, with its own index) adds an alias to a dorm block, and
the first one's next message, which names the block by that alias, is timed: its index is
patched with the one changed place, not rebuilt ("after one alias ms", the median of
len(ALIASES) such changes).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from dataclasses import dataclass

from tortoise import Tortoise

from bench import stats
from bot.db import init_db
from bot.services.people import PlaceService
from bot.services.people.place_index import SharedIndex
from models.people import Person
from models.places import Place, PlaceIndexVersion

SIZES = (1_000, 10_000, 30_000)
ROOMS_PER_BLOCK = 60
ALIASES = ("东苑", "西苑", "南苑", "北苑", "中苑", "春苑", "夏苑", "秋苑", "冬苑", "竹苑")
AREAS = (("LIB", "图书馆", "Library", ["tsg"]), ("CAN2", "第二食堂", "Second Canteen", ["二食堂"]),
         ("GYM", "体育馆", "Gymnasium", []), ("LAB-A", "实验楼A座", "Lab Building A", []))
MESSAGES = (
    "12栋305空调漏水", "十二栋305空调不制冷", "１２栋３０５ 插座没电", "学生公寓7栋101室 门坏了",
    "Dorm 12 room 305 light broken", "D12-305 门锁坏了", "D1-101 门锁坏了", "图书馆三楼女厕所漏水",
    "第二食堂 地很脏", "Second Canteen floor dirty", "实验楼A座 网口坏了", "一教201投影仪坏了",
    "305 空调坏了", "99栋101 门坏了", "图书官三楼灯坏了", "学生公寓12东305 漏水",
    "12栋305 空调漏水 " + "很急" * 2_000,
)


@dataclass
class PlacesTiming:
    """Per-message resolution times at one campus size, in milliseconds."""

    places: int
    build_ms: float
    times: list[float]
    found: dict[str, str | None]  # message → the place code found (first round)
    after_alias: list[float]  # the next message after another instance added an alias
    alias_found: list[str | None]  # the place each of those messages found

    @property
    def median(self) -> float:
        """The median time."""
        return stats.median(self.times)

    @property
    def p99(self) -> float:
        """The 99th percentile time (nearest rank)."""
        return stats.p99(self.times)

    @property
    def after_alias_ms(self) -> float:
        """The median time of the first message after an alias was added elsewhere."""
        return stats.median(self.after_alias)


async def _load(n: int) -> None:
    """Write a campus of about `n` places with bulk inserts, then bump the index version once."""
    for code, zh, en, aliases in AREAS:
        await Place.create(code=code, kind="area", name_zh=zh, name_en=en, aliases=aliases)
    await Place.create(code="T1", kind="building", name_zh="第一教学楼",
                       name_en="Teaching Building 1", aliases=["一教", "教一"])
    block = 0
    while await Place.all().count() < n:
        block += 1
        building = await Place.create(code=f"D{block}", kind="building",
                                      name_zh=f"学生公寓{block}栋", name_en=f"Dorm {block}",
                                      aliases=[f"{block}栋", f"{block}号公寓"])
        rooms = [f"{floor}{room:02d}" for floor in range(1, 7) for room in range(1, 11)]
        await Place.bulk_create([
            Place(code=f"D{block}-{label}", kind="room", name_zh=f"学生公寓{block}栋{label}室",
                  name_en=f"Dorm {block} Room {label}", parent_id=building.id)
            for label in rooms[:ROOMS_PER_BLOCK]
        ])
    await PlaceIndexVersion.bump()


async def _after_aliases(places: PlaceService) -> tuple[list[float], list[str | None]]:
    """Another instance adds an alias to a dorm block, once per ALIASES: how long `places`
    takes over the next message (naming a room by the new alias), and what it found."""
    other = PlaceService(SharedIndex())
    manager = await Person.create(name="bench", roles=["manager"], locale="zh_CN")
    blocks = await Place.filter(kind="building", code__startswith="D").count()
    times: list[float] = []
    found: list[str | None] = []
    for i, alias in enumerate(ALIASES):  # no digits: only the alias names the block
        await other.add_alias(manager, alias, f"学生公寓{i % blocks + 1}栋")
        started = time.perf_counter()
        resolved = await places.resolve(f"{alias}101 门坏了")
        times.append((time.perf_counter() - started) * 1000)
        found.append(resolved.place and resolved.place.code)
    return times, found


async def run(sizes: tuple[int, ...] = SIZES, rounds: int = 20, folder: str | None = None,
              schema: str = "migrate") -> list[PlacesTiming]:
    """Time `rounds` passes over MESSAGES at each campus size (a new database for each)."""
    out: list[PlacesTiming] = []
    for n in sizes:
        with tempfile.TemporaryDirectory(dir=folder) as tmp:
            url = f"sqlite://{os.path.join(tmp, 'places.sqlite3')}"
            await init_db(url, schema=schema)
            try:
                await _load(n)
                places = PlaceService(SharedIndex())
                started = time.perf_counter()
                await places.resolve("warm up")  # builds the index once
                build_ms = (time.perf_counter() - started) * 1000
                times: list[float] = []
                found: dict[str, str | None] = {}
                for _ in range(rounds):
                    for message in MESSAGES:
                        started = time.perf_counter()
                        resolved = await places.resolve(message)
                        times.append((time.perf_counter() - started) * 1000)
                        found.setdefault(message[:40], resolved.place and resolved.place.code)
                after, alias_found = await _after_aliases(places)
                out.append(PlacesTiming(await Place.all().count(), build_ms, times, found, after,
                                        alias_found))
            finally:
                await Tortoise.close_connections()
    return out


def table(sizes: tuple[int, ...] = SIZES, rounds: int = 20) -> str:
    """Run the places benchmark and format its results as a Markdown table."""
    lines = [
        "| places | messages timed | median ms / message | p99 ms | full build ms "
        "| after one alias ms |",
        "|---|---|---|---|---|---|",
    ]
    for t in asyncio.run(run(sizes, rounds)):
        lines.append(f"| {t.places} | {len(t.times)} | {t.median:.2f} | {t.p99:.2f} "
                     f"| {t.build_ms:.0f} | {t.after_alias_ms:.2f} |")
    return "\n".join(lines)
