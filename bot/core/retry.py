"""Which failures mean "the database is locked or unreachable right now", and how an update
that hit one is retried: a few times with back-off, then answered "please try again"."""

from __future__ import annotations

import sqlite3

from tortoise.exceptions import DBConnectionError, IntegrityError, OperationalError

# waits between attempts of an update whose processing met a busy database (each attempt may
# itself wait up to the SQLite busy timeout first)
UPDATE_RETRY_DELAYS = (0.5, 1.0, 2.0)


def db_unavailable(exc: BaseException) -> bool:
    """True for a locked, busy or unreachable database (worth retrying), not for a refused
    write such as a duplicate key (an IntegrityError is an answer, not an outage)."""
    if isinstance(exc, IntegrityError):
        return False
    if isinstance(exc, (DBConnectionError, OperationalError, sqlite3.OperationalError)):
        return True
    return isinstance(exc, (ConnectionError, TimeoutError)) or _asyncpg_outage(exc)


def _asyncpg_outage(exc: BaseException) -> bool:
    """asyncpg's own connection errors, when PostgreSQL is in use."""
    try:
        import asyncpg
    except ImportError:  # pragma: no cover - asyncpg is a dependency
        return False
    return isinstance(exc, (asyncpg.PostgresConnectionError, asyncpg.CannotConnectNowError))
