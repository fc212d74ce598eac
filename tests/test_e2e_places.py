"""End to end on the fake Bot API: one-message reports on an imported campus with its own codes
(several places that fit are buttons on the confirm card), and a manager teaching an alias."""

from __future__ import annotations

import pytest

from models.places import Place
from models.repairs import Ticket
from tests.campus_places import import_campus
from tests.e2e_support import QUIET_PTB, signed_in, telegram_app
from tests.support import seed_small_campus

pytestmark = QUIET_PTB


@pytest.fixture
async def running(tmp_path, api):
    """The app with the imported campus; the student and the manager are signed in."""
    async with telegram_app(tmp_path, api) as app:
        people = await seed_small_campus()
        await import_campus(tmp_path)
        student = await signed_in(app, api, people["student"], 4242)
        manager = await signed_in(app, api, people["manager"], 4343)
        yield student, manager


async def test_a_room_by_the_campus_names_is_filed_in_one_tap(running):
    student, _ = running
    await student.say("十二栋305空调漏水")
    card = await student.expect("请确认")
    assert "学生公寓12栋305室" in card["text"]
    await student.press("提交")
    await student.expect("已提交")
    ticket = await Ticket.get().prefetch_related("place")
    assert ticket.place.code == "D12-305" and ticket.category == "hvac"


async def test_several_places_that_fit_are_buttons_on_the_card(running, api):
    student, _ = running
    await student.say("2号楼305 灯坏了")
    card = await student.expect("请确认")
    assert "有几个地点符合" in card["text"]
    labels = [b["text"] for row in card["reply_markup"]["inline_keyboard"] for b in row]
    assert labels[:2] == ["研究生公寓2号楼305", "学生公寓2栋305室"]  # best first
    assert not any("提交" in label for label in labels), "no submit before a place is picked"
    # a forged tap on a place that was not offered (or on Submit) files nothing
    first = card["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    prefix = first[: first.rindex(":") + 1]
    other = (await Place.get(code="D12-305")).id
    api.push_callback(4242, f"{prefix}pc{other}", card["message_id"])
    await student.expect("请点选下面的按钮")
    api.push_callback(4242, f"{prefix}submit", card["message_id"])
    await student.expect("请点选正确的地点")
    await student.expect("请确认")  # the card again, still with the choices
    assert await Ticket.all().count() == 0
    await student.press("学生公寓2栋305室")
    card = await student.expect("地点：学生公寓2栋305室")
    assert card["method"] == "editMessageText"
    await student.press("提交")
    await student.expect("已提交")
    ticket = await Ticket.get().prefetch_related("place")
    assert ticket.place.code == "D2-305" and ticket.category == "electrical"


async def test_floor_and_spot_are_shown_on_the_card(running):
    student, _ = running
    await student.say("图书馆三楼女厕所漏水")
    card = await student.expect("请确认")
    assert "图书馆（三楼 女厕所）" in card["text"] and "三楼女厕所漏水" in card["text"]


async def test_the_guided_flow_offers_the_places_that_fit_on_the_card(running):
    student, _ = running
    await student.say("/report")
    await student.expect("哪类问题")
    await student.press("电路")
    await student.expect("在哪里")
    await student.say("2号楼305")
    await student.expect("什么问题")
    await student.say("灯不亮")
    await student.expect("照片")
    await student.press("跳过")
    await student.expect("紧急程度")
    await student.press("一般")
    card = await student.expect("请确认")
    assert "有几个地点符合" in card["text"]
    await student.press("研究生公寓2号楼305")
    await student.expect("地点：研究生公寓2号楼305")
    await student.press("提交")
    await student.expect("已提交")
    assert (await Ticket.get().prefetch_related("place")).place.code == "G2-305"


async def test_only_a_room_number_asks_which_building(running):
    student, _ = running
    await student.say("305")
    await student.expect("305 房间在哪栋楼")
    await student.expect("哪类问题")
    assert await Ticket.all().count() == 0


async def test_a_manager_teaches_an_alias_a_student_may_not(running):
    student, manager = running
    await student.say("二餐 地很脏")
    await student.expect("在哪里")
    await student.say("/cancel")
    await student.say("记住：'二餐' 是 第二食堂")
    await student.expect("只有管理人员")
    await manager.say("记住：'二餐' 是 第二食堂")
    await manager.expect("记住了：“二餐”就是第二食堂（CAN2）")
    await student.say("二餐 地很脏")
    card = await student.expect("请确认")
    assert "第二食堂" in card["text"]
    assert "二餐" in (await Place.get(code="CAN2")).aliases
