"""The monthly digest's scorecards and contractors sections: a month's best scores and each
service unit's satisfaction; a daily or weekly digest leaves them out."""

from __future__ import annotations

from bot.services.digest import messages
from models.contractors import ScoringAnswer, ScoringCard, ScoringRound, ServiceUnit
from tests.scorecard_support import local, seed_november

SECTIONS = ("scorecards", "contractors")


async def test_month_digest_has_scores_and_satisfaction(harness):
    services, manager = harness.app.services, harness.people["manager"]
    await seed_november(manager)
    unit = await ServiceUnit.create(name="保洁公司", departments=["教务处"],
                                    criteria=["态度", "质量", "速度"])
    rnd = await ScoringRound.create(month="2026-11", opened_at=local(12, 1, 9),
                                    closes_at=local(12, 8, 9), fanout_done=True)
    card = await ScoringCard.create(round=rnd, unit=unit, department="教务处",
                                    criteria=unit.criteria, submitted_at=local(12, 2))
    for position, score in enumerate((5, 4, 3)):
        await ScoringAnswer.create(card=card, position=position, criterion=unit.criteria[position],
                                   score=score)
    digest, t = services.digest, harness.app.notifier.translator

    month = await digest.build(manager, digest.span("month", local(12, 2)), SECTIONS)
    text = messages(month, t, "zh_CN", today=False)[1].text
    assert "📋 考核（月）：4 名维修工；得分最高：李师傅 100, 孙师傅 52.5" in text
    assert "保洁公司：满意度 66.7%（目标 90%） ⚠️ 未达标，1/1 个部门已评" in text
    english = messages(month, t, "en", today=False)[1].text
    assert "Service units' satisfaction (month)" in english
    assert "保洁公司: satisfaction 66.7%" in english
    for which in ("day", "week"):
        shorter = await digest.build(manager, digest.span(which, local(12, 2)), SECTIONS)
        body = messages(shorter, t, "zh_CN", today=False)[1].text
        assert "考核" not in body and "服务单位" not in body
