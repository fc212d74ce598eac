"""Migrated database templates for the tests: applying the 22 migrations to an empty database costs
about 20 s of CPU (Tortoise re-renders its model state per operation), so each test's database is
a copy of one migrated once (a SQLite file copied, a PostgreSQL database cloned with
`CREATE DATABASE … TEMPLATE`). The templates are kept between sessions, named after a digest of
everything the migrations depend on, so a changed model or migration builds a new one."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE_DIR = Path(tempfile.gettempdir()) / "houqin-test-templates"
_lock = threading.Lock()
_made: set[str] = set()  # PostgreSQL databases this process made or found
# Names this session's PostgreSQL databases (children inherit it through the environment), so
# that a session drops only its own at the end: the machine's other sessions may share the server
SESSION_VARIABLE = "HOUQIN_TEST_PG_SESSION"


def pg_session_prefix() -> str:
    """`houqin_t<session>_`: the prefix of this session's PostgreSQL database names."""
    return f"houqin_t{os.environ.setdefault(SESSION_VARIABLE, os.urandom(4).hex())}_"


def pg_database_name(tmp_path) -> str:
    """The name of the test's PostgreSQL database, made from its tmp_path."""
    return pg_session_prefix() + hashlib.sha1(str(tmp_path).encode()).hexdigest()[:16]


@functools.cache
def schema_digest() -> str:
    """A digest of the models, the migrations, bot/db.py, Tortoise's and Python's versions."""
    import tortoise

    digest = hashlib.sha1(f"{tortoise.__version__} {sys.version}".encode())
    for path in sorted([*(ROOT / "models").rglob("*.py"), ROOT / "bot" / "db.py"]):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _migrate_in_subprocess(url: str) -> None:
    """`python -m bot migrate` on `url` (a process of its own: Tortoise in this one keeps the
    dialect of the first database it saw in its per-model query cache)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOUQIN_")}
    env.update(HOUQIN_DATABASE_URL=url, HOUQIN_MEDIA_DIR=str(CACHE_DIR / "media"))
    done = subprocess.run([sys.executable, "-m", "bot", "migrate"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"migrating the test template failed:\n{done.stderr[-3000:]}")


def sqlite_template() -> Path:
    """The migrated SQLite file (built on first use, then kept in the temp folder)."""
    path = CACHE_DIR / f"migrated-{schema_digest()}.sqlite3"
    with _lock:
        if not path.exists():
            CACHE_DIR.mkdir(parents=True, exist_ok=True)
            building = path.with_name(f"{path.stem}.{os.getpid()}.building.sqlite3")
            _migrate_in_subprocess(f"sqlite://{building}")
            with sqlite3.connect(building) as conn:  # one self-contained file to copy
                conn.execute("PRAGMA journal_mode=DELETE")
            os.replace(building, path)  # atomic: parallel sessions never copy a half-built file
    return path


def migrated_sqlite(path: Path) -> str:
    """A SQLite URL for `path`, which becomes a copy of the migrated template (unless present)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(sqlite_template(), path)
    return f"sqlite://{path}"


async def _pg_clone(dsn: str, name: str) -> None:
    """Create database `name` from the migrated template (building the template first)."""
    import asyncpg

    template = f"houqin_tpl_{schema_digest()}"
    conn = await asyncpg.connect(f"{dsn}/postgres")
    try:
        exists = "SELECT 1 FROM pg_database WHERE datname = $1"
        if await conn.fetchval(exists, name):
            return
        if not await conn.fetchval(exists, template):
            building = f"{template}_b{os.getpid()}"
            await conn.execute(f'DROP DATABASE IF EXISTS "{building}"')
            await asyncio.to_thread(_migrate_in_subprocess, f"{dsn}/{building}")
            try:
                await conn.execute(f'ALTER DATABASE "{building}" RENAME TO "{template}"')
            except asyncpg.DuplicateDatabaseError:  # another session built it meanwhile
                await conn.execute(f'DROP DATABASE "{building}"')
        with contextlib.suppress(asyncpg.DuplicateDatabaseError):  # made by a child meanwhile
            await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await conn.close()


def migrated_postgres(dsn: str, name: str) -> str:
    """The URL of PostgreSQL database `name`, cloned from the migrated template when missing.
    Blocking (a thread of its own), so that it can be called from sync and async code alike."""
    with _lock:
        if name not in _made:
            failure: list[BaseException] = []

            def clone() -> None:
                try:
                    asyncio.run(_pg_clone(dsn, name))
                except BaseException as exc:  # re-raised in the caller's thread
                    failure.append(exc)

            worker = threading.Thread(target=clone)
            worker.start()
            worker.join()
            if failure:
                raise failure[0]
            _made.add(name)
    return f"{dsn}/{name}"
