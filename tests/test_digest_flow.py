"""/digest through the dispatcher (manager yes, student and worker no), the settings buttons,
and the scheduled delivery: once per local day at or after each manager's time."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from PIL import Image

from bot.services.digest.figures import SECTIONS
from bot.services.digest.jobs import digest_tick
from models.digest import DigestSubscription
from tests.digest_support import TZ, local, ticket


def at(hour: int, minute: int = 0, day: int = 21) -> datetime:
    """A local time on a November 2026 day, in UTC."""
    return datetime(2026, 11, day, hour, minute, tzinfo=TZ).astimezone(UTC)


async def test_manager_gets_chart_then_text(harness):
    await ticket(harness.people["student"], "3-402", "plumbing", datetime.now(UTC))
    replies = await harness.send("manager", "/digest today")
    assert len(replies) == 2
    picture, text = replies
    assert picture.image is not None and "今日截至目前" in picture.text
    assert "新增 1 单" in picture.text
    assert Image.open(io.BytesIO(picture.image)).format == "PNG"
    assert "后勤每日日报" in text.text and "报修：新增 1 单" in text.text
    replies = await harness.send("manager", "/digest")
    assert "日报：新增 0 单" in replies[0].text  # yesterday had nothing


async def test_students_and_workers_are_refused(harness):
    for user in ("student", "worker"):
        replies = await harness.send(user, "/digest")
        assert len(replies) == 1 and replies[0].image is None
        assert "没有权限" in replies[0].text
        replies = await harness.send(user, callback="dg:t:0700")
        assert "没有权限" in replies[0].text
    assert await DigestSubscription.all().count() == 0


async def test_help_lists_digest_for_managers_only(harness):
    assert "/digest" in (await harness.send("manager", "/help"))[0].text
    assert "/digest" not in (await harness.send("student", "/help"))[0].text


async def test_bad_argument_explains_usage(harness):
    replies = await harness.send("manager", "/digest lastyear")
    assert "/digest settings" in replies[0].text and replies[0].image is None


async def test_settings_time_and_sections(harness):
    replies = await harness.send("manager", "/digest settings")
    assert "推送时间：08:00。推送：日报。" in replies[0].text
    await harness.press("manager", "09:00")
    assert "推送时间：09:00" in harness.last("manager").text
    await harness.press("manager", "库存")
    row = await DigestSubscription.get(person_id=harness.people["manager"].id)
    assert (row.enabled, row.hour, row.minute) == (True, 9, 0)
    assert "stock" not in row.sections and "tickets" in row.sections
    assert "▫️ 库存" in [b.label for r in harness.last("manager").buttons for b in r]
    replies = await harness.send("manager", "/digest today")
    assert "库存" not in replies[1].text and "报修" in replies[1].text
    await harness.press("manager", "日报")
    assert "推送：不推送" in harness.last("manager").text
    await harness.press("manager", "周报")
    await harness.press("manager", "月报")
    card = harness.last("manager").text
    assert "推送时间：09:00。推送：周报（每周一）、月报（每月1日）。" in card
    labels = [b.label for r in harness.last("manager").buttons for b in r]
    assert {"▫️ 日报", "✅ 周报（每周一）", "✅ 月报（每月1日）"} <= set(labels)
    row = await DigestSubscription.get(person_id=harness.people["manager"].id)
    assert (row.enabled, row.weekly, row.monthly, row.hour) == (False, True, True, 9)
    await harness.press("manager", "日报")
    replies = await harness.send("manager", callback="dg:t:off", message_id="m1")
    assert "推送：周报（每周一）、月报（每月1日）" in replies[0].text  # an older card's Off button
    replies = await harness.send("manager", callback="dg:p:year", message_id="m1")
    assert "该选项不可用" in replies[0].text
    replies = await harness.send("manager", callback="dg:t:1234", message_id="m1")
    assert "该选项不可用" in replies[0].text
    replies = await harness.send("manager", callback="dg:s:nothing", message_id="m1")
    assert "该选项不可用" in replies[0].text


async def test_at_least_one_section_stays(harness):
    service = harness.app.services.digest
    manager = harness.people["manager"]
    *others, last = SECTIONS
    for section in others:
        await service.toggle_section(manager, section)
    replies = await harness.send("manager", callback=f"dg:s:{last}", message_id="m1")
    assert "至少保留一个栏目" in replies[0].text
    assert (await service.settings(manager)).sections == (last,)


async def test_tick_sends_once_per_day_at_the_managers_time(harness):
    services = harness.app.services
    await ticket(harness.people["student"], "3-402", "plumbing", local(9))
    assert await digest_tick(services, now=at(7, 59)) == 0
    assert harness.replies_to("manager") == []
    assert await digest_tick(services, now=at(8, 0)) == 1
    picture, text = harness.replies_to("manager")
    assert picture.image is not None and "2026-11-20 日报：新增 1 单" in picture.text
    assert "2026-11-20" in text.text
    assert await digest_tick(services, now=at(8, 1)) == 0
    assert await digest_tick(services, now=at(23, 59)) == 0
    assert len(harness.replies_to("manager")) == 2
    assert await digest_tick(services, now=at(8, 0, day=22)) == 1
    assert len(harness.replies_to("manager")) == 4
    for user in ("student", "worker"):
        assert harness.replies_to(user) == []


async def test_tick_follows_each_managers_setting(harness):
    services = harness.app.services
    manager = harness.people["manager"]
    await services.digest.set_time(manager, "0900")
    assert await digest_tick(services, now=at(8, 30)) == 0
    assert await digest_tick(services, now=at(9, 0)) == 1
    await services.digest.set_time(manager, "off")
    assert await digest_tick(services, now=at(9, 0, day=22)) == 0


async def test_two_instances_claim_the_digest_once(harness):
    """Two ticks at the same moment (as two instances would) send one digest."""
    import asyncio

    services = harness.app.services
    await services.digest.settings(harness.people["manager"])
    counts = await asyncio.gather(digest_tick(services, now=at(8, 5)),
                                  digest_tick(services, now=at(8, 5)))
    assert sorted(counts) == [0, 1]
    assert len(harness.replies_to("manager")) == 2


def test_digest_payload_packs_as_the_buttons_always_did():
    from bot.services.digest import DigestTap

    assert DigestTap("t", "0800").pack() == "dg:t:0800"
    assert DigestTap("s", "workers").pack() == "dg:s:workers"
    assert DigestTap.parse(["p"]) == DigestTap("p", "")
