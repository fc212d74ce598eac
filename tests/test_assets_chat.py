"""Assets and QR codes in chat, through the dispatcher: a scan starts a report with the place
(and asset) filled in, unknown/retired codes, unbound scanners, the asset card and who may
change assets, and the optional asset step of the guided report."""

from __future__ import annotations

import pytest

from bot.core.qr_links import encode_param
from models.assets import Asset, AssetEvent
from models.places import Place
from models.repairs import Ticket
from tests.support import Harness


@pytest.fixture
async def h(harness: Harness):
    room = await Place.get(code="3-402")
    harness.ac = await Asset.create(code="AC-3-402", name_zh="空调", name_en="Air conditioner",
                                    category="hvac", place=room)
    harness.tv = await Asset.create(code="TV_1", name_zh="电视", name_en="TV", place=room)
    return harness


def texts(replies) -> str:
    return "\n".join(r.text for r in replies)


async def finish_report(h: Harness, user: str, category: str, description: str) -> Ticket:
    await h.press(user, category)
    assert "什么问题" in h.last(user).text or "What is wrong" in h.last(user).text
    await h.send(user, description)
    await h.press(user, "跳过" if h.languages.get(user) != "en" else "Skip")
    await h.press(user, "一般" if h.languages.get(user) != "en" else "Normal")
    await h.press(user, "提交" if h.languages.get(user) != "en" else "Submit")
    return await Ticket.all().order_by("-id").first()


async def test_place_qr_goes_straight_to_the_problem(h):
    replies = await h.send("student", f"/start {encode_param('place', '3-402')}")
    assert "3号楼402" in replies[0].text and "二维码" in replies[0].text
    assert "哪类问题" in replies[-1].text
    ticket = await finish_report(h, "student", "水管", "水龙头漏水")
    prompts = texts(h.replies_to("student"))
    assert "在哪里" not in prompts and "哪台设备" not in prompts  # no place typed or picked
    place = await Place.get(id=ticket.place_id)
    assert place.code == "3-402" and ticket.asset_id is None
    assert ticket.description == "水龙头漏水"


async def test_asset_qr_files_on_the_asset(h):
    h.languages["student2"] = "en"
    replies = await h.send("student2", f"/start {encode_param('asset', 'TV_1')}")
    assert "TV (TV_1) at Building 3, Room 402" in replies[0].text
    assert not replies[0].buttons  # a student gets no asset card button
    ticket = await finish_report(h, "student2", "Electrical", "no picture")
    card = [r.text for r in h.replies_to("student2") if "Equipment:" in r.text]
    assert card and "TV (TV_1)" in card[-1]
    assert ticket.asset_id == h.tv.id and ticket.place_id == h.tv.place_id
    assert (await Asset.get(id=h.tv.id)).status == "under_repair"
    assert await AssetEvent.filter(asset_id=h.tv.id, kind="repair_opened").exists()


async def test_unknown_and_retired_codes_offer_normal_reporting(h):
    replies = await h.send("student", "/start p_NOPE-1")
    assert "不存在" in replies[0].text and "NOPE-1" in replies[0].text
    assert replies[0].buttons[0][0].label == "📝 报修"
    await h.press("student", "报修")
    assert "哪类问题" in h.last("student").text
    await h.send("student", "/cancel")
    await Asset.filter(id=h.ac.id).update(status="disposed")
    replies = await h.send("student", f"/start {encode_param('asset', 'AC-3-402')}")
    assert "已报废" in replies[0].text and replies[0].buttons
    await Place.filter(code="3-403").update(active=False)
    replies = await h.send("student", "/start p_3-403")
    assert "已停用" in replies[0].text
    replies = await h.send("student", "/start a_")  # malformed: treated as an invite code
    assert "无效" in replies[0].text
    assert await Ticket.all().count() == 0


async def test_unbound_scanner_registers_then_reports_at_the_place(h):
    h.languages["stranger"], h.names["stranger"] = "en", "Zhou"
    replies = await h.send("stranger", "/start p_3-402")
    assert "your name" in replies[-1].text
    await h.press("stranger", "I'm Zhou")
    replies = await h.send("stranger", "+86 138 0013 8000")
    assert "registered" in replies[0].text
    assert "Building 3, Room 402" in texts(replies) and "What kind" in replies[-1].text
    ticket = await finish_report(h, "stranger", "Plumbing", "leaking tap")
    assert (await Place.get(id=ticket.place_id)).code == "3-402"


async def test_asset_card_for_staff_only(h):
    replies = await h.send("student", "/asset AC-3-402")
    assert "没有权限" in texts(replies) and "AC-3-402" not in texts(replies)
    replies = await h.send("worker", "/asset ac-3-402")
    card = replies[-1]
    assert "空调" in card.text and "3号楼402" in card.text and "在用" in card.text
    labels = [b.label for row in card.buttons for b in row]
    assert not any("调拨" in label or "报废" in label for label in labels)
    replies = await h.send("worker", "/asset NOPE")
    assert "没有编号为 NOPE" in replies[-1].text
    replies = await h.send("worker", "/asset")
    assert "/asset" in replies[-1].text
    # a worker pressing a manager's button (an old message, a forged payload) is refused
    replies = await h.send("worker", callback=f"as:d:{h.ac.id}")
    assert "没有权限" in texts(replies) and "报废的原因" not in texts(replies)
    replies = await h.send("worker", callback=f"as:st:{h.ac.id}:idle")
    assert "没有权限" in texts(replies)
    replies = await h.send("student", callback=f"as:m:{h.ac.id}")
    assert "没有权限" in texts(replies)
    assert (await Asset.get(id=h.ac.id)).status == "in_use"


