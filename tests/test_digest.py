"""Digest numbers against hand-computed fixtures: one busy day, an empty day, the local-day
boundary, and the chart."""

from __future__ import annotations

import io
from datetime import date

import pytest
from PIL import Image

from bot.core.errors import PermissionDenied
from bot.core.i18n import Translator
from bot.services.digest import figures as digest
from bot.services.digest.views import body, chart
from bot.services.people.service import PeopleService
from models.dorms import DormAssignment
from tests.digest_support import TZ, alert, event, job_done, local, rating, repeat, sla, ticket
from tests.test_dorm_support import small_dorm
from tests.test_stock_support import seed_stores

DAY = date(2026, 11, 20)


@pytest.fixture
async def busy(harness):
    """Day 20 (local): three new tickets, two closed, an old one overdue, ratings, an alert."""
    p = harness.people
    li = await PeopleService().create("李师傅", ["worker"])
    s = p["student"]
    t1 = await ticket(s, "3-402", "plumbing", local(9), "closed")
    await sla(t1, local(9), local(9, 30), local(13), responded=local(9, 20), resolved=local(12))
    await event(t1, "done", local(12))
    await job_done(t1, p["worker"], local(12))
    await job_done(t1, li, local(12), role="helper")
    await rating(t1, p["worker"], 5, local(13))
    t2 = await ticket(s, "3-403", "plumbing", local(10), "closed")
    await sla(t2, local(10), local(10, 30), local(14), responded=local(11), resolved=local(15))
    await event(t2, "done", local(15))
    await event(t2, "closed", local(16))  # the same ticket closed twice counts once
    await job_done(t2, p["worker"], local(15))
    await rating(t2, p["worker"], 2, local(17))
    await repeat(t2, local(15))
    await ticket(s, "3-402", "electrical", local(23, 30))  # 15:30 UTC on the 20th: day 20
    t4 = await ticket(s, "LIB", "electrical", local(0, 30, day=21))  # 16:30 UTC, also the 20th
    await rating(t4, p["worker"], 1, local(9, day=21))  # another day: not counted
    t5 = await ticket(s, "3-402", "hvac", local(10, day=16), "in_progress")
    await sla(t5, local(10, day=16), local(10, 30, day=16), local(8), responded=local(11, day=16))
    await job_done(t5, p["worker"], local(12, day=19))  # the day before: not counted
    await ticket(s, "3-403", "carpentry", local(10, day=18), "assigned")
    recipients = [p["student"], p["student2"], p["worker"], p["manager"]]
    await alert(local(8), ["safe", "safe", "received", "pending"], recipients)
    await alert(local(8, day=21), ["pending"], recipients)
    harness.li = li
    return harness


async def test_busy_day_numbers(busy):
    d = await digest.build(DAY, TZ, None)
    assert (d.new, d.closed, d.overdue, d.repeat_failures) == (3, 2, 2, 1)
    assert d.response_pct == 50.0  # t1 met, t2 late
    assert d.resolution_pct == 33.3  # t1 met, t2 late, t5 due that day and unresolved
    assert d.median_response_min == 40.0  # 20 and 60 minutes
    assert d.median_resolution_min == 240.0  # 180 and 300 minutes
    assert d.backlog == {"lt1": 1, "d1_3": 1, "gt3": 1}
    assert (d.rating_avg, d.rating_count, d.low_ratings) == (3.5, 2, 1)
    assert d.top_categories == [("plumbing", 2), ("electrical", 1)]
    assert [(p.code, n) for p, n in d.top_places] == [("3-402", 2), ("3-403", 1)]
    assert [(p.name, n) for p, n in d.workers] == [("王师傅", 2), ("李师傅", 1)]
    assert (d.alerts_raised, d.alert_acked, d.alert_recipients, d.ack_pct) == (1, 3, 4, 75.0)
    assert len(d.trend) == 14 and d.trend[-1].day == DAY
    assert (d.trend[-1].new, d.trend[-1].closed, d.trend[-1].sla_pct) == (3, 2, 33.3)
    assert d.trend[-5].day == date(2026, 11, 16) and d.trend[-5].new == 1


