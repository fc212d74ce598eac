"""Database set-up: Tortoise config, versioned migrations, connection lifetime."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tortoise import Tortoise, connections
from tortoise.backends.base.client import TransactionalDBClient
from tortoise.exceptions import IntegrityError, OperationalError
from tortoise.migrations.api import migrate as run_migrations
from tortoise.models import Model
from tortoise.transactions import in_transaction

from models import MODEL_MODULES

# A writer waits this long for another one's lock before "database is locked" (the update is then
# retried, see bot.core.retry); HOUQIN_SQLITE_BUSY_TIMEOUT_MS sets it.
SQLITE_BUSY_TIMEOUT_MS = 5000


async def database_now() -> datetime:
    """The database server's current time (PostgreSQL's clock_timestamp(), right even inside a
    transaction; SQLite reads the host clock itself, to the millisecond: rounded up, so that a
    time just written by this host is never in its future), as aware UTC: the clock every lease
    shared by several instances is timed by."""
    conn = Tortoise.get_connection("default")
    if conn.capabilities.dialect == "postgres":
        rows = await conn.execute_query_dict("SELECT clock_timestamp() AS now")
        return rows[0]["now"].astimezone(UTC)
    rows = await conn.execute_query_dict("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now') AS now")
    return datetime.fromisoformat(rows[0]["now"]).replace(tzinfo=UTC) + timedelta(milliseconds=1)


def sqlite_url(database_url: str, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS) -> str:
    """A SQLite URL with WAL (readers never wait for the writer), synchronous=NORMAL (safe in
    WAL) and the busy timeout as pragmas; options already in the URL win. Other URLs as given."""
    if not database_url.startswith("sqlite://") or ":memory:" in database_url:
        return database_url
    path, _, query = database_url.partition("?")
    options = dict(parse_qsl(query))
    options.setdefault("journal_mode", "WAL")
    options.setdefault("synchronous", "NORMAL")
    options.setdefault("busy_timeout", str(busy_timeout_ms))
    return f"{path}?{urlencode(options)}"


def tortoise_config(
    database_url: str, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS
) -> dict[str, Any]:
    """The Tortoise config dict for one database URL (models + their migrations package)."""
    return {
        "connections": {"default": sqlite_url(database_url, busy_timeout_ms)},
        "apps": {
            "models": {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "models.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def _ensure_sqlite_dir(database_url: str) -> None:
    if database_url.startswith("sqlite://") and ":memory:" not in database_url:
        Path(database_url.removeprefix("sqlite://")).parent.mkdir(parents=True, exist_ok=True)


async def ensure_database(database_url: str) -> None:
    """Create the database itself when missing (SQLite: its folder; PostgreSQL: CREATE DATABASE)."""
    if database_url.startswith("sqlite://"):
        _ensure_sqlite_dir(database_url)
        return
    if not database_url.startswith(("postgres://", "asyncpg://", "postgresql://")):
        return
    import asyncpg

    parts = urlsplit(database_url.replace("asyncpg://", "postgres://", 1))
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres", query=""))
    conn = await asyncpg.connect(admin)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def migrate(database_url: str) -> None:
    """Apply every pending migration to the database."""
    await ensure_database(database_url)
    try:
        await run_migrations(config=tortoise_config(database_url))
    finally:  # a failed migration must not leave connections that keep the loop alive
        await Tortoise.close_connections()


async def init_db(
    database_url: str, schema: str = "migrate", busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS
) -> None:
    """Connect (globally, for every task). `schema`: "migrate" applies pending migrations
    first; "generate" creates missing tables straight from the models (tests only: fast, and
    the migrations themselves are checked by tests/test_migrations.py)."""
    if schema == "migrate":
        await migrate(database_url)
    else:
        await ensure_database(database_url)
    config = tortoise_config(database_url, busy_timeout_ms)
    await Tortoise.init(config=config, _enable_global_fallback=True)
    if schema == "generate":
        await Tortoise.generate_schemas(safe=True)


async def pending_model_changes(database_url: str) -> list[str]:
    """Names of migrations that `makemigrations` would write now (empty when up to date)."""
    from tortoise.cli.cli import tortoise_cli_context
    from tortoise.migrations.autodetector import MigrationAutodetector

    config = tortoise_config(database_url)
    async with tortoise_cli_context(config) as ctx:
        writers = await MigrationAutodetector(ctx.apps, config["apps"]).changes()
    return [writer.name for writer in writers]


async def close_db() -> None:
    """Close every database connection."""
    await Tortoise.close_connections()


_DIALECT_SQL: dict[tuple[str, str], str] = {}


def _native(sql: str, dialect: str) -> str:
    """`sql` with its `?` placeholders as the driver wants them (PostgreSQL: $1, $2, …)."""
    key = (sql, dialect)
    native = _DIALECT_SQL.get(key)
    if native is None:
        if dialect == "postgres":
            parts = sql.split("?")
            native = parts[0] + "".join(f"${n}{part}" for n, part in enumerate(parts[1:], 1))
        else:
            native = sql
        _DIALECT_SQL[key] = native
    return native


async def fetch(sql: str, values: list[Any]) -> list[dict[str, Any]]:
    """Run one hand-written SELECT (`?` placeholders) on the current connection (the
    transaction's, inside one): for the few statements every update runs, where building the
    query through the ORM costs more than running it."""
    conn = connections.get("default")
    return await conn.execute_query_dict(_native(sql, conn.capabilities.dialect), values)


M = TypeVar("M", bound=Model)
_SELECTS: dict[type[Model], str] = {}


async def fetch_models(model: type[M], where: str, values: Sequence[Any]) -> list[M]:
    """Instances of `model` read by a hand-written query, `SELECT <all its columns> FROM <its
    table> <where>` (`?` placeholders): for the look-ups a conversation step runs, where the
    ORM's query building costs about three times the query itself."""
    select = _SELECTS.get(model)
    if select is None:
        columns = ", ".join(f'"{c}"' for c in model._meta.fields_db_projection.values())
        select = _SELECTS[model] = f'SELECT {columns} FROM "{model._meta.db_table}" '
    rows = await fetch(select + where, list(values))
    return [model._init_from_db(**row) for row in rows]


async def execute(sql: str, values: list[Any]) -> int:
    """Run one hand-written INSERT, UPDATE or DELETE (`?` placeholders); rows changed."""
    conn = connections.get("default")
    changed, _ = await conn.execute_query(_native(sql, conn.capabilities.dialect), values)
    return changed


Statement = tuple[str, Sequence[Any]]  # hand-written SQL with `?` placeholders, and its values


async def execute_atomically(statements: Sequence[Statement]) -> list[list[dict[str, Any]]]:
    """Run hand-written statements in one transaction, all or none; each one's rows (those of
    its RETURNING clause, if any).

    On SQLite outside a transaction the whole transaction is one call to the database thread:
    the connection, which every query of the process waits for, is held for one round trip
    instead of one per statement (BEGIN, each statement, COMMIT), each of which also waits for
    the busy event loop to take its result."""
    conn = connections.get("default")
    dialect = conn.capabilities.dialect
    if dialect == "sqlite" and not isinstance(conn, TransactionalDBClient):
        async with conn.acquire_connection() as sqlite:  # the lock every query on it takes
            try:
                return await sqlite._execute(_sqlite_transaction, sqlite._conn, statements)
            except sqlite3.IntegrityError as exc:
                raise IntegrityError(exc) from exc
            except sqlite3.OperationalError as exc:
                raise OperationalError(exc) from exc
    async with in_transaction() as trx:
        return [
            await trx.execute_query_dict(_native(sql, dialect), list(values))
            for sql, values in statements
        ]


def _sqlite_transaction(
    db: sqlite3.Connection, statements: Sequence[Statement]
) -> list[list[dict[str, Any]]]:
    """Run in aiosqlite's thread: BEGIN, the statements, COMMIT; ROLLBACK on any failure."""
    db.execute("BEGIN")
    try:
        results = [[dict(row) for row in db.execute(sql, values).fetchall()]
                   for sql, values in statements]
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    return results
