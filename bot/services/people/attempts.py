"""Attempt limiter: at most `limit` attempts per (scope, key) per window, counted atomically
in the database (one conditional upsert), so parallel attempts cannot exceed the limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tortoise import Tortoise
from tortoise.expressions import F

from models.web_auth import AttemptCounter

_TABLE = AttemptCounter._meta.db_table


def _sql(dialect: str) -> str:
    marks = [f"${i}" for i in range(1, 6)] if dialect == "postgres" else ["?"] * 5
    scope, key, now, cutoff, limit = marks
    if dialect != "postgres":  # positional "?" marks: repeat the values in order
        cutoff2, now2, cutoff3 = "?", "?", "?"
    else:
        cutoff2, now2, cutoff3 = cutoff, now, cutoff
    return (
        f'INSERT INTO {_TABLE} (scope, "key", window_start, count) VALUES ({scope}, {key}, '
        f"{now}, 1) ON CONFLICT (scope, \"key\") DO UPDATE SET "
        f"count = CASE WHEN {_TABLE}.window_start <= {cutoff} THEN 1 "
        f"ELSE {_TABLE}.count + 1 END, "
        f"window_start = CASE WHEN {_TABLE}.window_start <= {cutoff2} THEN {now2} "
        f"ELSE {_TABLE}.window_start END "
        f"WHERE {_TABLE}.window_start <= {cutoff3} OR {_TABLE}.count < {limit} "
        "RETURNING count"
    )


async def hit(
    scope: str, key: str, limit: int, window: timedelta, now: datetime | None = None
) -> bool:
    """Record one attempt; True when it is allowed (within `limit` for the window), False
    (and nothing recorded) once the limit is reached."""
    moment = int((now or datetime.now(UTC)).timestamp())
    cutoff = moment - int(window.total_seconds())
    conn = Tortoise.get_connection("default")
    dialect = conn.capabilities.dialect
    if dialect == "postgres":
        values: list = [scope, key[:128], moment, cutoff, limit]
    else:
        values = [scope, key[:128], moment, cutoff, cutoff, moment, cutoff, limit]
    rows = await conn.execute_query_dict(_sql(dialect), values)
    return bool(rows)


async def clear(scope: str, key: str) -> None:
    """Forget the attempts of (scope, key), e.g. after a successful sign-in."""
    await AttemptCounter.filter(scope=scope, key=key[:128]).delete()


async def refund(scope: str, key: str) -> None:
    """Take back one recorded attempt of (scope, key) (a try that turned out fine), never
    below zero: a success does not use up a shared address's allowance."""
    await AttemptCounter.filter(scope=scope, key=key[:128], count__gt=0).update(
        count=F("count") - 1)


async def used(scope: str, key: str, window: timedelta, now: datetime | None = None) -> int:
    """Attempts recorded for (scope, key) in the window that is current at `now`."""
    moment = int((now or datetime.now(UTC)).timestamp())
    row = await AttemptCounter.get_or_none(scope=scope, key=key[:128])
    if row is None or row.window_start <= moment - int(window.total_seconds()):
        return 0
    return row.count


async def blocked(
    scope: str, key: str, limit: int, window: timedelta, now: datetime | None = None
) -> bool:
    """True when (scope, key) has reached `limit` in the current window (nothing is recorded)."""
    return await used(scope, key, window, now) >= limit


async def retry_after(
    scope: str, key: str, window: timedelta, now: datetime | None = None
) -> timedelta:
    """How long until the current window of (scope, key) ends (zero when there is none)."""
    moment = int((now or datetime.now(UTC)).timestamp())
    row = await AttemptCounter.get_or_none(scope=scope, key=key[:128])
    if row is None:
        return timedelta(0)
    return timedelta(seconds=max(0, row.window_start + int(window.total_seconds()) - moment))
