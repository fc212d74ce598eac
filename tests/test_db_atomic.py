"""bot.db.execute_atomically: hand-written statements committed together or not at all, on
SQLite in one call to the database thread, and never interleaved with another task's
transaction on the same connection."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from tortoise.exceptions import IntegrityError, OperationalError
from tortoise.transactions import in_transaction

from bot.db import execute_atomically, fetch
from models.conversation import ProcessedUpdate

INSERT = "INSERT INTO processed_update (platform, update_id, created_at) VALUES (?, ?, ?)"
RETURNING = INSERT + " RETURNING update_id"
AT = datetime(2026, 12, 3, 10, tzinfo=UTC)


def _row(update_id: str) -> tuple[str, list[object]]:
    return INSERT, ["test", update_id, AT]


async def _ids() -> list[str]:
    rows = await fetch("SELECT update_id FROM processed_update ORDER BY update_id", [])
    return [r["update_id"] for r in rows]


async def test_statements_are_committed_together_with_their_returned_rows(db):
    results = await execute_atomically(
        [_row("1"), (RETURNING, ["test", "2", AT])]
    )
    assert results == [[], [{"update_id": "2"}]]
    assert await _ids() == ["1", "2"]


async def test_a_failing_statement_undoes_the_ones_before_it(db):
    await execute_atomically([_row("1")])
    with pytest.raises(IntegrityError):  # the same key twice: Tortoise's error, not sqlite3's
        await execute_atomically([_row("2"), _row("1")])
    assert await _ids() == ["1"]
    with pytest.raises(OperationalError):
        await execute_atomically([_row("3"), ("UPDATE no_such_table SET x = 1", [])])
    assert await _ids() == ["1"]
    await execute_atomically([_row("4")])  # the connection is usable afterwards
    assert await _ids() == ["1", "4"]


async def test_inside_a_transaction_it_is_part_of_that_transaction(db):
    with pytest.raises(RuntimeError):
        async with in_transaction():
            await execute_atomically([_row("1")])
            assert await _ids() == ["1"]  # seen inside the transaction
            raise RuntimeError("the outer transaction fails")
    assert await _ids() == []  # undone with it


async def test_it_waits_for_another_tasks_transaction_and_does_not_join_it(db):
    opened, finish = asyncio.Event(), asyncio.Event()

    async def other() -> None:
        with pytest.raises(RuntimeError):
            async with in_transaction():
                await ProcessedUpdate.create(platform="test", update_id="other")
                opened.set()
                await finish.wait()
                raise RuntimeError("the other task's transaction is rolled back")

    task = asyncio.create_task(other())
    await opened.wait()
    ours = asyncio.create_task(execute_atomically([_row("ours")]))
    await asyncio.sleep(0.05)
    # on SQLite ours waits for the connection; on PostgreSQL it runs on a connection of its own
    finish.set()
    await task
    await ours
    assert await _ids() == ["ours"]  # ours committed, the other's row rolled back alone
