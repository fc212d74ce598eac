"""/cancel says what it means for the flow it ends: the survey and the inspection walk keep the
answers given so far (and say so, in both languages), the dorm checklist keeps nothing, other
flows keep the shared "nothing was filed"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.router import Router
from bot.services.dorms.jobs import dorm_tick
from bot.services.inspections.jobs import inspection_tick
from models.conversation import ConversationState
from models.dorms import DormCheckItem
from models.inspections import InspectionAnswer, InspectionRound
from models.surveys import SurveyAnswer, SurveyRecipient
from tests.inspection_support import import_checklist
from tests.test_dorm_support import small_dorm, window_around
from tests.test_survey_flow import open_survey

NOTHING_FILED = ("没有提交任何内容", "Nothing was filed")


def test_routers_merge_their_cancel_texts():
    main, survey, other = Router(), Router(), Router()
    survey.cancel_text("survey_reply", "survey.stopped")
    other.cancel_text("insp", "inspections.paused")
    main.include(survey)
    main.include(other)
    assert main.cancel_texts == {"survey_reply": "survey.stopped", "insp": "inspections.paused"}


async def test_cancel_mid_survey_keeps_the_answers_and_says_so(harness):
    h = harness
    survey = await open_survey(h, [("rating", "饭菜口味？"), ("rating", "价格？"),
                                   ("text", "建议？")])
    await h.press("student", "开始填写")
    await h.press("student", "4")
    replies = await h.send("student", "/cancel")
    text = replies[-1].text
    assert "已停止填写" in text and "已答的题目都保留着" in text and "开始填写" in text
    assert not any(words in text for words in NOTHING_FILED)
    rec = await SurveyRecipient.get(survey_id=survey.id, person_id=h.people["student"].id)
    assert await SurveyAnswer.filter(recipient_id=rec.id).count() == 1  # true: it is kept
    assert not await ConversationState.filter(flow="survey_reply").exists()
    replies = await h.press("student", "开始填写")
    assert "第 2/3 题" in replies[0].text and "价格？" in replies[0].text

    await h.press("student2", "Start")  # English
    await h.press("student2", "5")
    replies = await h.send("student2", "/cancel")
    assert "your answers so far are kept" in replies[-1].text
    assert "Nothing was filed" not in replies[-1].text


async def test_cancel_mid_inspection_says_answers_are_stored_and_resumes(harness, tmp_path):
    h = harness
    now = datetime.now(UTC)
    await import_checklist(tmp_path, rule="cron * * * * *", now=now - timedelta(minutes=2))
    await inspection_tick(h.app.services, now)
    await h.press("worker", "开始巡检")
    await h.press("worker", "正常")
    await h.press("worker", "有问题")
    await h.send("worker", "闭门器坏了")  # a problem not finished yet
    replies = await h.send("worker", "/cancel")
    text = replies[-1].text
    assert "已暂停" in text and "已回答的各项都已保存" in text and "没答完的那一项" in text
    assert not any(words in text for words in NOTHING_FILED)
    rnd = await InspectionRound.get()
    answers = await InspectionAnswer.filter(round_id=rnd.id)
    assert [a.ok for a in answers] == [True]  # item 1 kept, the unfinished problem not filed
    replies = await h.send("worker", "/rounds")
    replies = await h.press("worker", "继续巡检")
    assert "已回答 1 项" in replies[0].text and "（2/3）防火门" in replies[-1].text


async def test_pause_button_and_cancel_say_the_same_on_the_inspection(harness, tmp_path):
    h = harness
    now = datetime.now(UTC)
    await import_checklist(tmp_path, rule="cron * * * * *", now=now - timedelta(minutes=2))
    await inspection_tick(h.app.services, now)
    await h.press("worker", "开始巡检")
    await h.press("worker", "正常")
    paused = (await h.press("worker", "暂停"))[-1].text
    await h.send("worker", "/rounds")
    await h.press("worker", "继续巡检")
    cancelled = (await h.send("worker", "/cancel"))[-1].text
    assert paused == cancelled and "/rounds" in cancelled


async def test_cancel_in_the_dorm_checklist_and_in_a_report(harness, tmp_path):
    h = harness
    start, end = window_around(datetime.now(UTC))
    await small_dorm(tmp_path, {"student": h.people["student"],
                                "student2": h.people["student2"]}, start, end)
    await dorm_tick(h.app.services)
    await h.press("student", "确认入住")
    await h.press("student", "正常")
    replies = await h.send("student", "/cancel")
    assert "已中止，未保存任何内容" in replies[-1].text
    assert await DormCheckItem.all().count() == 0
    await h.send("student", "/report")
    replies = await h.send("student", "/cancel")
    assert replies[-1].text == "已取消，没有提交任何内容。"  # the shared text elsewhere
    replies = await h.send("student", "/cancel")
    assert "当前没有可以取消的操作" in replies[-1].text
