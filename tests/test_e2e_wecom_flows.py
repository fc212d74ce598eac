"""End to end on WeCom for the newer flows: a survey composed by a manager and answered with
rating buttons, a dorm request approved by the dorm admin, and an inspection round walked with
a problem and a reading — every message an encrypted callback, every reply checked as the fake
WeCom API received it (template cards whose keys are our payloads, or numbered text)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.app import HouqinApp
from models.surveys import Survey, SurveyAnswer
from tests.fakes.fake_wecom_api import FakeWeComApi
from tests.fakes.fake_wecom_callbacks import AGENT_ID, CORP_ID, WeComCallbacks
from tests.support import seed_small_campus
from tests.test_e2e_wecom import Member, free_port, shown, wecom_settings

WECOM_USERS = {"student": "zhangsan", "student2": "lisi", "worker": "wang", "manager": "chen"}


@pytest.fixture
async def api():
    """A running fake WeCom API."""
    fake = FakeWeComApi(corp_id=CORP_ID, agent_id=AGENT_ID)
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def running(tmp_path, api):
    """The app serving /wecom/callback with the small campus's four people bound on WeCom
    (李四 "lisi" reads English, the others Chinese)."""
    port = free_port()
    app = HouqinApp(wecom_settings(tmp_path, api, port))
    await app.start(schema="generate")
    people = await seed_small_campus()
    for key, user in WECOM_USERS.items():
        await app.services.people.bind(people[key], "wecom", user, user)
    wecom = WeComCallbacks(f"http://127.0.0.1:{port}/wecom/callback")
    yield {"app": app, "wecom": wecom, "people": people, "tmp_path": tmp_path}
    await app.stop()


def members(api: FakeWeComApi, wecom: WeComCallbacks) -> dict[str, Member]:
    """A Member for each bound person, by the people key."""
    return {key: Member(api, wecom, user) for key, user in WECOM_USERS.items()}


def card_keys(message: dict[str, Any]) -> dict[str, str]:
    """A template card's buttons: label -> key (the payload our router receives)."""
    return {b["text"]: b["key"] for b in message["template_card"]["button_list"]}


def numbered(message: dict[str, Any]) -> dict[str, str]:
    """A numbered-text fallback's choices: label -> the number to reply."""
    lines = re.findall(r"^(\d+)\. (.+)$", shown(message), flags=re.MULTILINE)
    return {label: number for number, label in lines}


async def choose(member: Member, message: dict[str, Any], label: str) -> None:
    """Pick the button containing `label`: a tap on a card, or its number typed otherwise."""
    if message["msgtype"] == "template_card":
        await member.tap(message, label)
        return
    choices = numbered(message)
    number = next((n for text, n in choices.items() if label in text), None)
    assert number is not None, f"no choice {label!r} in {choices}"
    await member.say(number)


def keys_fit(api: FakeWeComApi) -> bool:
    """Every template card button key the API accepted fits WeCom's 1024-byte limit."""
    return all(len(b["key"].encode()) <= 1024 for m in api.sent if m["msgtype"] == "template_card"
               for b in m["template_card"]["button_list"])


def now() -> datetime:
    """The current UTC time."""
    return datetime.now(UTC)


async def test_survey_composed_sent_and_answered_with_rating_buttons(running, api):
    who = members(api, running["wecom"])
    boss = who["manager"]
    await boss.say("/survey")
    await boss.expect("问卷标题")
    await boss.say("宿舍维修满意度")
    kinds = await boss.expect("第 1 题")
    await choose(boss, kinds, "评分")
    await boss.say("维修速度满意吗？")
    more = await boss.expect("1.（评分）维修速度满意吗？")
    await choose(boss, more, "再加一题")
    await choose(boss, await boss.expect("第 2 题"), "文字回答")
    await boss.say("还有什么建议？")
    more = await boss.expect("2.（文字）还有什么建议？")
    await choose(boss, more, "题目完成")
    audience = await boss.expect("发给谁")
    assert card_keys(audience)["全体人员"].endswith(":everyone")
    await choose(boss, audience, "全体人员")
    await choose(boss, await boss.expect("什么时候发送"), "立即发送")
    confirm = await boss.expect("24 小时后提醒")
    await choose(boss, confirm, "确认发送")
    await boss.expect("正在发送给 4 人")

    student, student2 = who["student"], who["student2"]
    invite = await student.expect("宿舍维修满意度")
    assert card_keys(invite) == {"开始填写": f"sva:go:{(await Survey.get()).id}"}
    await student.tap(invite, "开始填写")
    rating = await student.expect("第 1/2 题")
    assert rating["msgtype"] == "template_card"  # five ratings and "later": six buttons fit
    assert [card_keys(rating)[str(n)].rsplit(":", 2)[1:] for n in range(1, 6)] == [
        ["1", str(n)] for n in range(1, 6)]
    await choose(student, rating, "4")
    await student.expect("第 2/2 题")
    await student.say("师傅很好，就是来得有点晚")
    await student.expect("谢谢您的意见")

    invite = await student2.expect("Start")
    assert "2 short questions" in shown(invite)  # in 李四's language
    await student2.tap(invite, "Start")
    rating = await student2.expect("question 1/2")
    await choose(student2, rating, "2")
    await choose(student2, await student2.expect("question 2/2"), "Skip")
    await student2.expect("Thank you")

    answers = await SurveyAnswer.all().prefetch_related("recipient__person", "question")
    got = sorted((a.recipient.person.name, a.question.position, a.rating, a.text)
                 for a in answers)
    assert got == [("张三", 1, 4, None), ("张三", 2, None, "师傅很好，就是来得有点晚"),
                   ("李四", 1, 2, None), ("李四", 2, None, None)]
    assert (await Survey.get()).recipients_total == 4
    assert not api.violations and keys_fit(api)
