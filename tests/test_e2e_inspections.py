"""End to end: an inspection round through the real python-telegram-bot client and the fake
Bot API — pushed by the job, walked in chat, one problem with a photo becoming a ticket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.services.inspections.jobs import inspection_tick
from models.inspections import InspectionAnswer, InspectionRound
from models.repairs import Attachment, Ticket
from tests.e2e_support import QUIET_PTB, signed_in, telegram_app
from tests.inspection_support import import_checklist
from tests.support import png_bytes, seed_small_campus

pytestmark = QUIET_PTB


async def test_round_pushed_walked_and_a_problem_becomes_a_ticket(tmp_path, api):
    async with telegram_app(tmp_path, api) as app:
        people = await seed_small_campus()
        user = await signed_in(app, api, people["worker"], 5151)
        now = datetime.now(UTC)
        await import_checklist(tmp_path, rule="cron * * * * *", now=now - timedelta(minutes=2))
        created, pushed, _, _ = await inspection_tick(app.services, now)
        assert (created, pushed) == (1, 1)
        notice = await user.expect("巡检任务：消防通道")
        assert "3号楼" in notice["text"]
        await user.press("开始巡检")
        await user.expect("（1/3）通道畅通")
        await user.press("正常")
        await user.expect("（2/3）防火门")
        await user.press("有问题")
        await user.expect("防火门关闭良好有什么问题")
        image = png_bytes(seed=21)
        await user.photo([image], caption="闭门器坏了")
        await user.expect("已保存防火门关闭良好的照片")
        await user.press("完成")
        made = await user.expect("已生成报修工单")
        await user.expect("（3/3）灭火器压力")
        await user.say("abc")
        await user.expect("不是数字")
        await user.say("1.0")
        done = await user.expect("巡检完成")
        assert "问题 1 项" in done["text"] and "闭门器坏了" in done["text"]

        ticket = await Ticket.get()
        assert ticket.number in made["text"] and ticket.number in done["text"]
        assert ticket.category == "carpentry" and "闭门器坏了" in ticket.description
        stored = await Attachment.filter(ticket_id=ticket.id)
        assert [Path(a.path).read_bytes() for a in stored] == [image]
        rnd = await InspectionRound.get()
        assert rnd.state == "done"
        reading = await InspectionAnswer.get(round_id=rnd.id, value=1.0)
        assert reading.ok
        assert all(len(b["callback_data"].encode()) <= 64
                   for m in api.sent_messages(5151)
                   for row in (m.get("reply_markup") or {}).get("inline_keyboard", [])
                   for b in row)
