"""End to end: dorm check-in through the real python-telegram-bot client and the fake Bot API."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.services.dorms.jobs import dorm_tick
from models.dorms import DormAssignment, DormCheckItem
from models.repairs import Attachment, Ticket
from tests.e2e_support import QUIET_PTB, signed_in, telegram_app
from tests.support import png_bytes, seed_small_campus
from tests.test_dorm_support import small_dorm, window_around

pytestmark = QUIET_PTB


async def test_notice_checkin_and_a_problem_with_photo_becomes_a_ticket(tmp_path, api):
    async with telegram_app(tmp_path, api) as app:
        people = await seed_small_campus()
        user = await signed_in(app, api, people["student"], 4242)
        start, end = window_around(datetime.now(UTC))
        await small_dorm(tmp_path, {"student": people["student"]}, start, end)

        assert await dorm_tick(app.services) == (1, 0)
        notice = await user.expect("宿舍分配通知")
        assert "D1号楼203" in notice["text"] and "1号床" in notice["text"]
        await user.press("确认入住")
        await user.expect("（1/6）门和门锁")
        await user.press("正常")
        await user.expect("（2/6）灯具")
        await user.press("有问题")
        await user.expect("灯具有什么问题")
        image = png_bytes(seed=42)
        await user.photo([image], caption="灯管不亮")
        await user.expect("已保存灯具的照片")
        await user.press("完成")
        await user.expect("（3/6）")
        await user.press("其余都正常")
        review = await user.expect("请核对")
        assert "灯管不亮（照片 1 张）" in review["text"]
        await user.press("确认入住")
        done = await user.expect("成功入住")
        assert done["method"] == "editMessageText"

        ticket = await Ticket.get()
        assert ticket.number in done["text"] and ticket.category == "electrical"
        assert "灯管不亮" in ticket.description
        stored = await Attachment.filter(ticket_id=ticket.id)
        assert [Path(a.path).read_bytes() for a in stored] == [image]
        item = await DormCheckItem.get(item="lights")
        assert item.ticket_id == ticket.id
        assert (await DormAssignment.get(person_id=people["student"].id)).status == "checked_in"
        assert all(len(b["callback_data"].encode()) <= 64
                   for m in api.sent_messages(4242)
                   for row in (m.get("reply_markup") or {}).get("inline_keyboard", [])
                   for b in row)
