"""Dorm requests through the dispatcher: each kind filed, approved and rejected; night duty;
/requests and /myrequests."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from models.dorm_requests import DormNightDuty, DormRequest
from models.dorms import DormAssignment, DormBed
from tests.dorm_requests_support import later_today, make_dorm


@pytest.fixture
async def dorm(harness, tmp_path):
    """Two students in D1-203 and one in D2, a free bed in D1-204, both dorm admins bound."""
    return await make_dorm(harness, tmp_path)


def _payload(reply, label: str) -> str:
    return next(b.payload for row in reply.buttons for b in row if label in b.label)


async def test_late_return_approved_reaches_night_duty(dorm):
    h, _ = dorm
    night = await h.app.services.people.create("夜班阿姨", ["worker"], phone="13900000009")
    await h.app.services.people.bind(night, "test", "night", "night")
    replies = await h.send("da1", "/nightduty D1 夜班阿姨")
    assert "D1号楼 夜间值班：夜班阿姨" in replies[0].text
    replies = await h.send("student", "晚归")
    assert "几点回到宿舍" in replies[-1].text and replies[-1].buttons
    replies = await h.send("student", "25:00")
    assert "无法识别这个时间" in replies[0].text and "几点" in replies[-1].text
    back = later_today()
    await h.send("student", back)
    replies = await h.send("student", "实验室加班")
    assert "请核对您的🌙 晚归申请" in replies[-1].text and back in replies[-1].text
    admin_before = len(h.replies_to("da1"))
    replies = await h.press("student", "提交申请")
    request = await DormRequest.get()
    assert f"#{request.id}" in replies[0].text and request.state == "pending"
    pushed = h.replies_to("da1")[admin_before:]
    assert len(pushed) == 1 and "新的宿舍申请" in pushed[0].text
    assert "张三" in pushed[0].text and "实验室加班" in pushed[0].text
    assert not h.replies_to("da2")  # the other building's admin hears nothing

    replies = await h.press("da1", "批准")
    assert "孙宿管 已批准" in replies[0].text
    assert (await DormRequest.get(id=request.id)).state == "approved"
    assert f"晚归申请 #{request.id} 已获批准" in h.last("student").text
    duty = h.last("night").text
    assert "晚归报备" in duty and "张三" in duty and "D1号楼203" in duty
    assert back in duty and "实验室加班" in duty
    replies = await h.send("da1", callback=f"drq:a:{request.id}")
    assert "已由 孙宿管 批准" in replies[0].text  # deciding twice: a clear answer


async def test_late_return_rejected_in_english_with_a_quick_reason(dorm):
    h, _ = dorm
    await h.send("student2", "/dormrequest")
    await h.press("student2", "Late return")
    await h.send("student2", later_today(3))
    await h.send("student2", "x" * 400)
    assert "too long" in h.replies_to("student2")[-2].text
    await h.send("student2", "Club event")
    await h.press("student2", "Submit")
    replies = await h.press("da1", "驳回")
    assert "请选择或输入原因" in replies[-1].text
    await h.press("da1", "本周晚归次数过多")
    request = await DormRequest.get()
    assert (request.state, request.decision_reason) == ("rejected", "本周晚归次数过多")
    told = h.last("student2").text
    assert "was not approved" in told and "本周晚归次数过多" in told
    assert "孙宿管 未批准" in h.last("da1").text
    replies = await h.send("da1", callback=f"drq:r:{request.id}")
    assert "已由 孙宿管 驳回" in replies[0].text


async def test_stay_out_validates_dates_and_is_approved(dorm):
    h, _ = dorm
    await h.send("student", "外宿")
    replies = await h.send("student", "下周")
    assert "无法识别这个日期" in replies[0].text
    replies = await h.send("student", "2000-01-01")
    assert "已经过去" in replies[0].text
    replies = await h.send("student", (date.today() + timedelta(days=400)).isoformat())
    assert "最多只能提前 60 天" in replies[0].text
    first = date.today() + timedelta(days=2)
    await h.send("student", first.isoformat())
    replies = await h.send("student", (first - timedelta(days=1)).isoformat())
    assert "不能早于开始日期" in replies[0].text
    replies = await h.send("student", (first + timedelta(days=31)).isoformat())
    assert "最长 30 天" in replies[0].text
    await h.send("student", (first + timedelta(days=3)).isoformat())
    await h.send("student", "家中，杭州市西湖区")
    replies = await h.send("student", "abc")
    assert "不像一个电话号码" in replies[0].text
    replies = await h.press("student", "13800000001")
    assert "杭州市西湖区" in replies[-1].text and first.strftime("%m-%d") in replies[-1].text
    await h.press("student", "提交申请")
    await h.press("da1", "批准")
    request = await DormRequest.get()
    assert request.state == "approved" and request.contact == "13800000001"
    assert (request.date_from, request.date_to) == (first, first + timedelta(days=3))
    assert "外宿申请" in h.last("student").text and "已获批准" in h.last("student").text


async def test_stay_out_rejected_with_a_typed_reason(dorm):
    h, _ = dorm
    await h.send("student", "/dormrequest 外宿")
    await h.press("student", (date.today() + timedelta(days=1)).strftime("%m-%d"))
    await h.press("student", (date.today() + timedelta(days=2)).strftime("%m-%d"))
    await h.send("student", "同学家")
    await h.send("student", "+86 139 0000 1111")
    await h.press("student", "提交申请")
    await h.press("da1", "驳回")
    await h.send("da1", "请补充家长同意书")
    request = await DormRequest.get()
    assert request.state == "rejected" and request.contact == "+8613900001111"
    assert "请补充家长同意书" in h.last("student").text


async def test_room_change_with_close_matches_then_approved_onto_a_bed(dorm):
    h, made = dorm
    await h.send("student", "调宿")
    await h.send("student", "室友作息不同")
    replies = await h.send("student", "D1-20")
    assert "您是不是要找" in replies[0].text
    labels = [b.label for row in replies[0].buttons for b in row]
    assert "D1-204" in labels and "D1-203" in labels
    replies = await h.press("student", "D1-204")
    assert "意向：D1号楼204" in replies[-1].text
    await h.press("student", "提交申请")
    request = await DormRequest.get()
    assert request.pref_room_id is not None
    replies = await h.press("da1", "批准")
    assert "请选择 D1号楼204 的空床位" in replies[0].text
    await h.press("da1", "D1号楼204 1号床")
    old = await DormAssignment.get(id=made["stays"]["student"].id)
    assert old.status == "moved"
    new = await DormAssignment.get(person_id=h.people["student"].id, status="pending")
    bed = await DormBed.get(id=new.bed_id).prefetch_related("room")
    assert (bed.room.code, bed.label) == ("D1-204", "1")
    assert "调至 D1号楼204 1号床" in h.last("da1").text
    assert "新宿舍：D1号楼204 1号床" in h.last("student").text
    replies = await h.send("da1", "/checkin D1-203")
    assert "1号床：空床" in replies[0].text


async def test_room_change_rejected_and_no_free_bed(dorm):
    h, _ = dorm
    await h.send("student2", "room change")
    await h.send("student2", "Too noisy")
    replies = await h.send("student2", "Z9")
    assert "No dorm \"Z9\" was found" in replies[0].text
    await h.press("student2", "No preference")
    await h.press("student2", "Submit")
    await DormBed.filter(room__code="D1-204").update(active=False)
    replies = await h.press("da1", "批准")
    assert "D1号楼 暂无空床位" in replies[0].text
    replies = await h.press("da1", "其他房间")
    replies = await h.send("da1", "D1-999")
    assert "没有找到房间“D1-999”" in replies[0].text
    replies = await h.send("da1", "D2-101")
    assert "不在您负责的宿舍楼范围内" in replies[0].text
    await h.send("da1", "/cancel")
    await h.press("da1", "驳回")
    await h.press("da1", "暂无空床位")
    assert (await DormRequest.get()).state == "rejected"
    assert "No free bed at the moment" not in h.last("student2").text  # the admin's words
    assert "暂无空床位" in h.last("student2").text


async def test_roles_stale_buttons_and_non_residents(dorm):
    h, _ = dorm
    replies = await h.send("worker", "/dormrequest")
    assert "只有在住学生" in replies[0].text
    replies = await h.send("worker", "晚归")
    assert "只有在住学生" in replies[0].text
    await h.send("student", "晚归")
    await h.send("student", later_today())
    await h.send("student", "社团")
    stale = _payload(h.last("student"), "提交")
    await h.send("student", "/cancel")
    replies = await h.send("student", callback=stale)
    assert "失效" in replies[0].text
    assert await DormRequest.all().count() == 0
    await h.send("student", "晚归")
    await h.send("student", later_today())
    await h.send("student", "社团")
    await h.press("student", "提交申请")
    request = await DormRequest.get()
    for payload in (f"drq:a:{request.id}", f"drq:r:{request.id}", f"drq:v:{request.id}"):
        replies = await h.send("student", callback=payload)
        assert "没有权限" in replies[0].text, payload
        replies = await h.send("da2", callback=payload)
        assert "不在您负责的宿舍楼范围内" in replies[0].text, payload
    replies = await h.send("student", "/requests")
    assert "没有权限" in replies[0].text
    replies = await h.send("student2", callback=f"drs:w:{request.id}")
    assert "没有找到" in replies[0].text or "not found" in replies[0].text
    replies = await h.send("student", "晚归")
    assert f"#{request.id}" in replies[0].text and "等待审批" in replies[0].text
    replies = await h.send("da1", callback=f"drq:o:{request.id}")
    assert "这不是调宿申请" in replies[0].text
    replies = await h.send("da1", callback="drq:a:xyz")
    assert "无法识别" in replies[0].text or "按钮" in replies[0].text
    assert (await DormRequest.get(id=request.id)).state == "pending"


async def test_lists_counts_withdraw_and_night_duty_buttons(dorm):
    h, _ = dorm
    replies = await h.send("manager", "/requests")
    assert "D1号楼：待审批 0" in replies[0].text and "D2号楼：待审批 0" in replies[0].text
    assert "没有待审批" in replies[0].text
    await h.send("student", "晚归")
    await h.send("student", later_today())
    await h.send("student", "图书馆")
    await h.press("student", "提交申请")
    await h.send("student2", "stay out")
    await h.press("student2", (date.today() + timedelta(days=1)).strftime("%m-%d"))
    await h.press("student2", (date.today() + timedelta(days=2)).strftime("%m-%d"))
    await h.send("student2", "Home")
    await h.send("student2", "13700000000")
    await h.press("student2", "Submit")
    replies = await h.send("da1", "/requests")
    text = replies[0].text
    assert "D1号楼：待审批 2" in text and "🌙 晚归 待审 1，今日 1" in text
    assert "张三" in text and "李四" in text and len(replies[0].buttons) == 2
    replies = await h.send("manager", "/requests")
    assert "D1号楼：待审批 2" in replies[0].text
    replies = await h.send("da2", "/requests")
    assert "没有待审批" in replies[0].text and "张三" not in replies[0].text

    replies = await h.send("student", "/myrequests")
    assert "待审批" in replies[0].text
    await h.press("student", "撤回")
    late = await DormRequest.get(kind="late_return")
    assert late.state == "withdrawn"
    replies = await h.send("da1", callback=f"drq:a:{late.id}")  # the push's button, too late
    assert "已被学生撤回" in replies[0].text
    replies = await h.send("da1", "/requests")
    assert "D1号楼：待审批 1" in replies[0].text and "今日 1" in replies[0].text

    replies = await h.send("da1", "/nightduty")
    assert "D1号楼：未设置" in replies[0].text and "D2" not in replies[0].text
    await h.press("da1", "我在 D1 值班")
    duty = await DormNightDuty.get().prefetch_related("person")
    assert duty.person.name == "孙宿管"
    replies = await h.send("da1", "/nightduty D2 off")
    assert "不在您负责的宿舍楼范围内" in replies[0].text
    replies = await h.send("da1", "/nightduty D1 off")
    assert "已清除" in replies[0].text and await DormNightDuty.all().count() == 0
