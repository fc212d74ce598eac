"""End to end: dispatch through the real python-telegram-bot client and the fake Bot API.

A reporter and two workers on Telegram: report → offer to worker A → A declines with a reason →
offer to worker B → B accepts → progress taps → done with a photo and a note → the reporter
confirms with 5 stars. Then an escalation, fired by the periodic job with the clock advanced.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.services.repairs.jobs import dispatch_tick
from models.followup import FollowUp
from models.repairs import Attachment, Ticket, TicketEvent
from tests.dispatch_support import all_day_sla
from tests.e2e_support import QUIET_PTB, bound, telegram_app
from tests.support import png_bytes, seed_small_campus

pytestmark = QUIET_PTB
REPORTER, WORKER_A, WORKER_B, MANAGER = 4242, 5001, 5002, 5003


@pytest.fixture
async def campus(tmp_path, api):
    """The app in polling mode; the reporter, two plumbers and a manager bound to Telegram."""
    async with telegram_app(tmp_path, api, sla_file=all_day_sla(tmp_path)) as app:
        people = await seed_small_campus()
        li = await app.services.people.create("李师傅", ["worker"], skills=["plumbing"],
                                              locale="en")
        users = {
            "reporter": await bound(app, api, people["student"], REPORTER),
            "a": await bound(app, api, people["worker"], WORKER_A),
            "b": await bound(app, api, li, WORKER_B, language="en"),
            "manager": await bound(app, api, people["manager"], MANAGER),
        }
        yield app, users


async def test_report_decline_redispatch_accept_done_rate_and_escalation(campus, api):
    app, users = campus
    reporter, a, b, manager = users["reporter"], users["a"], users["b"], users["manager"]
    await a.say("/duty on")
    await a.expect("已上岗")
    await b.say("/duty on")
    await b.expect("You are on duty")

    await reporter.photo([png_bytes(seed=10)], caption="3号楼402 水龙头漏水")
    await reporter.expect("请确认")
    await reporter.press("提交")
    submitted = await reporter.expect("已提交")
    assert "已派给维修师傅" in submitted["text"]
    ticket = await Ticket.get()

    offer = await a.expect("新派工")
    assert ticket.number in offer["text"] and "水龙头漏水" in offer["text"]
    photos = [m for m in api.sent_messages(WORKER_A) if m["method"] == "sendPhoto"]
    assert len(photos) == 1 and ticket.number in photos[0]["text"]  # the reporter's photo
    await a.press("拒绝")
    await a.expect("原因")
    await a.press("正在忙别的单")
    await a.expect("已拒绝")

    offer = await b.expect("New job")
    assert ticket.number in offer["text"]
    await b.press("Accept")
    await b.expect("The job is yours")
    await b.expect("Progress: accepted")  # the offer turned into the job card
    await reporter.expect("李师傅 已接下")
    for tap, news, stage in (("On my way", "已出发", "on the way"),
                             ("Arrived", "已到达", "worker on site"),
                             ("Start repair", "正在维修", "in progress")):
        await b.press(tap)
        await reporter.expect(news)
        await b.expect(f"Progress: {stage}")

    await b.press("Done")
    await b.expect("photo")
    await b.photo([png_bytes(seed=11)])
    await b.expect("Photo received")
    await b.press("Done (1)")
    await b.expect("What did you do")
    await b.say("Replaced the valve cartridge")
    await b.expect("Materials used")
    await b.press("No materials used")
    await b.expect("is done")
    assert await Attachment.filter(ticket_id=ticket.id, kind="result").count() == 1

    question = await reporter.expect("问题解决了吗")
    assert "Replaced the valve cartridge" in question["text"]
    await reporter.press("5⭐")
    await reporter.expect("感谢评价")
    await reporter.expect("还有什么想说")
    await reporter.press("跳过")
    await reporter.expect("不填写")
    fu = await FollowUp.get(ticket_id=ticket.id)
    assert (fu.answer, fu.score) == ("fixed", 5)
    assert (await Ticket.get(id=ticket.id)).status == "closed"
    await b.expect("★★★★★")

    # an electrical fault nobody on duty can take: the managers are told, then escalated to
    await reporter.say("3号楼403 灯不亮")
    await reporter.expect("请确认")
    await reporter.press("提交")
    await reporter.expect("暂时没有空闲的师傅")
    await manager.expect("暂无可派")
    second = await Ticket.filter().order_by("-id").first()
    later = datetime.now(UTC) + timedelta(hours=2)
    assert await dispatch_tick(app.services, later) >= 1
    alert = await manager.expect("前接单")
    assert second.number in alert["text"]
    kinds = await TicketEvent.filter(ticket_id=second.id).values_list("kind", flat=True)
    assert "sla_response_manager" in kinds
