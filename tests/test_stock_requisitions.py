"""Requisitions at service level: create, approve in full and in part, reject, collect,
withdraw, release, expiry, already-decided, and who may do what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.errors import InvalidState, NotFound, PermissionDenied, ServiceError
from bot.services.repairs.tickets import RepairService
from bot.services.stock.service import StockService
from models.places import Place
from models.stock import Requisition, StockMove
from tests.support import seed_small_campus
from tests.test_stock_support import assert_consistent, figures, seed_stores

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
async def world(db):
    """The small campus with the stock set-up."""
    return await seed_stores(await seed_small_campus())


@pytest.fixture
def stock():
    """A stock service: approved requisitions must be collected within 3 days."""
    return StockService(collect_days=3)


async def test_full_approval_reserves_then_collection_issues(world, stock):
    worker, keeper = world.people["worker"], world.people["keeper"]
    lt, sk, north = world.items["LT-T8"], world.items["SK-5"], world.stores["N"]
    req = await stock.requisitions.create(worker, north.id, [(lt.id, 6), (sk.id, 2), (lt.id, 4)],
                                          "3号楼走廊换灯")
    view = await stock.requisitions.view(req.id, worker)
    assert [(line.item.code, line.qty_requested) for line in view.lines] == [("LT-T8", 10),
                                                                              ("SK-5", 2)]
    view = await stock.requisitions.approve(req.id, keeper, now=NOW)
    assert view.requisition.status == "approved" and not view.partial
    assert view.requisition.collect_by == datetime(2026, 11, 26, 16, 0, tzinfo=UTC)  # 11-27 0:00
    assert await figures(lt, north) == (40, 10, 30)  # on hand unchanged, available down
    await assert_consistent(stock)
    view = await stock.requisitions.collect(req.id, keeper, now=NOW)
    assert view.requisition.status == "collected"
    assert await figures(lt, north) == (30, 0, 30)
    moves = await StockMove.filter(requisition_id=req.id).order_by("id")
    assert [(m.kind, m.qty) for m in moves] == [("requisition", -10), ("requisition", -2)]
    assert all(m.actor_id == keeper.id for m in moves)
    await assert_consistent(stock)
    with pytest.raises(InvalidState) as err:
        await stock.requisitions.collect(req.id, keeper)
    assert err.value.key == "stock.req_not_approved"


async def test_partial_approval_and_its_limits(world, stock):
    worker, keeper = world.people["worker"], world.people["keeper"]
    fc, tp, north = world.items["FC-01"], world.items["TP-01"], world.stores["N"]
    req = await stock.requisitions.create(worker, north.id, [(fc.id, 5), (tp.id, 2)], "换龙头")
    with pytest.raises(InvalidState) as err:  # only 3 faucets: in full is impossible
        await stock.requisitions.approve(req.id, keeper)
    assert err.value.key == "stock.not_enough" and err.value.fields["available"] == 3
    assert (await Requisition.get(id=req.id)).status == "pending"
    assert await figures(tp, north) == (50, 0, 50)  # the other line was rolled back too
    lines = {line.item.code: line.id for line in
             (await stock.requisitions.view(req.id, keeper)).lines}
    with pytest.raises(ServiceError) as err:
        await stock.requisitions.approve(req.id, keeper, {lines["FC-01"]: 6})
    assert err.value.key == "stock.approve_over_request"
    with pytest.raises(ServiceError) as err:
        await stock.requisitions.approve(req.id, keeper, {lines["FC-01"]: 0})
    assert err.value.key == "stock.approve_none"
    with pytest.raises(ServiceError) as err:
        await stock.requisitions.approve(req.id, keeper, {lines["FC-01"]: -1})
    assert err.value.key == "stock.qty_positive"
    view = await stock.requisitions.approve(req.id, keeper, {lines["FC-01"]: 3})
    assert view.partial
    assert {line.item.code: line.qty_approved for line in view.lines} == {"FC-01": 3, "TP-01": 0}
    assert await figures(fc, north) == (3, 3, 0)
    await assert_consistent(stock)
    with pytest.raises(InvalidState) as err:
        await stock.requisitions.approve(req.id, keeper)
    assert err.value.key == "stock.req_decided"


async def test_rejection_needs_a_reason_and_is_final(world, stock):
    worker, keeper = world.people["worker"], world.people["keeper"]
    req = await stock.requisitions.create(worker, world.stores["S"].id,
                                          [(world.items["DL-01"].id, 1)], "宿舍换锁")
    with pytest.raises(ServiceError) as err:
        await stock.requisitions.reject(req.id, keeper, "   ")
    assert err.value.key == "stock.reason_needed"
    view = await stock.requisitions.reject(req.id, keeper, "请先报修，由维修组领取")
    assert view.requisition.status == "rejected"
    assert view.requisition.reject_reason == "请先报修，由维修组领取"
    for action in (stock.requisitions.reject(req.id, keeper, "again"),
                   stock.requisitions.approve(req.id, keeper)):
        with pytest.raises(InvalidState) as err:
            await action
        assert err.value.key == "stock.req_decided"
    with pytest.raises(NotFound):
        await stock.requisitions.reject(99999, keeper, "x")


async def test_withdraw_release_and_expiry_give_the_stock_back(world, stock):
    worker, keeper = world.people["worker"], world.people["keeper"]
    lt, north = world.items["LT-T8"], world.stores["N"]
    reqs = [await stock.requisitions.create(worker, north.id, [(lt.id, 5)], f"第{i}批")
            for i in range(3)]
    for req in reqs:
        await stock.requisitions.approve(req.id, keeper, now=NOW)
    assert await figures(lt, north) == (40, 15, 25)
    view = await stock.requisitions.cancel(reqs[0].id, worker)  # the requester withdraws
    assert view.requisition.status == "cancelled"
    view = await stock.requisitions.cancel(reqs[1].id, keeper)  # not collected: released
    assert view.requisition.status == "cancelled"
    assert await stock.requisitions.expire_due(NOW + timedelta(days=3, hours=6)) == []
    expired = await stock.requisitions.expire_due(NOW + timedelta(days=3, hours=7))
    assert [v.requisition.id for v in expired] == [reqs[2].id]
    assert await figures(lt, north) == (40, 0, 40)
    assert await StockMove.filter(requisition_id__isnull=False).count() == 0
    await assert_consistent(stock)
    with pytest.raises(InvalidState) as err:
        await stock.requisitions.cancel(reqs[2].id, worker)
    assert err.value.key == "stock.req_closed"


async def test_roles(world, stock):
    student, worker, keeper = (world.people[k] for k in ("student", "worker", "keeper"))
    manager, lt, north = world.people["manager"], world.items["LT-T8"], world.stores["N"]
    with pytest.raises(PermissionDenied):  # a student cannot requisition
        await stock.requisitions.create(student, north.id, [(lt.id, 1)], "自用")
    req = await stock.requisitions.create(worker, north.id, [(lt.id, 1)], "换灯")
    for person in (student, worker, manager):  # nor approve, reject or collect
        with pytest.raises(PermissionDenied):
            await stock.requisitions.approve(req.id, person)
        with pytest.raises(PermissionDenied):
            await stock.requisitions.reject(req.id, person, "no")
        with pytest.raises(PermissionDenied):
            await stock.requisitions.collect(req.id, person)
        with pytest.raises(PermissionDenied):
            await stock.requisitions.queue(person)
    with pytest.raises(NotFound):  # others' requisitions are invisible to a student
        await stock.requisitions.view(req.id, student)
    with pytest.raises(PermissionDenied):
        await stock.requisitions.cancel(req.id, student)
    with pytest.raises(InvalidState):  # a storekeeper rejects a pending one, not cancels it
        await stock.requisitions.cancel(req.id, keeper)
    assert (await stock.requisitions.view(req.id, manager)).requisition.id == req.id
    assert [r.id for r in await stock.requisitions.queue(keeper)] == [req.id]
    assert [r.id for r in await stock.requisitions.mine(worker)] == [req.id]


async def test_bad_requests(world, stock):
    worker, north = world.people["worker"], world.stores["N"]
    lt = world.items["LT-T8"]
    cases = [
        ({"lines": []}, "stock.no_lines"),
        ({"lines": [(lt.id, 0)]}, "stock.qty_positive"),
        ({"lines": [(lt.id, 2.5)]}, "stock.qty_fraction"),
        ({"lines": [(lt.id, 100_001)]}, "stock.qty_too_large"),
        ({"lines": [(lt.id, 60_000), (lt.id, 60_000)]}, "stock.qty_too_large"),
        ({"lines": [(987654, 1)]}, "stock.item_unknown"),
        ({"lines": [(lt.id, 1)], "purpose": "  "}, "stock.purpose_needed"),
        ({"lines": [(lt.id, 1)], "ticket_number": "R-20990101-0001"}, "tickets.unknown"),
        ({"lines": [(lt.id, 1)], "store": 4242}, "stock.store_unknown"),
    ]
    for case, key in cases:
        with pytest.raises(ServiceError) as err:
            await stock.requisitions.create(
                worker, case.get("store", north.id), case["lines"], case.get("purpose", "x"),
                case.get("ticket_number"),
            )
        assert err.value.key == key, case
    assert await Requisition.all().count() == 0


async def test_for_a_ticket_collection_links_the_ticket(world, stock):
    worker, keeper = world.people["worker"], world.people["keeper"]
    place = await Place.get(code="3-402")
    ticket = await RepairService().create(world.people["student"], place, "electrical", "灯不亮")
    req = await stock.requisitions.create(worker, world.stores["N"].id,
                                          [(world.items["LT-T8"].id, 2)], "",
                                          ticket.number.lower())
    assert req.ticket_id == ticket.id
    await stock.requisitions.approve(req.id, keeper)
    await stock.requisitions.collect(req.id, keeper)
    move = await StockMove.get(requisition_id=req.id)
    assert move.ticket_id == ticket.id