async def test_manager_moves_changes_status_and_disposes(h):
    await h.send("manager", "/asset AC-3-402")
    await h.press("manager", "调拨")
    assert "调拨到哪里" in h.last("manager").text
    await h.send("manager", "3号楼402")
    assert "已在" in h.last("manager").text  # same place: refused, still asking
    await h.send("manager", "3-403")
    assert "已调拨至 3号楼403" in texts(h.replies_to("manager")[-2:])
    assert (await Asset.get(id=h.ac.id).prefetch_related("place")).place.code == "3-403"
    await h.press("manager", "改状态")
    await h.press("manager", "闲置")
    assert (await Asset.get(id=h.ac.id)).status == "idle"
    await h.press("manager", "报废")
    await h.send("manager", "   ")
    assert "请填写原因" in texts(h.replies_to("manager")[-2:])
    await h.send("manager", "老化，无法维修")
    asset = await Asset.get(id=h.ac.id)
    assert asset.status == "disposed"
    card = h.last("manager").text
    assert "已报废" in card and "老化，无法维修" in card and "调拨至 3号楼403" in card
    kinds = await AssetEvent.filter(asset_id=asset.id).order_by("id").values_list("kind",
                                                                                 flat=True)
    assert list(kinds) == ["moved", "status", "disposed"]


async def test_guided_report_offers_the_place_assets(h):
    await h.send("student", "/report")
    await h.press("student", "电路")
    await h.send("student", "3号楼402")
    assert "哪台设备" in h.last("student").text
    await h.press("student", "空调")
    assert "什么问题" in h.last("student").text
    await h.send("student", "不制冷")
    await h.press("student", "跳过")
    await h.press("student", "一般")
    assert "设备：空调（AC-3-402）" in h.last("student").text
    await h.press("student", "提交")
    ticket = await Ticket.get()
    assert ticket.asset_id == h.ac.id
    await h.send("student", "/report")  # at a place without assets: no asset step
    await h.press("student", "水管")
    await h.send("student", "3-403")
    assert "什么问题" in h.last("student").text


async def test_one_message_report_still_one_tap_and_may_name_the_asset(h):
    replies = await h.send("student", "3号楼402 空调不制冷")
    card = replies[-1]
    assert "请确认" in card.text and "设备：" not in card.text
    await h.press("student", "选择具体设备")
    assert "哪台设备" in h.last("student").text
    await h.press("student", "空调")
    assert "设备：空调（AC-3-402）" in h.last("student").text
    await h.press("student", "提交")
    ticket = await Ticket.get()
    assert ticket.asset_id == h.ac.id and ticket.description == "空调不制冷"
    await h.send("student", "3-402 电视没信号")  # one tap, no asset named
    await h.press("student", "提交")
    latest = await Ticket.all().order_by("-id").first()
    assert latest.id != ticket.id and latest.asset_id is None


async def test_manager_names_the_asset_of_a_ticket(h):
    await h.send("student", "3-402 屏幕没信号")
    await h.press("student", "提交")
    ticket = await Ticket.get()
    for user in ("student", "worker"):  # neither may link an asset, even with a forged button
        replies = await h.send(user, callback=f"at:s:{ticket.id}:{h.tv.id}")
        assert "没有权限" in texts(replies)
    assert (await Ticket.get(id=ticket.id)).asset_id is None
    await h.send("manager", callback=f"mg:v:{ticket.id}")
    await h.press("manager", "关联设备")
    assert f"{ticket.number} 是哪台设备" in h.last("manager").text
    await h.press("manager", "电视")
    assert "已关联设备：电视（TV_1）" in h.last("manager").text
    assert (await Ticket.get(id=ticket.id)).asset_id == h.tv.id
    assert (await Asset.get(id=h.tv.id)).status == "under_repair"
    await h.send("manager", callback=f"at:s:{ticket.id}:{h.ac.id}")  # corrected: TV freed
    assert (await Asset.get(id=h.tv.id)).status == "in_use"
    assert (await Asset.get(id=h.ac.id)).status == "under_repair"


async def test_pm_command_for_managers(h):
    replies = await h.send("student", "/pm")
    assert "没有权限" in texts(replies)
    replies = await h.send("manager", "/pm")
    assert "还没有保养计划" in replies[-1].text
    replies = await h.send("manager", "/pm add AC-3-402 3x 清洗")
    assert "不是有效的周期" in replies[-1].text
    replies = await h.send("manager", "/pm add AC-3-402 3m 清洗 空调滤网")
    assert "已添加计划" in replies[-1].text and "清洗 空调滤网" in replies[-1].text
    replies = await h.send("manager", "/pm")
    assert "空调（AC-3-402）" in replies[-1].text and "每 3 个月" in replies[-1].text
    await h.press("manager", "停止")
    assert "已停止" in h.last("manager").text
    replies = await h.send("manager", "/pm")
    assert "还没有保养计划" in replies[-1].text
