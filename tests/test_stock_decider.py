"""Who may decide on a requisition: not its own requester, not a storekeeper of another
store, unless they are also a manager (then recorded as a manager decision)."""

from __future__ import annotations

import pytest

from bot.core.errors import PermissionDenied
from bot.services.stock.service import StockService
from models.audit import AuditLog
from models.conversation import ConversationState
from models.stock import Requisition
from tests.support import seed_small_campus
from tests.test_stock_support import add_person, figures, seed_stores


@pytest.fixture
async def world(db):
    """The small campus with the stock set-up, a second storekeeper (no store of their own)
    and a storekeeper who is also a manager."""
    world = await seed_stores(await seed_small_campus())
    world.people["other"] = await add_person("other", "钱库管", ["storekeeper"])
    world.people["boss"] = await add_person("boss", "孙主管", ["storekeeper", "manager"])
    return world


@pytest.fixture
def stock():
    """A stock service."""
    return StockService(collect_days=3)


async def _req(world, stock, who: str = "worker") -> Requisition:
    lt, north = world.items["LT-T8"], world.stores["N"]
    return await stock.requisitions.create(world.people[who], north.id, [(lt.id, 2)], "换灯")


async def _refused(call, key: str) -> None:
    with pytest.raises(PermissionDenied) as err:
        await call
    assert err.value.key == key


async def test_a_storekeeper_cannot_decide_on_their_own_requisition(world, stock):
    keeper, boss = world.people["keeper"], world.people["boss"]
    req = await _req(world, stock, "keeper")
    reqs = stock.requisitions
    await _refused(reqs.approve(req.id, keeper), "stock.req_own")
    await _refused(reqs.approve(req.id, keeper, {1: 1}), "stock.req_own")
    await _refused(reqs.reject(req.id, keeper, "不要了"), "stock.req_own")
    await reqs.approve(req.id, boss)  # a manager may
    await _refused(reqs.collect(req.id, keeper), "stock.req_own")
    assert (await Requisition.get(id=req.id)).status == "approved"
    assert await figures(world.items["LT-T8"], world.stores["N"]) == (40, 2, 38)
    view = await reqs.cancel(req.id, keeper)  # withdrawing one's own stays allowed
    assert view.requisition.status == "cancelled"
    cancel = await AuditLog.get(action="requisition.cancel")
    assert cancel.detail == {"as": "requester"}


async def test_a_storekeeper_cannot_decide_for_a_store_they_do_not_keep(world, stock):
    other, keeper = world.people["other"], world.people["keeper"]
    reqs = stock.requisitions
    req = await _req(world, stock)
    await _refused(reqs.approve(req.id, other), "stock.req_not_your_store")
    await _refused(reqs.reject(req.id, other, "不行"), "stock.req_not_your_store")
    await _refused(reqs.check_decider(req.id, other), "stock.req_not_your_store")
    await reqs.approve(req.id, keeper)
    await _refused(reqs.collect(req.id, other), "stock.req_not_your_store")
    await _refused(reqs.cancel(req.id, other), "stock.req_not_your_store")  # release
    assert (await Requisition.get(id=req.id)).status == "approved"
    view = await reqs.collect(req.id, keeper)
    assert view.requisition.status == "collected"
    audit = {a.action: a.detail for a in await AuditLog.filter(target=f"#{req.id}")}
    assert audit["requisition.approve"]["as"] == "storekeeper"
    assert audit["requisition.collect"] == {"as": "storekeeper"}


async def test_a_manager_may_and_is_recorded_as_manager(world, stock):
    boss = world.people["boss"]
    reqs = stock.requisitions
    own = await _req(world, stock, "boss")  # filed by themself
    await reqs.approve(own.id, boss)
    await reqs.collect(own.id, boss)
    foreign = await _req(world, stock)  # a store they do not keep (北区 has its keeper)
    await reqs.reject(foreign.id, boss, "预算不足")
    released = await _req(world, stock)
    await reqs.approve(released.id, boss)
    await reqs.cancel(released.id, boss)
    rows = await AuditLog.filter(actor_id=boss.id, action__startswith="requisition.").exclude(
        action="requisition.create")
    assert len(rows) == 5
    assert all(row.detail["as"] == "manager" for row in rows)
    assert (await Requisition.get(id=own.id)).decided_by_id == boss.id


async def test_refusals_are_localized_in_chat_and_start_no_flow(harness):
    world = await seed_stores(harness.people)
    other = await add_person("other", "钱库管", ["storekeeper"])
    stock = harness.app.services.stock
    req = await stock.requisitions.create(
        world.people["keeper"], world.stores["N"].id, [(world.items["LT-T8"].id, 2)], "换灯"
    )
    replies = await harness.send("keeper", callback=f"rq:a:{req.id}")
    assert "是您本人提交的" in replies[-1].text
    replies = await harness.send("keeper", callback=f"rq:p:{req.id}")
    assert "是您本人提交的" in replies[-1].text
    assert not await ConversationState.exists(key="test:keeper")
    replies = await harness.send("other", callback=f"rq:r:{req.id}")
    assert "不属于您管理的仓库" in replies[-1].text
    other.locale = "en"
    await other.save(update_fields=["locale"])
    replies = await harness.send("other", callback=f"rq:a:{req.id}")
    assert "a store you do not keep" in replies[-1].text
    assert (await Requisition.get(id=req.id)).status == "pending"


async def test_a_keepers_own_requisition_is_offered_to_the_managers_not_to_them(world, stock):
    reqs = stock.requisitions
    own = await _req(world, stock, "keeper")
    await own.fetch_related("warehouse")
    assert [p.id for p in await reqs.deciders(own)] == [world.people["boss"].id]
    theirs = await _req(world, stock)
    await theirs.fetch_related("warehouse")
    assert [p.id for p in await reqs.deciders(theirs)] == [world.people["keeper"].id]


async def test_decision_buttons_only_for_those_who_may_decide(harness):
    world = await seed_stores(harness.people)
    await add_person("other", "钱库管", ["storekeeper"])
    stock = harness.app.services.stock
    req = await stock.requisitions.create(
        world.people["worker"], world.stores["N"].id, [(world.items["LT-T8"].id, 2)], "换灯"
    )
    for user, shown in (("keeper", True), ("other", False)):
        replies = await harness.send(user, callback=f"rq:v:{req.id}")
        labels = [b.label for row in replies[-1].buttons for b in row]
        assert any("批准" in label for label in labels) is shown, (user, labels)
