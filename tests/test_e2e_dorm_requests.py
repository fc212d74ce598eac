"""End to end: a room change (调宿) filed by a student and approved onto a free bed by the dorm
admin, both through the real python-telegram-bot client and the fake Bot API."""

from __future__ import annotations

from datetime import UTC, datetime

from models.dorm_requests import DormRequest
from models.dorms import DormAssignment
from tests.dorm_requests_support import spare_beds
from tests.e2e_support import QUIET_PTB, signed_in, telegram_app
from tests.support import seed_small_campus
from tests.test_dorm_support import small_dorm, window_around

pytestmark = QUIET_PTB


async def test_room_change_filed_and_approved_over_telegram(tmp_path, api):
    async with telegram_app(tmp_path, api) as app:
        people = await seed_small_campus()
        start, end = window_around(datetime.now(UTC))
        made = await small_dorm(tmp_path, {"student": people["student"]}, start, end)
        await spare_beds("D1-204", ("1", "2"))
        student = await signed_in(app, api, people["student"], 4242)
        admin = await signed_in(app, api, made["admin1"], 5151)

        await student.say("/dormrequest")
        await student.expect("请选择要申请的事项")
        await student.press("调宿")
        await student.expect("调宿原因")
        await student.say("室友作息不同")
        await student.expect("希望调到哪栋楼")
        await student.say("d1-204")
        card = await student.expect("请核对您的🔁 调宿申请")
        assert "意向：D1号楼204" in card["text"]
        await student.press("提交申请")
        filed = await student.expect("已提交🔁 调宿申请")
        assert filed["method"] == "editMessageText"

        pushed = await admin.expect("新的宿舍申请")
        assert "张三" in pushed["text"] and "室友作息不同" in pushed["text"]
        await admin.press("批准")
        await admin.expect("请选择 D1号楼204 的空床位")
        await admin.press("D1号楼204 2号床")
        done = await admin.expect("调至 D1号楼204 2号床")
        assert done["method"] == "editMessageText"
        told = await student.expect("调宿申请")
        assert "新宿舍：D1号楼204 2号床" in told["text"]

        request = await DormRequest.get()
        assert request.state == "approved" and request.decided_by_id == made["admin1"].id
        active = await DormAssignment.get(person_id=people["student"].id,
                                          status="pending").prefetch_related("bed__room")
        assert (active.bed.room.code, active.bed.label) == ("D1-204", "2")
        for user_id in (4242, 5151):
            assert all(len(b["callback_data"].encode()) <= 64
                       for m in api.sent_messages(user_id)
                       for row in (m.get("reply_markup") or {}).get("inline_keyboard", [])
                       for b in row)
