"""Low-stock alerts: once per crossing, on available stock, again only after a restock above
the minimum, snooze with one reminder, the daily digest, and the scheduled job."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.errors import PermissionDenied
from bot.services.stock.jobs import stock_digest, stock_tick
from models.stock import StockLevel
from tests.test_stock_support import seed_stores, set_level

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 09:00 in Asia/Shanghai


@pytest.fixture
async def world(harness):
    """The harness (app + recording adapter) with the stock set-up; demo levels silenced."""
    world = await seed_stores(harness.people)
    await StockLevel.all().update(alert_armed=False)  # the demo's known lows: no alerts
    world.h = harness
    world.stock = harness.app.services.stock
    return world


def alerts_to(world, user: str) -> list[str]:
    """Texts of low-stock alerts sent to a user."""
    return [r.text for r in world.h.replies_to(user)
            if "库存不足" in r.text or "Low stock" in r.text]


async def test_one_alert_per_crossing_then_again_after_restock(world):
    keeper, worker = world.people["keeper"], world.people["worker"]
    lt, north = world.items["LT-T8"], world.stores["N"]
    await set_level(lt, north, 12, minimum=10, reorder=30)
    stock = world.stock
    await stock.ledger.write_off(keeper, lt, north, 1, "破损")  # 11: still fine
    assert await stock.alerts.check([(lt.id, north.id)]) == 0
    await stock.ledger.write_off(keeper, lt, north, 3, "破损")  # 8: crosses below 10
    assert await stock.alerts.check([(lt.id, north.id)]) == 1
    texts = alerts_to(world, "keeper")
    assert len(texts) == 1
    assert "北区库房" in texts[0] and "灯管" in texts[0] and "可用：8 根" in texts[0]
    assert "下限 10" in texts[0] and "建议补货：30 根" in texts[0]
    assert "近 30 天用量：4 根" in texts[0]
    assert len(alerts_to(world, "manager")) == 1
    assert alerts_to(world, "worker") == [] and alerts_to(world, "student") == []
    snooze = world.h.replies_to("keeper")[-1].buttons[0][0]
    assert snooze.payload.startswith("stz:") and "7" in snooze.label
    await stock.ledger.write_off(keeper, lt, north, 2, "破损")  # 6: still low, no repeat
    assert await stock.alerts.check() == 0
    assert await stock.alerts.check() == 0
    await stock.ledger.receive(keeper, lt, north, 3)  # 9: not above the minimum yet
    assert await stock.alerts.check() == 0
    await stock.ledger.receive(keeper, lt, north, 1)  # 10: back at the minimum: re-armed
    assert await stock.alerts.check() == 0
    ticket_lines = [("LT-T8", 1)]
    from tests.test_stock_ledger import _ticket

    await stock.consume_for_ticket(worker, await _ticket(world), ticket_lines)  # 9 again
    assert await stock.alerts.check() == 1
    assert len(alerts_to(world, "keeper")) == 2


async def test_alerts_are_computed_on_available_not_on_hand(world):
    keeper, worker = world.people["keeper"], world.people["worker"]
    lt, north = world.items["LT-T8"], world.stores["N"]
    await set_level(lt, north, 15, minimum=10, reorder=0)
    req = await world.stock.requisitions.create(worker, north.id, [(lt.id, 8)], "换灯")
    await world.stock.requisitions.approve(req.id, keeper)  # on hand 15, available 7
    assert await world.stock.alerts.check() == 1
    text = alerts_to(world, "keeper")[-1]
    assert "可用：7 根（在库 15）" in text and "建议补货：3 根" in text
    await world.stock.requisitions.cancel(req.id, keeper)  # released: available 15
    assert await world.stock.alerts.check() == 0
    assert (await StockLevel.get(item_id=lt.id, warehouse_id=north.id)).alert_armed


async def test_snooze_silences_then_reminds_once(world):
    keeper, student = world.people["keeper"], world.people["student"]
    lt, north = world.items["LT-T8"], world.stores["N"]
    level = await set_level(lt, north, 5, minimum=10)
    stock = world.stock
    assert await stock.alerts.check(now=NOW) == 1
    with pytest.raises(PermissionDenied):
        await stock.alerts.snooze(level.id, student, now=NOW)
    _, until = await stock.alerts.snooze(level.id, keeper, now=NOW)
    assert until == NOW + timedelta(days=7)
    await stock.ledger.receive(keeper, lt, north, 10)  # 15, then down to 5: a new crossing
    await stock.alerts.check(now=NOW + timedelta(days=1))
    await stock.ledger.write_off(keeper, lt, north, 10, "调拨")
    assert await stock.alerts.check(now=NOW + timedelta(days=2)) == 0  # snoozed
    assert await stock.alerts.check(now=NOW + timedelta(days=7, minutes=1)) == 1
    assert await stock.alerts.check(now=NOW + timedelta(days=8)) == 0
    assert len(alerts_to(world, "keeper")) == 2


async def test_snooze_button_through_the_dispatcher(world):
    h = world.h
    lt, north = world.items["LT-T8"], world.stores["N"]
    await set_level(lt, north, 5, minimum=10)
    await world.stock.alerts.check()
    replies = await h.press("keeper", "7 天")
    assert "已暂停提醒至" in replies[-1].text and replies[-1].edit_message_id == "m1"
    level = await StockLevel.get(item_id=lt.id, warehouse_id=north.id)
    assert level.snoozed_until is not None
    payload = h.replies_to("keeper")[-2].buttons[0][0].payload
    replies = await h.send("student", callback=payload)
    assert "没有权限" in replies[-1].text
    assert "无法识别" in (await h.send("keeper", callback="stz:abc"))[-1].text
    assert "已不存在" in (await h.send("keeper", callback="stz:999999"))[-1].text


async def test_two_checks_at_once_send_one_alert(world):
    lt, north = world.items["LT-T8"], world.stores["N"]
    await set_level(lt, north, 3, minimum=10)
    sent = await asyncio.gather(*(world.stock.alerts.check() for _ in range(4)))
    assert sum(sent) == 1 and len(alerts_to(world, "keeper")) == 1


async def test_daily_digest_lists_everything_below_minimum_once_a_day(world):
    keeper = world.people["keeper"]
    lt, north = world.items["LT-T8"], world.stores["N"]
    level = await set_level(lt, north, 5, minimum=10)
    await world.stock.alerts.snooze(level.id, keeper, now=NOW)
    assert await stock_digest(world.h.app.services, now=NOW) == 2
    digest = [r.text for r in world.h.replies_to("keeper") if "每日库存检查" in r.text]
    assert len(digest) == 1
    text = digest[0]
    assert "7 项物资低于下限" in text  # the demo's six lows and this one
    assert "北区库房：可用 5 根，下限 10" in text and "已暂停提醒至 11-30" in text
    assert "南区库房：可用 0 卷，下限 10" in text  # electrical tape, out of stock
    assert await stock_digest(world.h.app.services, now=NOW) == 0
    later = NOW + timedelta(days=1)
    assert await stock_digest(world.h.app.services, now=later) == 2


async def test_stock_tick_expires_requisitions_and_alerts(world):
    keeper, worker = world.people["keeper"], world.people["worker"]
    lt, north = world.items["LT-T8"], world.stores["N"]
    await set_level(lt, north, 20, minimum=10)
    req = await world.stock.requisitions.create(worker, north.id, [(lt.id, 12)], "换灯")
    await world.stock.requisitions.approve(req.id, keeper, now=NOW)
    services = world.h.app.services
    assert await stock_tick(services, now=NOW + timedelta(hours=1)) == 1
    assert await stock_tick(services, now=NOW + timedelta(days=3, hours=14)) == 0
    assert await stock_tick(services, now=NOW + timedelta(days=3, hours=15)) == 1
    told = [r.text for r in world.h.replies_to("worker") if f"#{req.id}" in r.text]
    assert any("到 11-26 仍未领取" in t for t in told)
    assert any("逾期未领取" in r.text for r in world.h.replies_to("keeper"))
    assert (await StockLevel.get(item_id=lt.id, warehouse_id=north.id)).available == 20


def test_stock_payloads_pack_as_the_buttons_always_did():
    from bot.services.stock import RequisitionTap, SnoozeTap, StockPage

    assert RequisitionTap("a", 12).pack() == "rq:a:12"
    assert RequisitionTap.parse(["x", "12"]) == RequisitionTap("x", 12)
    assert StockPage(2, "灯管").pack() == "stq:2:灯管"
    assert StockPage(0, "").pack() == "stq:0:"
    assert StockPage.parse(["3", "a:b"]) == StockPage(3, "a:b")
    assert StockPage.parse(["3"]) == StockPage(3, "")
    assert SnoozeTap(7).pack() == "stz:7"
