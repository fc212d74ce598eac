"""Another real process holding a SQLite database's write lock, for as long as a test wants."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

LOCKER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.readline()  # held until the test says so (or closes the pipe)
conn.execute("COMMIT")
"""


@asynccontextmanager
async def locked(db_file: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    """Another process holding the database's write lock until `release` (or the end)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", LOCKER, str(db_file),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stdin is not None
    assert (await asyncio.wait_for(proc.stdout.readline(), 10)).strip() == b"locked"
    try:
        yield proc
    finally:
        await release(proc)


async def release(proc: asyncio.subprocess.Process) -> None:
    """Let the locking process commit and exit."""
    if proc.returncode is None and proc.stdin is not None:
        proc.stdin.close()
        await proc.wait()