async def test_local_day_boundary(busy):
    """23:30 and 00:30 local fall on the same UTC day but on different local days."""
    next_day = await digest.build(date(2026, 11, 21), TZ, ["tickets"])
    assert next_day.new == 1 and next_day.closed == 0
    utc_day = await digest.build(DAY, "UTC", ["tickets"])
    assert utc_day.new == 4  # in UTC all four (01:00, 02:00, 15:30, 16:30) are on the 20th
    assert utc_day.trend[-1].new == 4
    assert (await digest.build(date(2026, 11, 21), "UTC", ["tickets"])).new == 0


async def test_sections_limit_what_is_computed(busy):
    d = await digest.build(DAY, TZ, ["ratings"])
    assert d.sections == ("ratings",)
    assert d.rating_count == 2 and d.overdue == 0 and d.workers == []
    text = body(d, Translator(), "en")
    assert "Ratings: average 3.5 from 2, 1 low" in text and "Tickets:" not in text


async def test_empty_day_is_all_zeros_and_still_charted(db):
    d = await digest.build(date(2026, 1, 1), TZ, None)
    assert (d.new, d.closed, d.overdue, d.rating_count, d.low_ratings) == (0, 0, 0, 0, 0)
    assert d.response_pct is None and d.resolution_pct is None and d.rating_avg is None
    assert d.backlog == {"lt1": 0, "d1_3": 0, "gt3": 0}
    assert d.top_categories == [] and d.workers == [] and d.alerts_raised == 0
    assert all(t.new == 0 and t.closed == 0 and t.sla_pct is None for t in d.trend)
    text = body(d, Translator(), "zh_CN")
    assert "新增 0 单" in text and "平均 – 分" in text
    image = Image.open(io.BytesIO(chart(d, Translator(), "zh_CN")))
    assert image.format == "PNG" and image.size[0] >= 600 and image.size[1] >= 300


async def test_chart_is_a_valid_png_of_sensible_size(busy):
    d = await digest.build(DAY, TZ, None)
    png = chart(d, Translator(), "en")
    image = Image.open(io.BytesIO(png))
    image.verify()
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (800, 400)
    colors = image.convert("RGB").getcolors(maxcolors=800 * 400)
    assert colors is not None and len(colors) > 10  # bars and a line, not a blank


async def test_manager_digest_reuses_stock_and_dorm_sections(busy, tmp_path):
    service = busy.app.services.digest
    manager = busy.people["manager"]
    d = await service.build(manager, DAY, ("stock", "dorms"))
    assert d.stock_low == [] and d.dorm_open is False
    text = body(d, Translator(), "en")
    assert "Below minimum: 0 (none)" in text and "Dorm check-in" not in text
    await seed_stores(busy.people)  # the demo stock: six levels below their minimum
    dorm = await small_dorm(tmp_path, {"student": busy.people["student"]},
                            local(8, day=19), local(20, day=22))
    await DormAssignment.filter(id=dorm["stays"]["student"].id).update(status="checked_in")
    d = await service.build(manager, DAY, ("stock", "dorms"))
    assert len(d.stock_low) == 6
    assert (d.dorm_open, d.dorm_checked_in, d.dorm_total) == (True, 1, 2)
    text = body(d, Translator(), "en")
    assert "Below minimum: 6 (" in text and "Dorm check-in: 1 of 2 checked in" in text
    closed = await service.build(manager, date(2026, 11, 25), ("dorms",))
    assert closed.dorm_open is False  # the window ended on the 22nd


async def test_only_managers_get_a_digest(busy):
    service = busy.app.services.digest
    for key in ("student", "worker"):
        with pytest.raises(PermissionDenied):
            await service.for_manager(busy.people[key])
        with pytest.raises(PermissionDenied):
            await service.build(busy.people[key], DAY, ("tickets",))
        with pytest.raises(PermissionDenied):
            await service.set_time(busy.people[key], "0700")
        with pytest.raises(PermissionDenied):
            await service.toggle_section(busy.people[key], "stock")
    with pytest.raises(PermissionDenied):
        await service.for_manager(None)
