"""/digest week and /digest month through the dispatcher, who may switch the weekly and monthly
digests on, and their scheduled delivery: Mondays and the 1st at the manager's time, once."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, date, datetime

import pytest
from PIL import Image

from bot.core.errors import InvalidState, PermissionDenied
from bot.services.digest.jobs import digest_tick
from tests.digest_support import TZ, ticket, when


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A local time in 2026 (Asia/Shanghai), in UTC."""
    return when(month, day, hour, minute)


async def test_week_and_month_on_demand(harness):
    service = harness.app.services.digest
    week, month = service.span("week"), service.span("month")
    await ticket(harness.people["student"], "3-402", "plumbing",
                 datetime.combine(week.start, datetime.min.time(), TZ).astimezone(UTC))
    picture, text = await harness.send("manager", "/digest week")
    span = f"{week.start.isoformat()} 至 {week.last_day.isoformat()}"
    assert picture.text.startswith(f"📊 {span} 周报：新增 1 单")
    assert text.text.startswith(f"📋 后勤周报 — {span}\n")
    assert Image.open(io.BytesIO(picture.image)).size == (800, 400)
    picture, text = await harness.send("manager", "/digest 月报")
    assert f"{month.start.year}年{month.start.month}月 月报" in picture.text
    assert text.text.startswith("📋 后勤月报 — ")
    assert (await harness.send("manager", "/digest 上周"))[0].text == (
        (await harness.send("manager", "/digest week"))[0].text)


def test_spans_asked_for_relative_to_now(harness):
    service = harness.app.services.digest
    monday_early = at(11, 23, 0, 10)  # 16:10 UTC on Sunday: locally already Monday
    assert service.span("week", monday_early).start == date(2026, 11, 16)
    assert service.span("day", monday_early).start == date(2026, 11, 22)
    assert service.span("today", monday_early).start == date(2026, 11, 23)
    assert service.span("month", at(12, 1, 0, 10)).start == date(2026, 11, 1)
    assert service.span("month", at(11, 30, 23, 50)).start == date(2026, 10, 1)
    with pytest.raises(InvalidState):
        service.span("year")


async def test_only_managers_switch_periods_or_ask_for_them(harness):
    service = harness.app.services.digest
    for key in ("student", "worker"):
        with pytest.raises(PermissionDenied):
            await service.toggle_period(harness.people[key], "week")
        with pytest.raises(PermissionDenied):
            await service.for_manager(harness.people[key], which="month")
        replies = await harness.send(key, "/digest week")
        assert len(replies) == 1 and replies[0].image is None and "没有权限" in replies[0].text
        assert "没有权限" in (await harness.send(key, callback="dg:p:month"))[0].text
    with pytest.raises(InvalidState):
        await service.toggle_period(harness.people["manager"], "year")
    assert (await service.settings(harness.people["manager"])).periods == ("day",)


async def test_weekly_and_monthly_delivery(harness):
    services = harness.app.services
    manager = harness.people["manager"]
    await services.digest.set_time(manager, "0900")
    await services.digest.toggle_period(manager, "week")
    await services.digest.toggle_period(manager, "month")
    await ticket(harness.people["student"], "3-402", "plumbing", at(11, 18, 10))

    def captions() -> list[str]:
        return [r.text for r in harness.replies_to("manager") if r.image is not None]

    assert await digest_tick(services, now=at(11, 23, 8, 59)) == 0
    assert await digest_tick(services, now=at(11, 23, 9, 0)) == 2  # Monday
    assert captions() == [
        "📊 2026-11-22 日报：新增 0 单，完成 0 单，维修时效达标率 –%",
        "📊 2026-11-16 至 2026-11-22 周报：新增 1 单，完成 0 单，维修时效达标率 –%"]
    assert "📋 后勤周报 — 2026-11-16 至 2026-11-22" in harness.replies_to("manager")[3].text
    assert await digest_tick(services, now=at(11, 23, 9, 1)) == 0
    assert await digest_tick(services, now=at(11, 23, 23, 59)) == 0
    assert await digest_tick(services, now=at(11, 24, 9, 0)) == 1  # Tuesday: daily
    assert await digest_tick(services, now=at(12, 1, 9, 0)) == 2  # the 1st
    assert captions()[-1].startswith("📊 2026年11月 月报：新增 1 单")
    assert await digest_tick(services, now=at(12, 1, 12, 0)) == 0
    assert len(harness.replies_to("manager")) == 10
    await services.digest.toggle_period(manager, "day")  # daily off: weekly only
    assert await digest_tick(services, now=at(12, 6, 9, 0)) == 0  # Sunday
    assert await digest_tick(services, now=at(12, 7, 9, 0)) == 1
    assert captions()[-1].startswith("📊 2026-11-30 至 2026-12-06 周报")
    for user in ("student", "worker"):
        assert harness.replies_to(user) == []


async def test_two_instances_send_each_period_once(harness):
    services = harness.app.services
    await services.digest.toggle_period(harness.people["manager"], "week")
    counts = await asyncio.gather(digest_tick(services, now=at(11, 30, 8, 5)),
                                  digest_tick(services, now=at(11, 30, 8, 5)))
    assert sum(counts) == 2  # yesterday's and last week's, each by one of the two
    assert len(harness.replies_to("manager")) == 4


async def test_manager_without_settings_gets_no_weekly(harness):
    services = harness.app.services
    assert await digest_tick(services, now=at(11, 30, 8, 0)) == 1  # Monday, daily
    assert await digest_tick(services, now=at(12, 1, 8, 0)) == 1  # the 1st, daily
