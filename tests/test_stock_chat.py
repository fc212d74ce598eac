"""Stock in chat through the dispatcher and a recording adapter: asking, free-text questions,
paging, requisitions (full, partial, rejected, withdrawn), receiving, stocktake, roles and
bad input at each step."""

from __future__ import annotations

import pytest

from models.conversation import ConversationState
from models.repairs import Ticket
from models.stock import Requisition, StockMove
from tests.support import Harness, make_settings, seed_small_campus
from tests.test_stock_support import figures, seed_stores


@pytest.fixture
async def world(harness):
    """The harness with the stock set-up."""
    world = await seed_stores(harness.people)
    world.h = harness
    return world


async def test_stock_command_and_free_text_questions(world):
    h = world.h
    replies = await h.send("student", "/stock 灯管")
    text = replies[-1].text
    assert "灯管（LT-T8）" in text and "北区库房：可用 40 根" in text
    assert "南区库房：可用 6 根 · 下限 10" in text and "⚠️" in text
    replies = await h.send("student", "还有多少灯管")
    assert "北区库房：可用 40 根" in replies[-1].text
    assert not await ConversationState.exists(key="test:student")
    replies = await h.send("student2", "how many LED tubes do we have?")
    assert "LED tube (LT-T8)" in replies[-1].text and "North Store: 40 pcs available" in (
        replies[-1].text)
    replies = await h.send("student", "3号楼402 灯管坏了")  # a repair report stays one
    assert "请确认" in replies[-1].text


async def test_questions_that_name_no_item_go_to_the_repair_shortcut(world):
    h = world.h
    replies = await h.send("student", "还有水吗")
    assert "库存" not in replies[-1].text


async def test_quantities_hidden_for_roles_not_configured(tmp_path):
    h = Harness(make_settings(tmp_path, stock_quantity_roles="worker"))
    await h.start()
    try:
        await seed_stores(await seed_small_campus())
        text = (await h.send("student", "/stock 灯管"))[-1].text
        assert "北区库房：有货" in text and "南区库房：库存偏低" in text and "40" not in text
        assert "不显示具体数量" in text
        assert "可用 40 根" in (await h.send("worker", "/stock 灯管"))[-1].text
    finally:
        await h.stop()


async def test_paging_and_bad_queries(world):
    h = world.h
    first = (await h.send("student", "/stock"))[-1]
    assert "全部库存物资（共 15 项）" in first.text and "第 1/3 页" in first.text
    second = (await h.press("student", "下一页"))[-1]
    assert "第 2/3 页" in second.text and second.edit_message_id == "m1"
    assert {b.label for b in second.buttons[0]} == {"‹ 上一页", "下一页 ›"}
    assert "没有找到" in (await h.send("student", "/stock 量子纠缠器"))[-1].text
    assert "无法识别" in (await h.send("student", callback="stq:zz:灯"))[-1].text
    many = "灯管灯泡插座开关空气开关电工胶布水龙头三角阀花洒生料带"  # too long for paging buttons
    reply = (await h.send("student", f"/stock {many}"))[-1]
    assert "仅显示 5 项" in reply.text and reply.buttons == []


async def _requisition(h, items: str = "灯管 5, 插座 2") -> int:
    await h.send("worker", "/requisition")
    await h.send("worker", items)
    await h.press("worker", "完成")
    await h.press("worker", "北区库房")
    await h.send("worker", "3号楼走廊换灯")
    replies = await h.press("worker", "提交")
    assert "已提交" in replies[0].text
    return (await Requisition.all().order_by("-id").first()).id


