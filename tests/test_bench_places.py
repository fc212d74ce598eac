"""The places benchmark's code path on a small campus (no timing assertions): it loads the
places, builds the index and resolves every message.

It runs in a process of its own, like the digest benchmark's smoke test (its own SQLite database
through Tortoise)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.places_bench import ALIASES, MESSAGES

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = """
import asyncio, json, sys
from bench import places_bench
timings = asyncio.run(places_bench.run((150, 400), rounds=1, folder=sys.argv[1],
                                       schema="generate"))
print(json.dumps([{"places": t.places, "times": t.times, "median": t.median, "p99": t.p99,
                   "found": t.found, "after_alias": t.after_alias, "alias_found": t.alias_found}
                  for t in timings]))
"""


def test_bench_places_smoke(tmp_path):
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=True)
    timings = json.loads(done.stdout.strip().splitlines()[-1])
    assert 150 <= timings[0]["places"] < 150 + 61 and 400 <= timings[1]["places"] < 400 + 61
    assert all(len(t["times"]) == len(MESSAGES) for t in timings)
    assert all(t["median"] <= t["p99"] for t in timings)
    for t in timings:  # the messages are resolved for real, not just timed
        assert t["found"]["12栋305空调漏水"] is None  # no block 12 on so small a campus
        assert t["found"]["D1-101 门锁坏了"] == "D1-101"
        assert t["found"]["图书馆三楼女厕所漏水"] == "LIB"
        assert t["found"]["305 空调坏了"] is None and t["found"]["99栋101 门坏了"] is None
        # each alias added by the other instance is used by the next message
        assert len(t["after_alias"]) == len(ALIASES)
        blocks = t["places"] // 61  # 5 areas and buildings, then blocks of 61
        assert t["alias_found"] == [f"D{i % blocks + 1}-101" for i in range(len(ALIASES))]
