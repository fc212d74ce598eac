"""Roster import time: `python -m bench roster [N …]` (default 5 000, 20 000 and 50 000 rows).

For each size, a fresh SQLite database (schema from the migrations) imports a generated roster
of N students and staff (ids, names, departments, residence, phones, a few roles) through the
real `import_people`, then imports the same file again (every row compared, none changed) and
a third time with 1% of the people left out under `--deactivate-missing`.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tortoise import Tortoise

from bot.db import init_db
from bot.services.people import import_people

DEPARTMENTS = ("计算机学院", "数学学院", "物理学院", "外国语学院", "经济管理学院", "后勤处",
               "图书馆", "School of Medicine")
SIZES = (5_000, 20_000, 50_000)
HEADER = "student_id,name,department,building,room,phone,roles,active\n"


@dataclass
class RosterTiming:
    """Seconds of the first import, the unchanged re-import and the deactivating one."""

    rows: int
    first: float
    again: float
    leavers: float


def write_roster(path: Path, n: int, skip_every: int = 0) -> Path:
    """A roster CSV of `n` people (every `skip_every`-th left out when set)."""
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        out.write(HEADER)
        for i in range(n):
            if skip_every and i % skip_every == 0:
                continue
            role = "worker" if i % 97 == 0 else ""
            out.write(f"2026{i:06d},学生{i}·测试,{DEPARTMENTS[i % len(DEPARTMENTS)]},"
                      f"{i % 40 + 1}号楼,{i % 600 + 101},1{3800000000 + i},{role},yes\n")
    return path


async def run(n: int, folder: str | None = None, schema: str = "migrate") -> RosterTiming:
    """Time the three imports of an `n`-row roster in a new database under `folder`."""
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        url = f"sqlite://{os.path.join(tmp, 'bench.sqlite3')}"
        await init_db(url, schema=schema)
        try:
            full = write_roster(Path(tmp) / "roster.csv", n)
            fewer = write_roster(Path(tmp) / "fewer.csv", n, skip_every=100)
            times = []
            for path, leave in ((full, False), (full, False), (fewer, True)):
                started = time.perf_counter()
                await import_people(path, deactivate_missing=leave)
                times.append(time.perf_counter() - started)
            return RosterTiming(n, *times)
        finally:
            await Tortoise.close_connections()


def table(sizes: list[int]) -> str:
    """The timings as a text table."""
    lines = ["rows     first import   re-import   with --deactivate-missing"]
    for n in sizes:
        t = asyncio.run(run(n))
        lines.append(f"{t.rows:<8} {t.first:>10.1f} s {t.again:>9.1f} s {t.leavers:>12.1f} s")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table([int(a) for a in sys.argv[1:]] or list(SIZES)))
