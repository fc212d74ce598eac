"""End to end: a department scorer fills in a contractor scoring card through the real
python-telegram-bot client and the fake Bot API — pushed by the monthly job, scored with
buttons, a typed comment, stored."""

from __future__ import annotations

from bot.services.contractors.jobs import contractor_tick
from models.contractors import ScoringAnswer, ScoringCard
from tests.e2e_support import QUIET_PTB, bound, telegram_app
from tests.scorecard_support import local
from tests.support import seed_small_campus

pytestmark = QUIET_PTB


async def test_scoring_card_through_telegram(tmp_path, api):
    async with telegram_app(tmp_path, api) as app:
        people = await seed_small_campus()
        scorer = await app.services.people.create("钱老师", ["reporter"], phone="13800000011")
        scorer.department = "后勤处"
        await scorer.save()
        user = await bound(app, api, scorer, 7171)
        service = app.services.contractors
        await service.add_unit(people["manager"], "食堂承包方", "一食堂", "周经理", "后勤处",
                               "饭菜质量,卫生,价格")
        await service.set_scorer(people["manager"], "后勤处", "13800000011")
        assert await contractor_tick(app.services, local(12, 1, 9, 0)) == (1, 0)
        invite = await user.expect("请为“食堂承包方”2026-11 的服务打分")
        assert "饭菜质量、卫生、价格" in invite["text"]
        await user.press("开始评分")
        await user.expect("（1/3）：饭菜质量")
        await user.press("4")
        await user.expect("（2/3）：卫生")
        await user.say("9")
        await user.expect("请打 1 到 5 分")
        await user.press("5")
        await user.expect("（3/3）：价格")
        await user.press("2")
        await user.expect("有什么意见或建议")
        await user.say("价格偏高")
        await user.expect("评分已提交")
        card = await ScoringCard.get()
        assert card.comment == "价格偏高" and card.submitted_at is not None
        scores = await ScoringAnswer.filter(card_id=card.id).order_by("position").values_list(
            "criterion", "score")
        assert scores == [("饭菜质量", 4), ("卫生", 5), ("价格", 2)]
        assert all(len(b["callback_data"].encode()) <= 64
                   for m in api.sent_messages(7171)
                   for row in (m.get("reply_markup") or {}).get("inline_keyboard", [])
                   for b in row)
