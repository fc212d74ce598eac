"""End to end: the monthly asset check through the real python-telegram-bot client and the fake
Bot API — the round goes out on its day (controlled clock), the keeper marks one asset missing,
one damaged with a photo (a repair ticket on the asset), the rest in place with one tap; the
managers' summary follows."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.services.assets import AssetCheckService
from models.assets import Asset, AssetCheckItem, AssetEvent
from models.places import Place
from models.repairs import Attachment, Ticket
from tests.e2e_support import QUIET_PTB, bound, telegram_app
from tests.support import png_bytes, seed_small_campus

pytestmark = QUIET_PTB
DEC_1_9 = datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
async def running(tmp_path, api):
    """The app in polling mode; the keeper is Telegram user 5001, the manager 5002."""
    async with telegram_app(tmp_path, api) as app:
        people = await seed_small_campus()
        room, other = await Place.get(code="3-402"), await Place.get(code="3-403")
        for code, place in (("AC-1", room), ("AC-2", room), ("PC-1", other), ("PC-2", other)):
            await Asset.create(code=code, name_zh=f"设备{code}", name_en=f"Device {code}",
                               category="electrical", place=place,
                               responsible=people["worker"])
        keeper = await bound(app, api, people["worker"], 5001)
        manager = await bound(app, api, people["manager"], 5002)
        yield app, keeper, manager


async def test_asset_check_through_telegram(running, api):
    app, keeper, manager = running
    checks = AssetCheckService(app.services)
    await checks.tick(DEC_1_9)
    page = await keeper.expect("2026-12 资产回访")
    assert "📍 3号楼402" in page["text"] and "📍 3号楼403" in page["text"]
    assert "AC-1 设备AC-1" in page["text"] and "PC-2 设备PC-2" in page["text"]

    await keeper.press("❓ AC-1 缺失")
    edited = await keeper.expect("AC-1 设备AC-1 — 缺失")
    assert edited["method"] == "editMessageText"

    await keeper.press("🔧 AC-2 损坏")
    await keeper.expect("AC-2 哪里损坏了")
    await keeper.photo([png_bytes(seed=7)])
    await keeper.expect("已添加照片")
    await keeper.expect("哪里损坏了")  # asked again, now with Submit
    await keeper.press("提交")
    await keeper.expect("AC-2 已记为损坏，已提交维修单 R-")
    again = await keeper.expect("AC-2 设备AC-2 — 损坏")

    assert "本页全部在位" in str(again["reply_markup"])
    await keeper.press("本页全部在位")
    done = await keeper.expect("已全部核对")
    assert "PC-1 设备PC-1 — 在位" in done["text"] and "PC-2 设备PC-2 — 在位" in done["text"]

    answers = dict(await AssetCheckItem.all().values_list("asset__code", "answer"))
    assert answers == {"AC-1": "missing", "AC-2": "damaged", "PC-1": "in_place",
                       "PC-2": "in_place"}
    ac2 = await Asset.get(code="AC-2")
    ticket = await Ticket.get(asset_id=ac2.id)
    assert ac2.status == "damaged" and await Attachment.filter(ticket_id=ticket.id).count() == 1
    assert (await Asset.get(code="AC-1")).status == "missing"
    assert await AssetEvent.filter(asset_id=ac2.id, kind="damaged").exists()

    await checks.tick(DEC_1_9 + timedelta(hours=1))  # everyone answered: the summary now
    summary = await manager.expect("4 件资产已答 4 件（100%）")
    assert "缺失 1 件，损坏 1 件" in summary["text"] and "缺失：AC-1 设备AC-1" in summary["text"]
    assert not api.violations
