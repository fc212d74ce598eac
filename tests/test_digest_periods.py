"""Weekly and monthly digest numbers against hand-computed fixtures: a Monday-to-Sunday week
with its edges at local midnight, a month boundary, a zone west of UTC across the end of
daylight saving time, empty spans, and the weekly and monthly charts and headings."""

from __future__ import annotations

import io
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from bot.core.i18n import Translator
from bot.services.digest import figures as digest
from bot.services.digest.period import Period
from bot.services.digest.views import body, caption, chart
from bot.services.people.service import PeopleService
from tests.digest_support import TZ, event, job_done, rating, sla, ticket, when

WEEK = Period.containing("week", date(2026, 11, 18))  # Monday 16 … Sunday 22 November
NEW_YORK = ZoneInfo("America/New_York")


def test_periods_are_local_calendar_spans():
    assert Period("week", date(2026, 11, 16), date(2026, 11, 23)) == WEEK
    assert Period.last_full("week", date(2026, 11, 23)) == WEEK  # on Monday: the week before
    assert Period.last_full("week", date(2026, 11, 22)).start == date(2026, 11, 9)  # Sunday
    assert Period.last_full("month", date(2026, 1, 1)) == Period(
        "month", date(2025, 12, 1), date(2026, 1, 1))
    assert Period.last_full("month", date(2026, 3, 31)).end == date(2026, 3, 1)
    assert Period.last_full("day", date(2026, 3, 1)).start == date(2026, 2, 28)
    weeks = WEEK.trend()
    assert len(weeks) == 8 and weeks[0].start == date(2026, 9, 28) and weeks[-1] == WEEK
    assert all(w.start.weekday() == 0 and w.end - w.start == timedelta(days=7) for w in weeks)
    months = Period.containing("month", date(2026, 2, 10)).trend()
    assert [m.start for m in months] == [date(2025, 9, 1), date(2025, 10, 1), date(2025, 11, 1),
                                         date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]
    assert months[-1].end == date(2026, 3, 1) and months[-1].last_day == date(2026, 2, 28)
    assert len(Period.containing("day", date(2026, 2, 10)).trend()) == 14
    start, end = WEEK.bounds(TZ)  # Shanghai is UTC+8 all year
    assert (start.isoformat(), end.isoformat()) == (
        "2026-11-15T16:00:00+00:00", "2026-11-22T16:00:00+00:00")
    # New York leaves daylight saving time on Sunday 1 November 2026: that week has 169 hours
    start, end = Period.containing("week", date(2026, 11, 1)).bounds(NEW_YORK)
    assert (start.isoformat(), end - start) == ("2026-10-26T04:00:00+00:00", timedelta(hours=169))
    start, end = Period.containing("day", date(2026, 11, 1)).bounds("America/New_York")
    assert end - start == timedelta(hours=25)


@pytest.fixture
async def week(harness):
    """Tickets around the week of 16–22 November 2026 (Asia/Shanghai), computed by hand."""
    p = harness.people
    s, wang = p["student"], p["worker"]
    li = await PeopleService().create("李师傅", ["worker"])
    a = await ticket(s, "3-402", "plumbing", when(11, 16, 9), "closed")
    await sla(a, when(11, 16, 9), when(11, 16, 9, 30), when(11, 16, 13),
              responded=when(11, 16, 9, 10), resolved=when(11, 16, 12))  # 10 and 180 min, met
    await event(a, "done", when(11, 16, 12))
    await job_done(a, wang, when(11, 16, 12))
    await rating(a, wang, 5, when(11, 16, 13))
    b = await ticket(s, "3-403", "plumbing", when(11, 18, 10), "closed")
    await sla(b, when(11, 18, 10), when(11, 18, 10, 30), when(11, 18, 14),
              responded=when(11, 18, 10, 20), resolved=when(11, 19, 10))  # 20 min; 1440 late
    await event(b, "done", when(11, 19, 10))
    await event(b, "closed", when(11, 20, 9))  # closed twice in the week: counted once
    await job_done(b, wang, when(11, 19, 10))
    await job_done(b, li, when(11, 19, 10), role="helper")
    await rating(b, wang, 2, when(11, 20, 9))
    c = await ticket(s, "3-402", "electrical", when(11, 22, 23, 30))  # Sunday 23:30: this week
    await sla(c, when(11, 22, 23, 30), when(11, 23, 0), when(11, 23, 4),
              responded=when(11, 23, 0, 30))  # response due at the week's very end: next week
    await ticket(s, "LIB", "electrical", when(11, 23, 0, 30))  # Monday 00:30: next week
    await ticket(s, "3-402", "hvac", when(11, 16, 7))  # Monday 07:00 = Sunday 23:00 UTC
    await ticket(s, "3-403", "network", when(11, 16, 6))  # Monday 06:00 = Sunday 22:00 UTC
    old = await ticket(s, "3-402", "carpentry", when(11, 10, 10), "in_progress")
    await sla(old, when(11, 10, 10), when(11, 10, 10, 30), when(11, 18, 8),
              responded=when(11, 10, 11))  # resolution due in the week and missed
    await ticket(s, "3-403", "hvac", when(11, 15, 23, 30))  # Sunday before: the week before
    await rating(a, wang, 1, when(11, 23, 9))  # next week: not counted
    return harness


