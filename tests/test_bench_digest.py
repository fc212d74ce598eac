"""The digest benchmark's code path on a tiny database (300 tickets over a year): the loader
writes rows (in Tortoise's timestamp format) that the real digest reads back.

It runs in a process of its own: the benchmark opens its own SQLite database through Tortoise,
whose per-model query cache would otherwise carry SQLite's SQL into later tests on PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = """
import asyncio, json, sys
from bench import digest_bench
facts, timings = asyncio.run(digest_bench.run(300, repeats=1, folder=sys.argv[1],
                                              schema="generate", render=False))
print(json.dumps({"facts": facts, "timings": [
    {"kind": t.kind, "builds": t.builds, "new": t.new} for t in timings]}, default=str))
"""


def test_bench_digest_smoke(tmp_path):
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    facts, timings = result["facts"], result["timings"]
    assert facts["rows_ticket"] == 300 and facts["rows_ticket_sla"] > 250
    assert facts["rows_ticket_event"] > 600 and facts["rows_followup"] > 150
    assert [t["kind"] for t in timings] == ["day", "week", "month"]
    assert all(len(t["builds"]) == 1 and t["builds"][0] > 0 for t in timings)
    assert timings[2]["new"] > 5  # about 25 tickets a month, read back through the ORM
