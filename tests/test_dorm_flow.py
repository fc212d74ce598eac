"""Dorm check-in through the dispatcher: notice buttons, the checklist, deferral, /verify, roles."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.services.dorms.jobs import dorm_tick
from models.conversation import ConversationState
from models.dorms import DormAssignment, DormCheckItem
from models.repairs import Attachment, Ticket
from tests.support import png_bytes
from tests.test_dorm_support import small_dorm, window_around


@pytest.fixture
async def dorm(harness, tmp_path):
    """Students 张三 (zh) and 李四 (en) in D1-203, notices sent; dorm admin 孙宿管 bound as da1."""
    h = harness
    start, end = window_around(datetime.now(UTC))
    made = await small_dorm(
        tmp_path, {"student": h.people["student"], "student2": h.people["student2"]}, start, end
    )
    await h.app.services.people.bind(made["admin1"], "test", "da1", "da1")
    await dorm_tick(h.app.services)
    return h, made


async def test_notice_confirm_and_checklist_with_a_problem_photo(dorm):
    h, made = dorm
    assert "宿舍分配通知" in h.last("student").text
    replies = await h.press("student", "确认入住")
    assert "欢迎入住 D1号楼203" in replies[0].text and "（1/6）门和门锁" in replies[-1].text
    await h.press("student", "正常")
    await h.press("student", "正常")
    await h.press("student", "正常")
    replies = await h.press("student", "有问题")  # furniture
    assert "家具" in replies[-1].text and "拍照" in replies[-1].text
    replies = await h.send("student", "椅子腿断了", photos=[png_bytes(seed=5)])
    assert "已保存家具" in replies[-1].text and "照片 1 张" in replies[-1].text
    replies = await h.press("student", "完成")
    assert "（5/6）空调" in replies[-1].text
    replies = await h.press("student", "其余都正常")
    assert "⚠️ 家具（床、书桌、椅子、衣柜）：椅子腿断了（照片 1 张）" in replies[-1].text
    manager_before = len(h.replies_to("manager"))
    await h.press("student", "确认入住")
    ticket = await Ticket.get()
    assert f"已为您报修：{ticket.number}" in h.last("student").text
    assert (ticket.category, ticket.reporter_id) == ("carpentry", h.people["student"].id)
    assert "家具" in ticket.description and "椅子腿断了" in ticket.description
    await ticket.fetch_related("place")
    assert ticket.place.code == "D1-203"
    assert await Attachment.filter(ticket_id=ticket.id).count() == 1
    item = await DormCheckItem.get(item="furniture")
    assert item.ticket_id == ticket.id and item.note == "椅子腿断了"
    stay = made["stays"]["student"]
    assert (await DormAssignment.get(id=stay.id)).status == "checked_in"
    assert any(ticket.number in r.text for r in h.replies_to("manager")[manager_before:])
    replies = await h.send("student", callback=f"dm:c:{stay.id}")
    assert "已确认" in replies[0].text


async def test_checklist_bad_input_keeps_the_answers(dorm):
    h, _ = dorm
    await h.press("student", "确认入住")
    await h.press("student", "正常")
    replies = await h.send("student", documents=[(b"%PDF-1.4", "application/pdf")])
    assert "不是照片" in replies[0].text and "（2/6）" in replies[-1].text
    replies = await h.send("student", "灯管闪烁")  # words at an item mean a problem
    assert "请再拍一张灯具的照片" in replies[-1].text
    replies = await h.send("student", photos=[b"not an image"])
    assert "无法识别" in replies[0].text
    replies = await h.send("student", "x" * 5000)
    assert "太长" in replies[0].text
    replies = await h.press("student", "无照片")
    assert "（3/6）" in replies[-1].text
    replies = await h.send("student", "好")
    assert "（4/6）" in replies[-1].text
    await h.press("student", "其余都正常")
    replies = await h.send("student", "随便说说")
    assert "按钮" in replies[0].text and "请核对" in replies[-1].text
    state = await ConversationState.get(key="test:student")
    assert [r["ok"] for r in state.data["results"]] == [True, False, True, True, True, True]
    replies = await h.press("student", "重新检查")
    assert "（1/6）" in replies[-1].text
    stale = h.last("student").buttons[0][0].payload
    await h.press("student", "取消")
    replies = await h.send("student", callback=stale)
    assert "失效" in replies[0].text
    assert await Ticket.all().count() == 0


async def test_defer_flow_tells_the_dorm_admin(dorm):
    h, made = dorm
    replies = await h.press("student", "无法按时入住")
    assert "原因" in replies[-1].text
    await h.send("student", "火车晚点")
    replies = await h.send("student", "下周吧")
    assert "无法识别这个日期" in replies[0].text
    replies = await h.send("student", "2000-01-01")
    assert "明天起 60 天以内" in replies[0].text
    day = h.last("student").buttons[0][1].label
    admin_before = len(h.replies_to("da1"))
    await h.press("student", day)
    assert f"将于 {day} 入住" in h.last("student").text
    stay = await DormAssignment.get(id=made["stays"]["student"].id)
    assert stay.status == "deferred" and stay.deferred_reason == "火车晚点"
    told = [r.text for r in h.replies_to("da1")[admin_before:]]
    assert len(told) == 1 and "张三" in told[0] and "火车晚点" in told[0] and day in told[0]
    replies = await h.send("student", "/mydorm")
    assert f"延期至 {day}" in replies[0].text and replies[0].buttons


async def test_students_cannot_use_admin_tools_or_others_buttons(dorm):
    h, made = dorm
    stay = made["stays"]["student"]
    replies = await h.send("student", "/checkin")
    assert "没有权限" in replies[0].text
    for payload in (f"da:m:{stay.id}", f"da:my:{stay.id}", f"da:o:{stay.id}", "da:b:1"):
        replies = await h.send("student2", callback=payload)
        assert "not allowed" in replies[0].text or "not one of" in replies[0].text, payload
    replies = await h.send("student2", callback=f"dm:c:{stay.id}")
    assert "not found" in replies[0].text
    replies = await h.send("student2", callback="dm:c:abc")
    assert "don't recognise" in replies[0].text
    assert (await DormAssignment.get(id=stay.id)).status == "pending"
    help_text = (await h.send("student", "/help"))[0].text
    assert "/mydorm" in help_text and "/checkin" not in help_text
    assert "/checkin" in (await h.send("da1", "/help"))[0].text


async def test_admin_progress_lookup_mark_move_and_checkout(dorm):
    h, _ = dorm
    replies = await h.send("da1", "/checkin")
    assert "D1号楼：已入住 0 · 未到 2 · 延期 0（共 2 人）" in replies[0].text
    assert "D2" not in replies[0].text
    replies = await h.press("da1", "D1号楼")
    assert "未到（2）" in replies[0].text and "张三（2024001）" in replies[0].text
    replies = await h.send("da1", "/checkin 王五")
    assert "没有找到" in replies[0].text
    await h.send("da1", "/checkin 2024001")
    await h.press("da1", "登记为已入住")
    replies = await h.press("da1", "确认登记入住")
    assert "已将 张三 登记为已入住" in replies[0].text
    assert "宿管已为您办理入住" in h.last("student").text

    await h.send("da1", "/checkin 李四")
    replies = await h.press("da1", "调换房间")
    assert "调到哪个房间" in replies[-1].text
    replies = await h.send("da1", "D1-999 1")
    assert "没有“D1-999”这个房间" in replies[0].text and "调到哪个房间" in replies[-1].text
    replies = await h.send("da1", "D1-204 1")
    assert "李四 已调至 D1号楼204，1号床" in replies[0].text
    assert "Your dorm room has changed" in h.last("student2").text
    replies = await h.send("da1", "/checkin D1-203")
    assert "1号床" in replies[0].text and "2号床：空床" in replies[0].text

    await h.send("da1", "/checkin 张三")
    replies = await h.press("da1", "办理退宿")
    assert "为 张三 办理退宿" in replies[0].text
    await h.press("da1", "有损坏")
    await h.send("da1", photos=[png_bytes(seed=8)])
    await h.press("da1", "完成")
    await h.press("da1", "其余都正常")
    await h.press("da1", "确认退宿")
    ticket = await Ticket.get()
    assert f"损坏项已报修：{ticket.number}" in h.last("da1").text
    assert ticket.category == "carpentry" and "见附件（照片 1 张）" in ticket.description
    assert "您已办理退宿" in h.last("student").text
    replies = await h.send("da1", "/checkin")
    assert "已入住 0 · 未到 1" in replies[0].text


async def test_verify_flow_for_an_unbound_student(dorm):
    h, _ = dorm
    replies = await h.send("nb", "/verify")
    assert "学号" in replies[-1].text
    replies = await h.send("nb", "2024999 extra")
    assert "一串字母或数字" in replies[0].text
    await h.send("nb", "2024999")
    replies = await h.send("nb", "王六")
    assert "还可尝试 4 次" in replies[0].text and "学号" in replies[-1].text
    await h.send("nb", "2024999")
    replies = await h.send("nb", "王五")
    assert "欢迎，王五" in replies[0].text
    assert "宿舍分配通知" in replies[-1].text and "D2 门卫室" in replies[-1].text
    replies = await h.send("nb2", "/verify 2024999 王五")
    assert "已绑定其他账号" in replies[0].text
    replies = await h.send("student", "/verify")
    assert "无需再次验证" in replies[0].text


async def test_verify_replaces_the_registration_flow(dorm):
    h, _ = dorm
    replies = await h.send("walkin", "你好")
    assert "姓名" in replies[-1].text  # the onboarding flow started
    replies = await h.send("walkin", "/verify")
    assert "学号" in replies[-1].text
    await h.send("walkin", "2024999")
    replies = await h.send("walkin", "王五")
    assert "欢迎" in replies[0].text


async def test_checklist_survives_a_restart(dorm):
    h, made = dorm
    await h.press("student", "确认入住")
    await h.press("student", "正常")
    await h.press("student", "有问题")
    await h.send("student", "台灯坏了", photos=[png_bytes(seed=3)])
    await h.restart()
    replies = await h.press("student", "完成")
    assert "（3/6）" in replies[-1].text
    await h.press("student", "其余都正常")
    await h.press("student", "确认入住")
    ticket = await Ticket.get()
    assert ticket.category == "electrical" and "台灯坏了" in ticket.description
    assert await Attachment.filter(ticket_id=ticket.id).count() == 1
    assert (await DormAssignment.get(id=made["stays"]["student"].id)).status == "checked_in"