async def test_week_numbers(week):
    d = await digest.build(WEEK, TZ, None)
    assert (d.day, d.period.kind) == (date(2026, 11, 16), "week")
    assert (d.new, d.closed, d.overdue) == (5, 2, 2)
    assert d.response_pct == 100.0  # a and b answered in time; c's deadline is next week's
    assert d.resolution_pct == 33.3  # a met; b late; the old ticket due on the 18th missed
    assert (d.median_response_min, d.median_resolution_min) == (15.0, 810.0)
    assert (d.rating_avg, d.rating_count, d.low_ratings) == (3.5, 2, 1)
    assert d.top_categories == [("plumbing", 2), ("electrical", 1), ("hvac", 1)]
    assert [(p.code, n) for p, n in d.top_places] == [("3-402", 3), ("3-403", 2)]
    assert [(p.name, n) for p, n in d.workers] == [("王师傅", 2), ("李师傅", 1)]
    assert [t.day for t in d.trend][-2:] == [date(2026, 11, 9), date(2026, 11, 16)]
    assert [(t.new, t.closed, t.sla_pct) for t in d.trend[-2:]] == [(2, 0, None), (5, 2, 33.3)]
    assert all((t.new, t.closed, t.sla_pct) == (0, 0, None) for t in d.trend[:-2])


async def test_week_edges_follow_the_local_zone(week):
    after = await digest.build(WEEK.shifted(1), TZ, ["tickets", "sla"])
    assert (after.new, after.closed, after.response_pct) == (1, 0, 0.0)  # c answered late
    assert after.median_response_min == 60.0
    in_utc = await digest.build(WEEK, "UTC", ["tickets"])
    assert in_utc.new == 4  # UTC: both early-Monday tickets fall on Sunday 15th, 00:30 on 22nd
    before = await digest.build(WEEK.shifted(-1), TZ, ["tickets"])
    assert before.new == 2 and before.closed == 0


async def test_empty_week_and_month(db):
    for span in (WEEK, Period.containing("month", date(2026, 2, 1))):
        d = await digest.build(span, TZ, None)
        assert (d.new, d.closed, d.overdue, d.rating_count) == (0, 0, 0, 0)
        assert d.response_pct is None and d.median_resolution_min is None
        assert d.top_categories == [] and d.workers == [] and d.alerts_raised == 0
        assert all((t.new, t.closed, t.sla_pct) == (0, 0, None) for t in d.trend)
        image = Image.open(io.BytesIO(chart(d, Translator(), "zh_CN")))
        assert image.format == "PNG" and image.size == (800, 400)


