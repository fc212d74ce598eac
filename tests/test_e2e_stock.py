"""End to end: one requisition through the real python-telegram-bot client and the fake Bot
API — a worker asks, the storekeeper approves in part, the worker is told where and when to
collect, the storekeeper confirms the collection."""

from __future__ import annotations

import pytest

from models.stock import Requisition, StockMove
from tests.e2e_support import QUIET_PTB, bound, telegram_app
from tests.support import seed_small_campus
from tests.test_stock_support import assert_consistent, figures, seed_stores

pytestmark = QUIET_PTB


@pytest.fixture
async def running(tmp_path, api):
    """The app in polling mode; the worker is Telegram user 5001, the storekeeper 5002."""
    async with telegram_app(tmp_path, api) as app:
        world = await seed_stores(await seed_small_campus())
        worker = await bound(app, api, world.people["worker"], 5001)
        keeper = await bound(app, api, world.people["keeper"], 5002)
        yield app, world, worker, keeper


async def test_requisition_partly_approved_and_collected(running, api):
    app, world, worker, keeper = running
    await worker.say("/requisition")
    await worker.expect("需要哪些物资")
    await worker.say("灯管 10")
    await worker.expect("灯管 × 10 根")
    await worker.press("完成")
    await worker.expect("哪个库房")
    await worker.press("北区库房")
    await worker.expect("说明用途")
    await worker.say("3号楼走廊换灯")
    card = await worker.expect("请确认申领")
    assert "北区库房" in card["text"] and "3号楼走廊换灯" in card["text"]
    await worker.press("提交")
    done = await worker.expect("已提交")
    assert done["method"] == "editMessageText"
    number = (await Requisition.get()).id

    request = await keeper.expect(f"新申领单 #{number}")
    assert "灯管 × 10 根（可用 40）" in request["text"]
    await keeper.press("部分批准")
    await keeper.expect("批准多少")
    await keeper.say("6")
    await keeper.expect("按以下数量批准")
    await keeper.press("确认批准")
    approved = await keeper.expect("已批准，待领取")
    assert approved["method"] == "editMessageText"
    assert await figures(world.items["LT-T8"], world.stores["N"]) == (40, 6, 34)

    told = await worker.expect(f"申领单 #{number} 已部分批准")
    assert "灯管：批准 6 根（申请 10）" in told["text"]
    assert "北区库房（1号楼地下室 B01）" in told["text"]
    assert "工作日 8:30–11:30、14:00–17:00" in told["text"] and "（含当天）前" in told["text"]

    await keeper.press("已领取")
    collected = await keeper.expect("已领取")
    assert "申领单" in collected["text"]
    assert (await Requisition.get(id=number)).status == "collected"
    assert await figures(world.items["LT-T8"], world.stores["N"]) == (34, 0, 34)
    move = await StockMove.get(requisition_id=number)
    assert (move.kind, move.qty, move.actor_id) == ("requisition", -6, world.people["keeper"].id)
    await assert_consistent(app.services.stock)
    assert not api.violations
