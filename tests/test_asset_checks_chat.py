"""The asset check in chat, through the dispatcher: /assetcheck for managers only, a keeper's
page with one tap per asset, damaged with a photo and a note, a forged button for someone else's
answer, a page of a closed round, and bad input in the damage step."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.services.assets import CheckTap
from models.assets import Asset, AssetCheckItem, AssetCheckRound
from models.places import Place
from models.repairs import Attachment, Ticket
from tests.support import Harness, png_bytes


@pytest.fixture
async def h(harness: Harness):
    room, other = await Place.get(code="3-402"), await Place.get(code="3-403")
    worker, student = harness.people["worker"], harness.people["student"]
    for code, place, keeper in (("AC-1", room, worker), ("AC-2", room, worker),
                                ("PC-1", other, worker), ("TV-1", other, student)):
        await Asset.create(code=code, name_zh=f"设备{code}", name_en=f"Device {code}",
                           category="electrical", place=place, responsible=keeper)
    return harness


def said(h: Harness, user: str) -> str:
    return "\n".join(r.text for r in h.replies_to(user))


async def start(h: Harness) -> AssetCheckRound:
    replies = await h.send("manager", "/assetcheck 3")
    assert "已向 3号楼 发出" in replies[-1].text and "4 件资产" in replies[-1].text
    return await AssetCheckRound.get()


async def test_a_reporter_cannot_start_an_asset_check(h):
    await h.send("student", "/assetcheck 3")
    assert "没有权限" in h.last("student").text
    assert not await AssetCheckRound.exists()
    await h.send("manager", "/assetcheck")
    assert "/assetcheck 地点" in h.last("manager").text
    await h.send("manager", "/assetcheck 火星")
    assert "火星" in h.last("manager").text and not await AssetCheckRound.exists()


async def test_keeper_answers_a_page_then_damaged_with_a_photo(h):
    await start(h)
    page = h.last("worker")
    assert "资产回访 #" in page.text and "3号楼402" in page.text and "3号楼403" in page.text
    await h.press("worker", "❓ AC-1 缺失")
    assert "AC-1 设备AC-1 — 缺失" in h.last("worker").text
    assert (await Asset.get(code="AC-1")).status == "missing"
    await h.press("worker", "🔧 AC-2 损坏")
    assert "AC-2 哪里损坏了" in h.last("worker").text
    await h.send("worker", "/help")  # a command in the middle keeps the step
    await h.send("worker", photos=[png_bytes(seed=3)])
    assert "已添加照片（1 张）" in said(h, "worker")
    await h.press("worker", "提交")
    assert "AC-2 已记为损坏" in said(h, "worker")
    ticket = await Ticket.get(asset_id=(await Asset.get(code="AC-2")).id)
    assert await Attachment.filter(ticket_id=ticket.id).count() == 1
    assert (await Asset.get(code="AC-2")).status == "damaged"
    await h.press("worker", "本页全部在位")
    assert "已全部核对" in h.last("worker").text
    answers = dict(await AssetCheckItem.all().values_list("asset__code", "answer"))
    assert answers == {"AC-1": "missing", "AC-2": "damaged", "PC-1": "in_place",
                       "TV-1": None}


async def test_damage_needs_a_note_or_a_photo(h):
    await start(h)
    await h.press("worker", "🔧 AC-1 损坏")
    assert not any("提交" in b.label for row in h.last("worker").buttons for b in row)
    await h.send("worker", "   ")
    assert "请用文字说明损坏情况" in said(h, "worker")
    await h.send("worker", "门框松了")
    assert "AC-1 已记为损坏" in said(h, "worker")
    ticket = await Ticket.get()
    assert "门框松了" in ticket.description and ticket.asset_id is not None


async def test_a_forged_button_for_someone_elses_answer_is_refused(h):
    await start(h)
    theirs = await AssetCheckItem.get(asset__code="AC-1")
    await h.send("student", callback=CheckTap("x", theirs.id).pack())
    assert "没有权限" in h.last("student").text
    await h.send("student", callback=CheckTap("a", theirs.sheet_id, 1).pack())
    assert "没有权限" in h.last("student").text
    await h.send("student", callback=CheckTap("d", theirs.id).pack())
    assert "没有权限" in h.last("student").text
    await h.send("student", callback="ac:x:notanumber")
    assert "无法识别这个按钮" in h.last("student").text
    assert (await AssetCheckItem.get(id=theirs.id)).answer is None
    assert (await Asset.get(code="AC-1")).status == "in_use"


async def test_a_closed_round_answers_closed_and_changes_nothing(h):
    await start(h)
    await AssetCheckRound.all().update(closed_at=datetime.now(UTC))
    await h.press("worker", "❓ AC-1 缺失")
    assert "已结束" in h.last("worker").text
    assert (await Asset.get(code="AC-1")).status == "in_use"
    assert not await AssetCheckItem.filter(answer__not_isnull=True).exists()


async def test_the_round_closing_during_the_damage_step_ends_it(h):
    await start(h)
    await h.press("worker", "🔧 AC-1 损坏")
    await AssetCheckRound.all().update(closed_at=datetime.now(UTC))  # next month's went out
    await h.send("worker", "屏幕裂了")
    assert "已结束" in h.last("worker").text
    assert not await Ticket.exists() and (await Asset.get(code="AC-1")).status == "in_use"
    await h.send("worker", "还在吗")  # no longer taken as the damage note
    assert not await Ticket.exists()
