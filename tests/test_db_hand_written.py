"""The hand-written statements of bot.db: `execute_atomically` commits them together or not at
all, on SQLite in one call to the database thread, never interleaved with another task's
transaction on the same connection; `fetch_models` reads the same instances as the ORM."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from tortoise.exceptions import IntegrityError, OperationalError
from tortoise.transactions import in_transaction

from bot.db import execute_atomically, fetch, fetch_models
from models.assets import Asset
from models.conversation import ProcessedUpdate
from models.people import Person
from models.places import Place
from models.repairs import Ticket
from tests.support import seed_small_campus

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


def _fields(instance: object) -> dict[str, object]:
    return {name: getattr(instance, name) for name in type(instance)._meta.fields_db_projection}


async def test_fetch_models_reads_what_the_orm_reads(db):
    people = await seed_small_campus()
    room = await Place.get(code="3-402")
    await Asset.create(code="A-1", name_zh="水龙头", name_en="Tap", category="plumbing",
                       place=room, purchase_date=date(2024, 9, 1))
    ticket = await Ticket.create(number="R-1", category="plumbing", description="滴水",
                                 place=room, reporter=people["student"], urgency="urgent")
    for model, where, values in (
        (Place, "WHERE id = ? AND active = ?", [room.id, True]),
        (Ticket, "WHERE id = ?", [ticket.id]),
        (Asset, "WHERE place_id = ?", [room.id]),
        (Person, "WHERE id = ?", [people["student"].id]),
    ):
        [hand] = await fetch_models(model, where, values)
        orm = await model.get(id=hand.id)
        assert _fields(hand) == _fields(orm) and hand._saved_in_db
    assert await fetch_models(Place, "WHERE id = ?", [-1]) == []
    hand_ticket = (await fetch_models(Ticket, "WHERE id = ?", [ticket.id]))[0]
    hand_ticket.status = "closed"
    await hand_ticket.save()  # an instance read by hand saves like any other
    assert (await Ticket.get(id=ticket.id)).status == "closed"
