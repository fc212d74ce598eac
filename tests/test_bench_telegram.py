"""The update benchmark's code path with a few users (no timing assertions): every update is
answered by both bots, and the table gives the ratio and the counts per update.

It runs in a process of its own (its own SQLite database and Tortoise set-up)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = """
import asyncio, json, logging
logging.disable(logging.CRITICAL)
from bench import telegram_load
houqin = asyncio.run(telegram_load.run_houqin(3))
echo = asyncio.run(telegram_load.run_echo(3))
print(json.dumps({"houqin": houqin, "echo": echo}))
"""


def test_bench_telegram_smoke():
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, check=True)
    runs = json.loads(done.stdout.strip().splitlines()[-1])
    houqin, echo = runs["houqin"], runs["echo"]
    assert houqin["updates"] == echo["updates"] == 3 * 7
    assert 0 < houqin["p50_ms"] <= houqin["p99_ms"] and houqin["cpu_ms"] > 0
    # a reply per update, a callback answer for each of the 4 button presses, one edit more
    assert abs(houqin["api_calls"] - 12 / 7) < 1e-9 and echo["api_calls"] == 1
    assert 3 < houqin["queries"] < 20 and echo["queries"] == 0


def test_bench_table_prints_the_ratio_and_the_counts():
    command = [sys.executable, "-m", "bench", "2", "--no-paced", "--rounds", "2"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300,
                          check=True)
    out = done.stdout
    assert "ratio houqin/echo throughput" in out and "CPU per update houqin/echo" in out
    ratio_line = next(line for line in out.splitlines() if line.startswith("ratio houqin/echo"))
    assert ratio_line.count(", ") == 1 and "medians of 2 rounds" in out  # the two pairs
    header = next(line for line in out.splitlines() if line.startswith("bot "))
    assert header.split()[-3:] == ["calls", "polls", "SQL"] and "p99" in header
