"""The search benchmark's code path on small tables (no timing assertions), and the indexed
stock search finding what a scan of every item finds on the benchmark's data.

It runs in a process of its own: the benchmark opens its own SQLite databases through Tortoise,
whose per-model query cache would otherwise carry SQLite's SQL into later tests on PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = """
import asyncio, json, os, sys, tempfile
from tortoise import Tortoise
from bench import search_bench
from bot.db import init_db
from bot.services.stock.items import StockCatalog, _names
from bot.services.stock.search import rank
from models.stock import Item

async def same_as_scan(folder):
    path = os.path.join(folder, "cmp.sqlite3")
    await init_db(f"sqlite://{path}", schema="generate")
    await Tortoise.close_connections()
    search_bench.load(path, 400)
    await init_db(f"sqlite://{path}", schema="none")
    catalog, every = StockCatalog(), await Item.filter(active=True)
    stock, _ = search_bench._queries(400)
    differ = []
    for query in stock:
        scanned = [r.id for r in rank(query, ((i.id, _names(i)) for i in every))][:6]
        _, picked = await catalog.pick(query)
        if [i.id for i in picked] != scanned:
            differ.append(query)
    await Tortoise.close_connections()
    return len(stock), differ

async def workers_picked(folder):
    path = os.path.join(folder, "workers.sqlite3")
    await init_db(f"sqlite://{path}", schema="generate")
    await Tortoise.close_connections()
    search_bench.load(path, 100)
    await init_db(f"sqlite://{path}", schema="none")
    from bot.services.repairs import DutyService
    picked = [len(await DutyService().candidates(c, "north", set()))
              for c in ("plumbing", "other")]
    await Tortoise.close_connections()
    return picked

timings = asyncio.run(search_bench.run((60, 300), repeats=1, folder=sys.argv[1],
                                       schema="generate"))
count, differ = asyncio.run(same_as_scan(sys.argv[1]))
picked = asyncio.run(workers_picked(sys.argv[1]))
print(json.dumps({"timings": [{"search": t.search, "size": t.size, "n": len(t.times),
                               "p99": t.p99, "median": t.median} for t in timings],
                  "compared": count, "differ": differ, "picked": picked}))
"""


def test_bench_search_smoke(tmp_path):
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    timings = result["timings"]
    assert [(t["search"], t["size"]) for t in timings] == [
        ("stock", 60), ("people", 60), ("dispatch workers", 60),
        ("stock", 300), ("people", 300), ("dispatch workers", 300)]
    assert all(t["n"] > 10 and 0 < t["median"] <= t["p99"] for t in timings)
    assert result["compared"] == 30 and result["differ"] == []
    # the loaded workers are found through person_tag: 10 plumbers of 40, all 40 for "other"
    assert result["picked"] == [10, 40]