async def test_requisition_approved_then_collected(world):
    h = world.h
    replies = await h.send("worker", "/requisition")
    assert "需要哪些物资" in replies[-1].text
    replies = await h.send("worker", "灯管 5, 插座 2")
    assert "灯管 × 5 根" in replies[-1].text and "插座 × 2 个" in replies[-1].text
    replies = await h.press("worker", "完成")
    assert "哪个库房" in replies[-1].text
    assert replies[-1].buttons[0][0].label == "北区库房"  # the worker's zone store first
    await h.press("worker", "北区库房")
    await h.send("worker", "3号楼走廊换灯")
    replies = await h.press("worker", "提交")
    number = (await Requisition.get()).id
    push = h.last("keeper")
    assert f"新申领单 #{number}" in push.text and "王师傅" in push.text
    assert "灯管 × 5 根（可用 40）" in push.text
    replies = await h.press("keeper", "✅ 批准")
    assert "已批准，待领取" in replies[0].text and "1号楼地下室 B01" in replies[0].text
    told = h.last("worker").text
    assert f"申领单 #{number} 已批准" in told and "1号楼地下室 B01" in told
    assert "工作日 8:30–11:30" in told and "（含当天）前" in told
    assert await figures(world.items["LT-T8"], world.stores["N"]) == (40, 5, 35)
    replies = await h.press("keeper", "已领取")
    assert "已领取" in replies[0].text
    assert await figures(world.items["LT-T8"], world.stores["N"]) == (35, 0, 35)
    assert await StockMove.filter(requisition_id=number).count() == 2
    replies = await h.send("keeper", callback=f"rq:a:{number}")
    assert "已经处理过了" in replies[-1].text


async def test_partial_approval_with_bad_input_at_each_step(world):
    h = world.h
    number = await _requisition(h, "水龙头 5\n生料带 2")
    await h.press("keeper", "部分批准")
    replies = await h.send("keeper", "abc")
    assert "不是数量" in replies[0].text and "批准多少" in replies[-1].text
    replies = await h.send("keeper", "1.5")
    assert "整数" in replies[0].text
    replies = await h.send("keeper", "9")
    assert "不能超过申请数量" in replies[0].text
    replies = await h.press("keeper", "3")  # all that is available
    assert "第 2/2 项" in replies[-1].text
    await h.send("keeper", "0")
    replies = await h.press("keeper", "确认批准")
    assert "已批准，待领取" in replies[0].text
    told = h.last("worker").text
    assert "已部分批准" in told and "水龙头：批准 3 个（申请 5）" in told
    assert "生料带：批准 0 卷（申请 2）" in told
    lines = {line.item_id: line.qty_approved for line in
             await (await Requisition.get(id=number)).lines.all()}
    assert sorted(lines.values()) == [0, 3]


async def test_rejection_and_decided_meanwhile(world):
    h = world.h
    number = await _requisition(h)
    await h.press("keeper", "驳回")
    replies = await h.send("keeper", "   ")
    assert "原因" in replies[0].text
    replies = await h.send("keeper", "本月灯管预算已用完")
    assert "已驳回" in replies[0].text
    assert "本月灯管预算已用完" in h.last("worker").text
    replies = await h.send("keeper", callback=f"rq:p:{number}")
    assert "已经处理过了" in replies[-1].text
    assert not await ConversationState.exists(key="test:keeper")


async def test_withdraw_and_lists(world):
    h = world.h
    number = await _requisition(h)
    mine = (await h.send("worker", "/requisitions"))[-1].text
    assert f"#{number} · 待审批 · 北区库房" in mine
    queue = (await h.send("keeper", "/requisitions"))[-1].text
    assert f"#{number} · 待审批 · 北区库房 王师傅" in queue
    replies = await h.send("worker", callback=f"rq:w:{number}")
    assert "已撤回" in replies[0].text
    assert f"#{number} 已由 王师傅 撤回" in h.last("keeper").text
    assert (await Requisition.get(id=number)).status == "cancelled"


