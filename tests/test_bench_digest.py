"""The digest benchmark's code path on a tiny database (300 tickets over a year), on SQLite and
on PostgreSQL: the loader writes rows (in Tortoise's timestamp format on SQLite, by COPY on
PostgreSQL) that the real digest reads back.

It runs in a process of its own: the benchmark opens its own SQLite database through Tortoise,
whose per-model query cache would otherwise carry SQLite's SQL into later tests on PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = """
import asyncio, json, sys
from bench import digest_bench
if sys.argv[1] == "pg":
    run = digest_bench.run_pg(sys.argv[2], 300, repeats=1, schema="generate", render=False,
                              people=120)
else:
    run = digest_bench.run(300, repeats=1, folder=sys.argv[2], schema="generate", render=False,
                           people=120)
facts, timings = asyncio.run(run)
print(json.dumps({"facts": facts, "timings": [
    {"kind": t.kind, "builds": t.builds, "new": t.new} for t in timings]}, default=str))
"""
PG_DSN = os.environ.get("HOUQIN_TEST_PG_DSN")


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("pg", marks=pytest.mark.skipif(
    not PG_DSN, reason="HOUQIN_TEST_PG_DSN is not set (CI sets it)"))])
def test_bench_digest_smoke(tmp_path, engine):
    target = PG_DSN if engine == "pg" else str(tmp_path)
    done = subprocess.run([sys.executable, "-c", SCRIPT, engine, target], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    facts, timings = result["facts"], result["timings"]
    assert facts["rows_person"] == 120 + 43  # the reporters asked for, 40 workers, 3 managers
    assert facts["rows_ticket"] == 300 and facts["rows_ticket_sla"] > 250
    assert facts["rows_ticket_event"] > 600 and facts["rows_followup"] > 150
    assert [t["kind"] for t in timings] == ["day", "week", "month"]
    assert all(len(t["builds"]) == 1 and t["builds"][0] > 0 for t in timings)
    assert timings[2]["new"] > 5  # about 25 tickets a month, read back through the ORM
