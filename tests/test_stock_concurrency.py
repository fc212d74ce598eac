"""Nothing goes below zero when approvals and repair consumption race for the last units:
asyncio tasks against real SQLite, and against PostgreSQL when HOUQIN_TEST_PG_URL (or the
suite-wide HOUQIN_TEST_PG_DSN) names a server, e.g. postgres://user:pass@127.0.0.1:5432."""

from __future__ import annotations

import asyncio
import hashlib
import os
from urllib.parse import urlsplit, urlunsplit

import pytest
from tortoise import Tortoise

from bot.core.errors import InvalidState
from bot.db import close_db, ensure_database, tortoise_config
from bot.services.repairs.tickets import RepairService
from bot.services.stock.service import StockService
from models.places import Place
from models.repairs import Ticket
from models.stock import Requisition
from tests.support import seed_small_campus
from tests.test_stock_support import assert_consistent, figures, seed_stores, set_level

PG_URL = os.environ.get("HOUQIN_TEST_PG_URL") or os.environ.get("HOUQIN_TEST_PG_DSN") or ""
RACE_TIMEOUT = 60


def _pg_database(tmp_path) -> str:
    parts = urlsplit(PG_URL.replace("asyncpg://", "postgres://", 1))
    name = "houqin_test_race_" + hashlib.sha1(str(tmp_path).encode()).hexdigest()[:12]
    return urlunsplit(parts._replace(path=f"/{name}", query=""))


async def _drop(url: str) -> None:
    import asyncpg

    parts = urlsplit(url)
    conn = await asyncpg.connect(urlunsplit(parts._replace(path="/postgres")))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')
    finally:
        await conn.close()


async def _connect(url: str, name: str) -> None:
    """Connect under a connection name of this backend's own: Tortoise caches SQL per
    connection name, so SQLite and PostgreSQL must not share one within a test run."""
    await ensure_database(url)
    config = tortoise_config(url)
    config["connections"] = {name: url}
    config["apps"]["models"]["default_connection"] = name
    await Tortoise.init(config=config, _enable_global_fallback=True)
    await Tortoise.generate_schemas(safe=True)


@pytest.fixture(params=["sqlite", "postgres"])
async def world(request, tmp_path):
    """The stock set-up on SQLite, or on PostgreSQL when a server is configured."""
    if request.param == "postgres" and not PG_URL:
        pytest.skip("set HOUQIN_TEST_PG_URL=postgres://user:pass@host:port to race on PostgreSQL")
    url = f"sqlite://{tmp_path}/race.sqlite3" if request.param == "sqlite" else _pg_database(
        tmp_path
    )
    await _connect(url, f"race_{request.param}")
    try:
        yield await seed_stores(await seed_small_campus())
    finally:
        await close_db()
        if request.param == "postgres":
            await _drop(url)


async def _race(*coros):
    results = await asyncio.wait_for(asyncio.gather(*coros, return_exceptions=True),
                                     RACE_TIMEOUT)
    for result in results:
        if isinstance(result, BaseException) and not isinstance(result, InvalidState):
            raise result
    return results


async def test_two_approvals_race_for_the_last_units(world):
    stock = StockService()
    worker, keeper = world.people["worker"], world.people["keeper"]
    lt, north = world.items["LT-T8"], world.stores["N"]
    await set_level(lt, north, 5, minimum=2)
    reqs = [await stock.requisitions.create(worker, north.id, [(lt.id, 3)], f"楼层{i}")
            for i in range(2)]
    results = await _race(*(stock.requisitions.approve(r.id, keeper) for r in reqs))
    refused = [r for r in results if isinstance(r, InvalidState)]
    assert len(refused) == 1 and refused[0].key == "stock.not_enough"
    assert await figures(lt, north) == (5, 3, 2)
    statuses = sorted(r.status for r in await Requisition.all())
    assert statuses == ["approved", "pending"]  # the loser stays pending, nothing half-done
    await assert_consistent(stock)


async def test_many_approvals_and_consumptions_race(world):
    stock = StockService()
    worker, keeper = world.people["worker"], world.people["keeper"]
    lt, north = world.items["LT-T8"], world.stores["N"]
    await set_level(lt, north, 7)
    place = await Place.get(code="3-402")
    ticket = await RepairService().create(world.people["student"], place, "electrical", "灯坏")
    await Ticket.filter(id=ticket.id).update(status="in_progress")
    ticket.status = "in_progress"
    reqs = [await stock.requisitions.create(worker, north.id, [(lt.id, 1)], f"#{i}")
            for i in range(8)]
    coros = [stock.requisitions.approve(r.id, keeper) for r in reqs]
    coros += [stock.consume_for_ticket(worker, ticket, [(lt.id, 1)]) for _ in range(8)]
    results = await _race(*coros)
    done = [r for r in results if not isinstance(r, InvalidState)]
    assert len(done) == 7
    on_hand, reserved, available = await figures(lt, north)
    assert available == 0 and on_hand - reserved == 0 and on_hand >= 0
    await assert_consistent(stock)


async def test_the_same_requisition_decided_twice_at_once(world):
    stock = StockService()
    worker, keeper = world.people["worker"], world.people["keeper"]
    lt, north = world.items["LT-T8"], world.stores["N"]
    req = await stock.requisitions.create(worker, north.id, [(lt.id, 4)], "换灯")
    results = await _race(stock.requisitions.approve(req.id, keeper),
                          stock.requisitions.approve(req.id, keeper),
                          stock.requisitions.reject(req.id, keeper, "重复"))
    assert sum(not isinstance(r, InvalidState) for r in results) == 1
    assert {r.key for r in results if isinstance(r, InvalidState)} == {"stock.req_decided"}
    if (await Requisition.get(id=req.id)).status == "approved":
        results = await _race(stock.requisitions.collect(req.id, keeper),
                              stock.requisitions.collect(req.id, keeper),
                              stock.requisitions.cancel(req.id, keeper))
        assert sum(not isinstance(r, InvalidState) for r in results) == 1
    await assert_consistent(stock)
