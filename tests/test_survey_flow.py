"""/survey, answering and /surveys driven through the dispatcher (RecordingAdapter): the manager's
flow with bad input and Cancel, the respondents' flow with bad input, stale buttons, a restart
mid-answers, the scheduled send and reminder with a controlled clock, and what each role may not
do."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.services.alerts.audience import Audience
from bot.services.surveys.jobs import survey_tick
from models.outbox import OutboxMessage
from models.surveys import Survey, SurveyAnswer, SurveyRecipient


async def settle(h) -> None:
    """Wait until the delivery lanes sent everything queued."""
    for _ in range(300):
        await h.app.notifier.store.flush()
        if not await OutboxMessage.filter(status__in=("pending", "sending")).exists():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the outbox did not drain")


async def open_survey(h, questions, title="食堂满意度") -> Survey:
    """A survey to everyone, sent now (through the service, as the job would)."""
    services = h.app.services
    survey = await services.surveys.create(
        h.people["manager"], title, questions, Audience("everyone"), datetime.now(UTC)
    )
    await services.surveys.send_due()
    await settle(h)
    return survey


def payloads(reply) -> list[str]:
    """The button payloads of a reply."""
    return [b.payload for row in reply.buttons for b in row]


async def test_manager_sends_now_and_people_answer(harness):
    h = harness
    replies = await h.send("manager", "/survey")
    assert "问卷标题" in replies[0].text
    await h.send("manager", "宿舍维修满意度")
    assert "第 1 题" in h.last("manager").text
    await h.press("manager", "评分")
    await h.send("manager", "维修速度满意吗？")
    await h.press("manager", "再加一题")
    await h.press("manager", "文字回答")
    replies = await h.send("manager", "还有什么建议？")
    assert "1.（评分）维修速度满意吗？" in replies[0].text and "2.（文字）" in replies[0].text
    await h.press("manager", "题目完成")
    assert "发给谁" in h.last("manager").text
    await h.press("manager", "全体人员")
    assert "什么时候发送" in h.last("manager").text
    await h.press("manager", "立即发送")
    card = h.last("manager").text
    assert "共 4 人（4 人可在聊天中收到）" in card and "24 小时后提醒" in card
    replies = await h.press("manager", "确认发送")  # the invitations may be interleaved
    assert any("正在发送给 4 人" in r.text and r.edit_message_id == "m1" for r in replies)
    await settle(h)
    survey = await Survey.get()
    assert survey.state == "open" and survey.recipients_total == 4
    assert "宿舍维修满意度" in h.last("student").text and "2 个问题" in h.last("student").text
    assert "Start" in h.last("student2").buttons[0][0].label
    replies = await h.press("student", "开始填写")
    assert "第 1/2 题" in replies[0].text and "维修速度满意吗" in replies[0].text
    replies = await h.press("student", "4")
    assert replies[0].edit_message_id == "m1" and "⭐⭐⭐⭐" in replies[0].text
    assert "第 2/2 题" in replies[1].text and "跳过" in replies[1].buttons[0][0].label
    replies = await h.send("student", "师傅很好，就是来得有点晚")
    assert "谢谢您的意见" in replies[0].text
    await h.press("student2", "Start")
    replies = await h.send("student2", "7")  # a rating outside 1–5, typed
    assert "from 1 to 5" in replies[0].text and "question 1/2" in replies[-1].text
    replies = await h.send("student2", "great")
    assert "with the buttons" in replies[0].text
    await h.send("student2", "2")  # a typed rating in range counts
    replies = await h.press("student2", "Skip")
    assert "Thank you" in replies[-1].text
    replies = await h.send("manager", "/surveys")
    assert f"#{survey.id} 《宿舍维修满意度》" in replies[0].text
    assert "已完成 2/4（50%）" in replies[0].text
    replies = await h.press("manager", f"#{survey.id}")
    card = replies[0].text
    assert "2 人打分，平均 3.00 分" in card and "2★ 1" in card and "4★ 1" in card
    assert "1 条回答，1 人跳过" in card and "师傅很好，就是来得有点晚" in card


async def test_bad_input_and_cancel_while_composing(harness):
    h = harness
    await h.send("manager", "/survey")
    replies = await h.send("manager", "长" * 101)
    assert "标题太长" in replies[0].text
    await h.send("manager", "意见")
    replies = await h.send("manager", "评分")  # typed instead of pressed
    assert "请使用下方按钮" in replies[0].text
    for number in range(1, 6):
        await h.press("manager", "评分")
        if number == 1:
            replies = await h.send("manager", "问" * 301)
            assert "题目太长" in replies[0].text
        replies = await h.send("manager", f"问题{number}")
        if number < 5:
            await h.press("manager", "再加一题")
    assert "5 题上限" in replies[0].text and "发给谁" in replies[1].text
    await h.press("manager", "某类人员")
    await h.press("manager", "维修工")
    replies = await h.send("manager", "明天")
    assert "没看懂这个时间" in replies[0].text
    replies = await h.send("manager", "2020-01-01 09:00")
    assert "已经过去" in replies[0].text
    replies = await h.send("manager", "/survey")  # a command in the middle
    assert "先完成" in replies[0].text
    replies = await h.press("manager", "取消")
    assert "已取消" in replies[0].text
    assert await Survey.all().count() == 0
    await h.send("manager", "/survey")
    replies = await h.press("manager", "取消")  # cancel works at the very first step too
    assert "已取消" in replies[0].text and await Survey.all().count() == 0


async def test_scheduled_for_tomorrow_sent_by_the_job_then_one_reminder(harness):
    h = harness
    await h.send("manager", "/survey")
    await h.send("manager", "Canteen")
    await h.press("manager", "文字回答")
    await h.send("manager", "What should the canteen change?")
    await h.press("manager", "题目完成")
    await h.press("manager", "全体人员")
    await h.press("manager", "明天 09:00")
    assert "09:00" in h.last("manager").text
    await h.press("manager", "改为 7 天后自动截止")
    assert "发送后 7 天自动截止" in h.last("manager").text
    await h.press("manager", "改为每月重复")
    assert "重复：每月一次" in h.last("manager").text
    replies = await h.press("manager", "确认发送")
    assert "已安排在" in replies[-1].text
    survey = await Survey.get()
    assert survey.state == "scheduled" and survey.closes_at == survey.send_at + timedelta(days=7)
    assert survey.repeat == "monthly"
    replies = await h.press("manager", "查看结果")
    assert "这一期发出后" in replies[0].text
    services = h.app.services
    assert await survey_tick(services, survey.send_at - timedelta(minutes=1)) == 0
    assert await survey_tick(services, survey.send_at) == 4  # 4 people, one chat each
    await settle(h)
    assert "Canteen" in h.last("student2").text
    assert any("已发给 4 人" in r.text for r in h.replies_to("manager"))
    upcoming = await Survey.get(previous_id=survey.id)
    replies = await h.send("manager", callback=f"svm:v:{survey.id}")
    assert f"下一期 #{upcoming.id}" in replies[0].text
    await h.press("student", "开始填写")
    await h.send("student", "多一些素菜")
    remind_at = survey.send_at + timedelta(hours=24)
    assert await survey_tick(services, remind_at - timedelta(seconds=1)) == 0
    assert await survey_tick(services, remind_at) == 3
    await settle(h)
    assert "Reminder" in h.last("student2").text and "0/1" in h.last("student2").text
    assert "提醒" not in h.last("student").text
    assert await survey_tick(services, remind_at + timedelta(days=1)) == 0
    replies = await h.press("student2", "Continue")
    assert "question 1/1" in replies[0].text
    await survey_tick(services, survey.send_at + timedelta(days=7))
    replies = await h.send("student2", "more fruit")
    assert "is closed" in replies[0].text
    assert (await Survey.get(id=survey.id)).state == "closed"


async def test_stale_buttons_restart_and_later_resume(harness):
    h = harness
    questions = [("rating", "饭菜口味？"), ("rating", "价格？"), ("text", "建议？")]
    survey = await open_survey(h, questions)
    await h.press("student", "开始填写")
    first = h.last("student")
    await h.press("student", "5")
    await h.restart()
    replies = await h.send("student", callback=payloads(first)[0], message_id="m0")  # Q1 again
    assert "已经回答过了" in replies[0].text and "第 2/3 题" in replies[-1].text
    replies = await h.press("student", "3")  # after the restart the flow goes on
    assert "第 3/3 题" in replies[-1].text
    replies = await h.press("student", "稍后再答")
    assert "已保存" in replies[0].text
    replies = await h.send("student", callback=payloads(first)[1], message_id="m0")
    assert "之前的对话" in replies[0].text  # a button of the finished flow is stale
    replies = await h.press("student", "开始填写")  # a later day: continue at question 3
    assert "第 3/3 题" in replies[0].text
    replies = await h.send("student", photos=[b"\x89PNG"])
    assert "请输入文字回答" in replies[0].text
    replies = await h.send("student", "很" * 501)
    assert "回答太长" in replies[0].text
    replies = await h.send("student", "很好")
    assert "谢谢您的意见" in replies[0].text
    replies = await h.press("student", "开始填写")
    assert "已经填完" in replies[0].text
    rec = await SurveyRecipient.get(survey_id=survey.id, person_id=h.people["student"].id)
    assert rec.completed_at is not None
    answers = await SurveyAnswer.filter(recipient_id=rec.id).order_by("id")
    assert [(a.rating, a.text) for a in answers] == [(5, None), (3, None), (None, "很好")]


async def test_closed_survey_and_remind_now(harness):
    h = harness
    survey = await open_survey(h, [("rating", "满意吗？"), ("rating", "还会推荐吗？")])
    await h.press("student", "开始填写")
    await h.send("manager", "/surveys")
    replies = await h.press("manager", f"#{survey.id}")
    assert "立即提醒" in " ".join(b.label for row in replies[0].buttons for b in row)
    replies = await h.press("manager", "立即提醒")
    assert any("已向问卷" in r.text for r in replies) and any("已于" in r.text for r in replies)
    replies = await h.send("manager", callback=f"svm:rm:{survey.id}")
    assert "已经发过了" in replies[0].text
    await settle(h)
    assert "提醒" in h.last("student").text and "已答 0/2" in h.last("student").text
    await h.press("manager", "结束问卷")
    replies = await h.press("manager", "确认结束")
    assert "已结束" in replies[0].text and "已截止" in replies[1].text
    replies = await h.press("student", "4")  # the student was part-way when it closed
    assert "已经截止" in replies[0].text
    replies = await h.press("student2", "Start")
    assert "is closed" in replies[0].text
    replies = await h.send("manager", callback=f"svm:cc:{survey.id}")
    assert "已经结束" in replies[0].text
    replies = await h.send("manager", callback="svm:v:x")
    assert "无法识别" in replies[0].text


async def test_what_a_student_or_worker_may_not_do(harness):
    h = harness
    survey = await open_survey(h, [("rating", "满意吗？")])
    for user in ("student", "worker"):
        for text in ("/survey", "/surveys"):
            replies = await h.send(user, text)
            assert "没有权限" in replies[0].text, (user, text)
        for verb in ("v", "c", "cc", "rm"):
            replies = await h.send(user, callback=f"svm:{verb}:{survey.id}")
            assert "没有权限" in replies[0].text, (user, verb)
    assert (await Survey.get(id=survey.id)).state == "open"
    assert "/survey" not in (await h.send("student", "/help"))[0].text
    assert "/surveys" in (await h.send("manager", "/help"))[0].text
    replies = await h.send("student", callback=f"sva:go:{survey.id + 5}")
    assert "不是发给您的" in replies[0].text


async def test_results_show_the_latest_texts_truncated(harness):
    h = harness
    survey = await open_survey(h, [("text", "建议？")])
    await h.press("student", "开始填写")
    await h.send("student", "长" * 300)
    await h.press("student2", "Start")
    await h.send("student2", "ok")
    replies = await h.send("manager", callback=f"svm:v:{survey.id}")
    card = replies[0].text
    assert "长" * 79 + "…" in card and "长" * 80 not in card
    assert card.index("“ok”") < card.index("长")  # newest first
    assert "2 条回答，0 人跳过" in card and "已完成 2/4（50%）" in card
