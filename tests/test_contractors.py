"""Contractor / service scoring by departments: managers define units and scorers, the monthly
cards go out once (restart, two instances), a scorer fills in only their own department's card,
bad input is answered, a closed card says so, and the results and the two-months-below warning
reach the managers."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest

from bot.core.errors import InvalidState, PermissionDenied
from bot.services.contractors import ContractorService, ContractorTap
from bot.services.scorecards import Month
from models.contractors import (
    ContractorWarning,
    ScoringAnswer,
    ScoringCard,
    ScoringRound,
    ServiceUnit,
)
from models.people import Person
from tests.scorecard_support import local

pytestmark = pytest.mark.clock
DEPARTMENTS = "教务处,学生处"


async def scorers(h) -> dict[str, Person]:
    """Two scorers (教务处, 学生处) bound to chats s1 and s2."""
    people = h.app.services.people
    s1 = await people.create("钱老师", ["reporter"], phone="13800000011")
    s2 = await people.create("孔老师", ["reporter"], phone="13800000012")
    s1.department, s2.department = "教务处", "学生处"
    await s1.save()
    await s2.save()
    await people.bind(s1, "test", "s1", "s1")
    await people.bind(s2, "test", "s2", "s2")
    return {"s1": s1, "s2": s2}


def texts(h, user: str) -> list[str]:
    return [r.text for r in h.replies_to(user)]


async def test_define_score_close_and_results(harness):
    h = harness
    await scorers(h)
    saved = await h.send("manager", "/contractors add 物业公司 | 楼宇维修、保洁 | 刘经理 "
                                    "13900000000 | 教务处,学生处")
    assert "已保存服务单位“物业公司”" in saved[-1].text
    assert "服务态度、响应速度、工作质量" in saved[-1].text  # the default criteria
    refused = await h.send("manager", "/contractors scorer 学生处 | 13800000011")
    assert "属于“教务处”，不是“学生处”" in refused[-1].text
    await h.send("manager", "/contractors scorer 教务处 | 13800000011")
    ok = await h.send("manager", "/contractors scorer 学生处 | 孔老师")
    assert "孔老师 现在是“学生处”的评分人" in ok[-1].text
    bad = await h.send("manager", "/contractors criteria 物业公司 | 只有一项")
    assert "评分指标要 3–6 项" in bad[-1].text
    overview = (await h.send("manager", "/contractors"))[0].text
    assert "物业公司：楼宇维修、保洁" in overview and "教务处 评分人：钱老师" in overview
    # a reporter cannot use /contractors
    assert "没有权限" in (await h.send("student", "/contractors"))[-1].text

    service = h.app.services.contractors
    assert await service.tick(local(12, 1, 8, 30)) == (0, 0)  # before the send hour
    assert await service.tick(local(12, 1, 9, 0)) == (2, 0)
    assert await service.tick(local(12, 1, 9, 5)) == (0, 0)
    other = ContractorService("Asia/Shanghai", 90, 7, 9, notifier=h.app.notifier)
    assert await other.tick(local(12, 1, 9, 6)) == (0, 0)  # a second instance sends nothing
    assert "请为“物业公司”2026-11 的服务打分（教务处）" in texts(h, "s1")[-1]

    await h.press("s1", "开始评分")
    assert "（1/3）：服务态度" in h.last("s1").text
    assert "请打 1 到 5 分" in (await h.send("s1", "7"))[0].text  # outside 1–5
    assert "（1/3）：服务态度" in h.last("s1").text  # asked again, nothing lost
    await h.press("s1", "5")
    await h.restart()  # a restart mid-card: the scores given so far stay
    await h.press("s1", "4")
    assert "（3/3）：工作质量" in h.last("s1").text
    await h.send("s1", "3")
    assert "有什么意见或建议" in h.last("s1").text
    huge = await h.send("s1", "很好" * 400)
    assert "意见太长了（800 字，最多 500 字）" in huge[0].text
    assert "有什么意见或建议" in h.last("s1").text  # still asked for the comment
    done = await h.send("s1", "保洁及时，维修偏慢")
    assert "谢谢！“物业公司”2026-11 的评分已提交" in done[-1].text
    card = await ScoringCard.get(department="教务处")
    assert card.comment == "保洁及时，维修偏慢" and card.submitted_at is not None
    assert sorted(await ScoringAnswer.filter(card_id=card.id).values_list("score", flat=True)
                  ) == [3, 4, 5]
    # a forged payload for the other department's card is refused
    theirs = await ScoringCard.get(department="学生处")
    forged = await h.send("s1", callback=ContractorTap("go", theirs.id).pack())
    assert "不是给您的部门的" in forged[-1].text

    # the round closes after 7 days: results to the managers
    service = h.app.services.contractors
    assert await service.tick(local(12, 8, 9, 1)) == (0, 1)
    result = texts(h, "manager")[-1]
    assert "物业公司：满意度 66.7%（目标 90%） ⚠️ 未达标，1/2 个部门已评" in result
    assert "服务态度 5 · 响应速度 4 · 工作质量 3" in result and "保洁及时" in result
    late = await h.press("s2", "开始评分")
    assert "“物业公司”2026-11 的评分已截止" in late[-1].text
    # the next month's card goes out on its own 1st; last month's stays closed
    assert await service.tick(local(1, 1, 9, 0, year=2027)) == (2, 0)
    old = await h.send("s2", callback=ContractorTap("go", theirs.id).pack())
    assert "已截止" in old[-1].text
    assert await ServiceUnit.all().count() == 1


async def _seed_round(month: str, closed: bool, scores: dict[str, list[int]],
                      units: dict[str, ServiceUnit], scorer: Person) -> ScoringRound:
    opened = local(1, 1)
    rnd = await ScoringRound.create(month=month, opened_at=opened, fanout_done=True,
                                    closes_at=opened + timedelta(days=7),
                                    closed_at=opened + timedelta(days=7) if closed else None)
    for name, values in scores.items():
        card = await ScoringCard.create(round=rnd, unit=units[name], department="教务处",
                                        scorer=scorer, criteria=["a", "b", "c", "d", "e"],
                                        submitted_at=opened)
        for position, score in enumerate(values):
            await ScoringAnswer.create(card=card, position=position, criterion="abcde"[position],
                                       score=score)
    return rnd


async def test_warning_only_when_below_target_two_months_running(harness):
    h = harness
    scorer = (await scorers(h))["s1"]
    units = {name: await ServiceUnit.create(name=name, departments=["教务处"],
                                            criteria=["a", "b", "c"])
             for name in ("保洁", "食堂", "绿化", "物业")}
    below, full = [5, 4, 3, 3, 5], [5, 5, 4, 5, 4]  # 60 % and 100 %
    await _seed_round("2026-10", True, {"保洁": below, "绿化": below, "物业": full}, units, scorer)
    # 保洁 below twice; 食堂 below once (no October); 绿化 back at target; 物业 below once
    nov = await _seed_round("2026-11", False, {"保洁": below, "食堂": below, "绿化": full,
                                               "物业": below}, units, scorer)
    service = h.app.services.contractors
    now = local(12, 8, 10).astimezone(UTC)
    assert await service.close(nov, now) is True
    warned = await ContractorWarning.all().prefetch_related("unit")
    assert [(w.unit.name, w.month, w.satisfaction) for w in warned] == [("保洁", "2026-11", 60.0)]
    manager = texts(h, "manager")
    warnings = [t for t in manager if "连续两个月" in t]
    assert warnings == ["⚠️ “保洁”连续两个月满意度未达标：2026-11 为 60%，上月 60%（目标 90%）。"]
    assert await service.close(nov, now) is False  # closed once
    assert len([t for t in texts(h, "manager") if "连续两个月" in t]) == 1
    results = await service.results(h.people["manager"], Month(2026, 11))
    by_unit = {r.unit.name: r for r in results}
    assert (by_unit["绿化"].satisfaction, by_unit["绿化"].below) == (100.0, False)
    assert [p for _, p in by_unit["保洁"].trend[-2:]] == [60.0, 60.0]
    assert by_unit["保洁"].criteria == [("a", 5.0), ("b", 4.0), ("c", 3.0), ("d", 3.0),
                                       ("e", 5.0)]


async def test_service_refusals(harness):
    h = harness
    people = await scorers(h)
    service = h.app.services.contractors
    with pytest.raises(PermissionDenied):
        await service.add_unit(h.people["worker"], "保洁", "", "", "教务处", "a,b,c")
    with pytest.raises(PermissionDenied):
        await service.results(people["s1"], Month(2026, 11))
    manager = h.people["manager"]
    with pytest.raises(InvalidState):
        await service.add_unit(manager, "保洁", "", "", "", "a,b,c")  # no department
    with pytest.raises(InvalidState):
        await service.add_unit(manager, "保洁", "", "", "教务处", "a,b,c,d,e,f,g")
    await service.add_unit(manager, "保洁", "", "", DEPARTMENTS, "a,b,c")
    await service.set_scorer(manager, "教务处", "13800000011")
    await service.tick(local(12, 1, 9))
    card = await ScoringCard.get()
    with pytest.raises(InvalidState) as bad:
        await service.score(people["s1"], card.id, 0, 0)
    assert bad.value.key == "contractors.bad_score"
    with pytest.raises(InvalidState) as missing:
        await service.submit(people["s1"], card.id, None)
    assert missing.value.key == "contractors.scores_missing"
    with pytest.raises(PermissionDenied):
        await service.score(people["s2"], card.id, 0, 5)
    # moved to another department: the old department's card is no longer theirs
    people["s1"].department = "学生处"
    await people["s1"].save()
    with pytest.raises(PermissionDenied):
        await service.progress(people["s1"], card.id)


async def test_cards_go_out_once_when_the_fan_out_was_interrupted(harness):
    h = harness
    await scorers(h)
    service = h.app.services.contractors
    manager = h.people["manager"]
    await service.add_unit(manager, "保洁", "", "", DEPARTMENTS, "a,b,c")
    await service.set_scorer(manager, "教务处", "13800000011")
    await service.set_scorer(manager, "学生处", "13800000012")
    start = local(12, 1, 9).astimezone(UTC)
    assert await service.open_round(Month(2026, 11), start) == 2
    sent = len(h.adapter.sent)
    # as if the instance died after queueing the cards, before it marked the fan-out done
    await ScoringRound.filter(month="2026-11").update(fanout_done=False,
                                                      lease_until=start + timedelta(minutes=5))
    other = ContractorService("Asia/Shanghai", 90, 7, 9, notifier=h.app.notifier)
    assert await other.tick(start + timedelta(minutes=1)) == (0, 0)  # still held
    assert await other.tick(start + timedelta(minutes=6)) == (2, 0)  # taken over…
    assert len(h.adapter.sent) == sent  # …and nobody got a card twice
    assert await service.tick(start + timedelta(minutes=7)) == (0, 0)
    assert await ScoringCard.all().count() == 2
    assert (await ScoringRound.get(month="2026-11")).fanout_done