async def test_bad_items_in_a_requisition_keep_the_draft(world):
    h = world.h
    await h.send("worker", "/requisition 灯管 2")
    replies = await h.send("worker", "量子纠缠器 3, 灯管 1.5, 插座, tape 2")
    texts = "\n".join(r.text for r in replies)
    assert "没有找到与“量子纠缠器”" in texts and "整数" in texts and "需要多少" in texts
    assert "指的是哪一种" in replies[-1].text
    replies = await h.press("worker", "电工胶布")
    assert "灯管 × 2 根" in replies[-1].text and "电工胶布 × 2 卷" in replies[-1].text
    replies = await h.send("worker", "/stock 插座")  # a question mid-flow, then back
    assert "插座（SK-5）" in replies[0].text and "已填写" in replies[-1].text
    replies = await h.press("worker", "清空")
    assert "需要哪些物资" in replies[-1].text
    replies = await h.send("worker", "灯管 " + "9" * 7)
    assert "超过上限" in replies[0].text


async def test_roles_in_chat(world):
    h = world.h
    for command in ("/requisition", "/receive 灯管 5", "/count 灯管 5", "/lowstock"):
        assert "没有权限" in (await h.send("student", command))[-1].text
    number = await _requisition(h)
    for verb in ("a", "c", "x"):
        replies = await h.send("student", callback=f"rq:{verb}:{number}")
        assert "没有权限" in replies[-1].text
    assert "找不到申领单" in (await h.send("student", callback=f"rq:v:{number}"))[-1].text
    assert "没有权限" in (await h.send("worker", callback=f"rq:a:{number}"))[-1].text
    assert "无法识别" in (await h.send("keeper", callback="rq:zz:1"))[-1].text
    assert "找不到申领单 #424242" in (await h.send("keeper", callback="rq:v:424242"))[-1].text
    assert (await Requisition.get(id=number)).status == "pending"


async def test_receive_and_count_in_chat(world):
    h = world.h
    replies = await h.send("keeper", "/receive 灯管 10")
    assert "请选择库房" in replies[-1].text  # the keeper keeps both stores
    replies = await h.press("keeper", "北区库房")
    assert "在库：40 → 50" in replies[-1].text
    replies = await h.press("keeper", "确认")
    assert "已入库：灯管 10 根 → 北区库房，当前在库 50" in replies[0].text
    replies = await h.send("keeper", "/receive 灯管 1.5")
    assert "整数" in replies[0].text and "到了什么物资" in replies[-1].text
    replies = await h.send("keeper", "tape 3")
    assert "请选择物资" in replies[-1].text
    await h.press("keeper", "生料带")
    await h.press("keeper", "南区库房")
    await h.press("keeper", "取消")
    assert await figures(world.items["TP-01"], world.stores["S"]) == (35, 0, 35)
    await h.send("keeper", "/count 门锁 0")
    replies = await h.press("keeper", "南区库房")
    assert "账面 7，实盘 0 把（差异 -7）" in replies[-1].text
    replies = await h.press("keeper", "确认")
    assert "南区库房的门锁调整 -7 把，当前在库 0" in replies[0].text
    assert await figures(world.items["DL-01"], world.stores["S"]) == (0, 0, 0)
    low = [r.text for r in h.replies_to("keeper") if "库存不足" in r.text]
    assert len(low) == 1 and "库存不足：南区库房·门锁（DL-01）" in low[0]


async def test_lowstock_lists_the_demo_lows(world):
    text = (await world.h.send("keeper", "/lowstock"))[-1].text
    assert "低于下限的物资（6 项" in text
    assert "北区库房：可用 3 个，下限 5" in text  # faucets
    assert "没有权限" in (await world.h.send("worker", "/lowstock"))[-1].text


async def test_stale_requisition_buttons(world):
    h = world.h
    await h.send("worker", "/requisition")
    stale = h.last("worker").buttons[0][0].payload
    await h.send("worker", "/cancel")
    replies = await h.send("worker", callback=stale)
    assert "失效" in replies[0].text
    assert await Ticket.all().count() == 0 and await Requisition.all().count() == 0
