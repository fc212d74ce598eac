"""End to end on Telegram: an inspection problem proved by a video through the real
python-telegram-bot client and the fake Bot API — getFile of the video, the video stored on the
repair ticket the problem makes, and sent (sendVideo) to the worker that ticket is offered to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.services.inspections.jobs import inspection_tick
from models.inspections import InspectionAnswer, InspectionRound
from models.repairs import Attachment, Ticket
from tests.dispatch_support import all_day_sla
from tests.e2e_support import QUIET_PTB, bound, telegram_app
from tests.inspection_support import import_checklist
from tests.media_support import mp4_bytes
from tests.support import seed_small_campus

pytestmark = QUIET_PTB
INSPECTOR, CARPENTER = 5151, 5252


async def test_inspection_problem_proved_by_a_video_puts_it_on_the_ticket(tmp_path, api):
    async with telegram_app(tmp_path, api, sla_file=all_day_sla(tmp_path)) as app:
        people = await seed_small_campus()
        carpenter = await app.services.people.create("李木工", ["worker"], skills=["carpentry"])
        inspector = await bound(app, api, people["worker"], INSPECTOR)
        fixer = await bound(app, api, carpenter, CARPENTER)
        await fixer.say("/duty on")
        await fixer.expect("已上岗")
        now = datetime.now(UTC)
        await import_checklist(tmp_path, rule="cron * * * * *", now=now - timedelta(minutes=2))
        await inspection_tick(app.services, now)
        await inspector.expect("巡检任务：消防通道")
        await inspector.press("开始巡检")
        await inspector.expect("（1/3）通道畅通")
        await inspector.press("有问题")
        await inspector.expect("必须拍照或拍视频")
        proof = mp4_bytes(seed=51, size=48 * 1024)
        first = api.push_video(INSPECTOR, proof, caption="通道堆满纸箱")
        await inspector.expect("已收到视频")
        await inspector.expect("已保存通道畅通，无杂物堆放的视频 1 段")
        await inspector.press("完成")
        await inspector.expect("已生成报修工单")
        await inspector.expect("（2/3）防火门")

        await inspector.press("有问题")
        door = mp4_bytes(seed=52, size=32 * 1024)
        second = api.push_video(INSPECTOR, door)
        await inspector.expect("已保存防火门关闭良好的视频 1 段")
        await inspector.say("闭门器坏了")
        await inspector.expect("（3/3）灭火器压力")
        await inspector.say("1.0")
        done = await inspector.expect("巡检完成")
        assert "问题 2 项" in done["text"]

        fetched = [c["file_id"] for c in api.calls_to("getFile")]
        for update in (first, second):
            assert update["message"]["video"]["file_id"] in fetched
        blocked, broken = await Ticket.all().order_by("id")
        assert blocked.urgency == "urgent" and "通道堆满纸箱" in blocked.description
        stored = await Attachment.get(ticket_id=blocked.id)
        assert stored.kind == "video" and Path(stored.path).read_bytes() == proof
        rnd = await InspectionRound.get()
        answer = await InspectionAnswer.filter(round_id=rnd.id).order_by("id").first()
        assert answer is not None and answer.ticket_id == blocked.id
        assert answer.photo_ids == [stored.id]

        assert broken.category == "carpentry"
        assert [a.kind for a in await Attachment.filter(ticket_id=broken.id)] == ["video"]
        offer = await fixer.expect(f"新派工 {blocked.number}")  # the video, then the card
        assert "视频：1 段" in offer["text"] and "通道堆满纸箱" in offer["text"]
        await fixer.expect(f"🎬 {broken.number}")
        videos = {m["params"]["video"]: m["text"] for m in api.sent_messages(CARPENTER)
                  if m["method"] == "sendVideo"}
        assert blocked.number in videos[proof] and broken.number in videos[door]
