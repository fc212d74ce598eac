"""End to end on WeCom for the newer flows: a survey composed by a manager and answered with
rating buttons, a dorm request approved by the dorm admin, and an inspection round walked with
a problem and a reading — every message an encrypted callback, every reply checked as the fake
WeCom API received it (template cards whose keys are our payloads, or numbered text)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import HouqinApp
from bot.services.inspections.jobs import inspection_tick
from models.dorm_requests import DormRequest
from models.dorms import DormAssignment
from models.inspections import InspectionAnswer, InspectionRound
from models.repairs import Attachment, Ticket
from models.surveys import Survey, SurveyAnswer
from tests.dorm_requests_support import later_today, spare_beds
from tests.fakes.fake_wecom_api import FakeWeComApi
from tests.fakes.fake_wecom_callbacks import AGENT_ID, CORP_ID, WeComCallbacks
from tests.inspection_support import import_checklist
from tests.support import png_bytes, seed_small_campus
from tests.test_dorm_support import small_dorm, window_around
from tests.test_e2e_wecom import Member, free_port, shown, wecom_settings

WECOM_USERS = {"student": "zhangsan", "student2": "lisi", "worker": "wang", "manager": "chen"}


@pytest.fixture
async def api():
    """A running fake WeCom API."""
    fake = FakeWeComApi(corp_id=CORP_ID, agent_id=AGENT_ID)
    await fake.start()
    yield fake
    await fake.stop()


@asynccontextmanager
async def serving(tmp_path: Path, api: FakeWeComApi) -> AsyncIterator[dict[str, Any]]:
    """The app serving /wecom/callback with the small campus's four people bound on WeCom
    (李四 "lisi" reads English, the others Chinese)."""
    port = free_port()
    app = HouqinApp(wecom_settings(tmp_path, api, port))
    await app.start(schema="generate")
    try:
        people = await seed_small_campus()
        for key, user in WECOM_USERS.items():
            await app.services.people.bind(people[key], "wecom", user, user)
        wecom = WeComCallbacks(f"http://127.0.0.1:{port}/wecom/callback")
        yield {"app": app, "wecom": wecom, "people": people, "tmp_path": tmp_path}
    finally:
        await app.stop()


@pytest.fixture
async def running(tmp_path, api):
    """The app on WeCom with the campus's people bound (see `serving`)."""
    async with serving(tmp_path, api) as started:
        yield started


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
    """Every card button key sent is one of our short payloads: within the 64 bytes Telegram
    allows too (the renderer itself only refuses keys over WeCom's 1024)."""
    return all(len(b["key"].encode()) <= 64 for m in api.sent if m["msgtype"] == "template_card"
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


async def test_dorm_requests_approved_and_rejected_on_wecom(running, api):
    app, people = running["app"], running["people"]
    start, end = window_around(now())
    made = await small_dorm(running["tmp_path"], {"student": people["student"],
                                                  "student2": people["student2"]}, start, end)
    await spare_beds("D1-204", ("1", "2", "3", "4", "5", "6"))
    await app.services.people.bind(made["admin1"], "wecom", "sun", "sun")
    who = members(api, running["wecom"])
    student, student2 = who["student"], who["student2"]
    admin = Member(api, running["wecom"], "sun")

    await student.say("/dormrequest")
    kinds = await student.expect("请选择要申请的事项")
    await choose(student, kinds, "调宿")
    await student.expect("调宿原因")
    await student.say("室友作息不同")
    await student.expect("希望调到哪栋楼")
    await student.say("d1-204")
    card = await student.expect("请核对您的🔁 调宿申请")
    assert "意向：D1号楼204" in shown(card)
    await choose(student, card, "提交申请")
    await student.expect("已提交🔁 调宿申请")
    pushed = await admin.expect("新的宿舍申请")
    request = await DormRequest.get()
    assert card_keys(pushed)["✅ 批准"] == f"drq:a:{request.id}"
    assert "室友作息不同" in shown(pushed) and "张三" in shown(pushed)
    await choose(admin, pushed, "批准")
    beds = await admin.expect("请选择 D1号楼204 的空床位")
    assert beds["msgtype"] == "text"  # six beds, another room, reject: numbered text
    assert len(numbered(beds)) == 8
    await choose(admin, beds, "D1号楼204 2号床")
    await admin.expect("调至 D1号楼204 2号床")
    await student.expect("新宿舍：D1号楼204 2号床")
    await request.refresh_from_db()
    assert request.state == "approved" and request.decided_by_id == made["admin1"].id
    moved = await DormAssignment.get(person_id=people["student"].id,
                                     status="pending").prefetch_related("bed__room")
    assert (moved.bed.room.code, moved.bed.label) == ("D1-204", "2")

    await student2.say("/dormrequest")
    await choose(student2, await student2.expect("What would you like"), "Late return")
    await student2.expect("When do you expect to be back")
    back = later_today(3)
    await student2.say(back)
    await student2.expect("why will you be late")
    await student2.say("Club event")
    check = await student2.expect("Please check your request")
    assert back in shown(check)
    await choose(student2, check, "Submit")
    pushed = await admin.expect("新的宿舍申请")  # the admin reads Chinese
    await choose(admin, pushed, "驳回")
    reasons = await admin.expect("请选择或输入原因")
    assert reasons["msgtype"] == "text"  # reasons too wide for card buttons: numbered text
    await choose(admin, reasons, "本周晚归次数过多")  # answered by its number
    told = await student2.expect("was not approved")
    assert "本周晚归次数过多" in shown(told)
    late = await DormRequest.get(kind="late_return")
    assert (late.state, late.decision_reason) == ("rejected", "本周晚归次数过多")
    assert not api.violations and keys_fit(api)


async def test_inspection_round_walked_with_a_problem_and_a_reading(running, api):
    app, wecom = running["app"], running["wecom"]
    worker = members(api, wecom)["worker"]
    moment = now()
    await import_checklist(running["tmp_path"], rule="cron * * * * *",
                           now=moment - timedelta(minutes=2))
    created, _, _, _ = await inspection_tick(app.services, moment)
    assert created == 1
    await worker.expect("巡检任务：消防通道")  # pushed by the job
    await worker.say("/rounds")
    due = await worker.expect("消防通道（3号楼）")
    rnd = await InspectionRound.get()
    assert card_keys(due) == {"▶️ 开始巡检": f"ir:s:{rnd.id}"}
    await choose(worker, due, "开始巡检")
    first = await worker.expect("（1/3）通道畅通")
    assert [b.split(":")[-1] for b in card_keys(first).values()] == ["ok", "bad", "cancel"]
    await choose(worker, first, "正常")
    await choose(worker, await worker.expect("（2/3）防火门"), "有问题")
    await worker.expect("防火门关闭良好有什么问题")
    await worker.say("闭门器坏了")
    await worker.expect("再发一张照片")
    photo = png_bytes(seed=21)
    posted = await wecom.send(wecom.image("wang", api.add_media(photo)))
    assert posted.status == 200
    saved = await worker.expect("已保存防火门关闭良好的照片 1 张")
    await choose(worker, saved, "完成")
    made = await worker.expect("已生成报修工单")
    await worker.expect("（3/3）灭火器压力")
    await worker.say("abc")  # typed where a number belongs: asked again
    await worker.expect("不是数字")
    await worker.say("1.0")
    done = await worker.expect("巡检完成")
    assert "问题 1 项" in shown(done) and "闭门器坏了" in shown(done)

    ticket = await Ticket.get()
    assert ticket.number in shown(made) and ticket.number in shown(done)
    assert ticket.category == "carpentry" and "闭门器坏了" in ticket.description
    stored = await Attachment.filter(ticket_id=ticket.id)
    assert [Path(a.path).read_bytes() for a in stored] == [photo]
    await rnd.refresh_from_db()
    assert rnd.state == "done"
    reading = await InspectionAnswer.get(round_id=rnd.id, value=1.0)
    assert reading.ok
    assert not api.violations and keys_fit(api)


async def test_requisition_approved_in_part_and_collected_on_wecom(running, api):
    from models.stock import Requisition
    from tests.test_stock_support import assert_consistent, figures, seed_stores

    app, wecom = running["app"], running["wecom"]
    world = await seed_stores(running["people"])
    await app.services.people.bind(world.people["keeper"], "wecom", "keeper", "keeper")
    worker, keeper = Member(api, wecom, "wang"), Member(api, wecom, "keeper")
    await worker.say("/requisition")
    await worker.expect("需要哪些物资")
    await worker.say("灯管 10")
    listed = await worker.expect("灯管 × 10 根")
    await choose(worker, listed, "完成")
    stores = await worker.expect("哪个库房")
    await choose(worker, stores, "北区库房")
    await worker.expect("说明用途")
    await worker.say("3号楼走廊换灯")
    card = await worker.expect("请确认申领")
    assert "北区库房" in shown(card) and "3号楼走廊换灯" in shown(card)
    await choose(worker, card, "提交")
    await worker.expect("已提交")
    number = (await Requisition.get()).id

    request = await keeper.expect(f"新申领单 #{number}")
    assert "灯管 × 10 根（可用 40）" in shown(request)
    await choose(keeper, request, "部分批准")
    await keeper.expect("批准多少")
    await keeper.say("6")
    confirm = await keeper.expect("按以下数量批准")
    await choose(keeper, confirm, "确认批准")
    approved = await keeper.expect("已批准，待领取")
    assert await figures(world.items["LT-T8"], world.stores["N"]) == (40, 6, 34)
    told = await worker.expect(f"申领单 #{number} 已部分批准")
    assert "灯管：批准 6 根（申请 10）" in shown(told)
    await choose(keeper, approved, "已领取")
    await keeper.expect("已领取")
    assert (await Requisition.get(id=number)).status == "collected"
    assert await figures(world.items["LT-T8"], world.stores["N"]) == (34, 0, 34)
    await assert_consistent(app.services.stock)
    assert keys_fit(api)


async def test_dorm_check_in_with_a_problem_photo_becomes_a_ticket_on_wecom(running, api):
    from bot.services.dorms.jobs import dorm_tick
    from models.dorms import DormCheckItem

    app, wecom, people = running["app"], running["wecom"], running["people"]
    student = Member(api, wecom, "zhangsan")
    start, end = window_around(now())
    await small_dorm(running["tmp_path"], {"student": people["student"]}, start, end)
    assert await dorm_tick(app.services) == (1, 0)
    notice = await student.expect("宿舍分配通知")
    assert "D1号楼203" in shown(notice)
    await choose(student, notice, "确认入住")
    door = await student.expect("（1/6）门和门锁")
    await choose(student, door, "正常")
    lights = await student.expect("（2/6）灯具")
    await choose(student, lights, "有问题")
    await student.expect("灯具有什么问题")
    image = png_bytes(seed=43)
    assert (await wecom.send(wecom.image("zhangsan", api.add_media(image)))).status == 200
    saved = await student.expect("已保存灯具的照片")
    await student.say("灯管不亮")
    await choose(student, await student.expect("（3/6）"), "其余都正常")
    review = await student.expect("请核对")
    assert "灯管不亮" in shown(review) and "照片 1 张" in shown(review)
    await choose(student, review, "确认入住")
    await student.expect("成功入住")
    ticket = await Ticket.get()
    assert "灯管不亮" in ticket.description and ticket.category == "electrical"
    stored = await Attachment.filter(ticket_id=ticket.id)
    assert [Path(a.path).read_bytes() for a in stored] == [image]
    assert (await DormCheckItem.get(item="lights")).ticket_id == ticket.id
    assert (await DormAssignment.get(person_id=people["student"].id)).status == "checked_in"
    assert saved and keys_fit(api)