@pytest.fixture
async def month_edge(harness):
    """Tickets either side of local midnight at the turn of October and November 2026."""
    s = harness.people["student"]
    end_of_oct = await ticket(s, "3-402", "plumbing", when(10, 31, 23, 30), "closed")
    await event(end_of_oct, "done", when(11, 1, 0, 5))  # closed in November
    await ticket(s, "3-402", "electrical", when(11, 1, 0, 30))  # 16:30 UTC on 31 October
    await ticket(s, "3-403", "hvac", when(10, 1, 0, 10))  # 16:10 UTC on 30 September
    late = await ticket(s, "3-403", "hvac", when(9, 15, 10), "in_progress")
    await sla(late, when(9, 15, 10), when(9, 15, 10, 30), when(10, 31, 23, 59),
              responded=when(9, 15, 10, 5))  # resolution due on October's last minute
    return harness


async def test_month_boundary(month_edge):
    october = Period("month", date(2026, 10, 1), date(2026, 11, 1))
    d = await digest.build(october, TZ, ["tickets", "sla", "top"])
    assert (d.new, d.closed, d.overdue, d.resolution_pct) == (2, 0, 1, 0.0)
    assert d.top_categories == [("hvac", 1), ("plumbing", 1)]
    assert [t.day for t in d.trend] == [date(2026, m, 1) for m in range(5, 11)]
    assert [(t.new, t.closed) for t in d.trend] == [(0, 0)] * 3 + [(0, 0), (1, 0), (2, 0)]
    november = await digest.build(october.shifted(1), TZ, ["tickets"])
    assert (november.new, november.closed, november.overdue) == (1, 1, 0)
    utc = await digest.build(october, "UTC", ["tickets", "top"])
    assert (utc.new, utc.closed) == (2, 1)  # 23:30 and 00:30 local are both 31 October UTC
    assert utc.top_categories == [("electrical", 1), ("plumbing", 1)]
    assert utc.trend[-2].new == 2  # September in UTC: the 1 October 00:10 one and the old one


async def test_new_york_week_across_the_clock_change(harness):
    s = harness.people["student"]
    await ticket(s, "3-402", "plumbing", when(10, 26, 0, 30, NEW_YORK))  # 04:30 UTC, EDT
    await ticket(s, "3-402", "plumbing", when(11, 1, 23, 30, NEW_YORK))  # 04:30 UTC on the 2nd
    await ticket(s, "3-403", "hvac", when(11, 2, 0, 30, NEW_YORK))  # next week there
    span = Period.containing("week", date(2026, 10, 28))
    assert (await digest.build(span, NEW_YORK, ["tickets"])).new == 2
    assert (await digest.build(span, "UTC", ["tickets"])).new == 1
    sunday = await digest.build(date(2026, 11, 1), NEW_YORK, ["tickets"])
    assert sunday.new == 1 and sunday.trend[-1].new == 1
    assert (await digest.build(span.shifted(1), NEW_YORK, ["tickets"])).new == 1


async def test_weekly_and_monthly_headings_and_charts(week):
    t = Translator()
    d = await digest.build(WEEK, TZ, None)
    assert caption(d, t, "en", today=False).startswith(
        "📊 Weekly digest 2026-11-16 – 2026-11-22: 5 new, 2 closed, resolution SLA 33.3%")
    assert body(d, t, "zh_CN").startswith("📋 后勤周报 — 2026-11-16 至 2026-11-22\n")
    m = await digest.build(Period.containing("month", date(2026, 11, 5)), TZ, ["tickets"])
    assert body(m, t, "en").startswith("📋 Logistics monthly digest — 2026-11\n🛠 Tickets: 8 new")
    assert caption(m, t, "zh_CN", today=False).startswith("📊 2026年11月 月报：新增 8 单")
    for report in (d, m):
        png = chart(report, t, "en")
        Image.open(io.BytesIO(png)).verify()
        image = Image.open(io.BytesIO(png))
        assert image.format == "PNG" and image.size == (800, 400)
        colors = image.convert("RGB").getcolors(maxcolors=800 * 400)
        assert colors is not None and len(colors) > 10


async def test_long_worker_list_is_cut_to_the_busiest_ten(db):
    from models.people import Person

    d = digest.Digest(WEEK, ("workers",))
    d.workers = [(Person(name=f"师傅{i}"), 30 - i) for i in range(12)]
    text = body(d, Translator(), "en")
    assert "师傅9 21 and 2 more" in text and "师傅10" not in text
    assert body(d, Translator(), "zh_CN").endswith("师傅9 21 等，另有 2 人")
