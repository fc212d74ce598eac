"""The dorm request job, called with a controlled clock: undecided requests expire once, and the
student is told; a restart sends nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from bot.services.dorm_requests.jobs import dorm_requests_tick
from models.dorm_requests import DormRequest
from tests.dorm_requests_support import TZ, make_dorm


@pytest.fixture
async def dorm(harness, tmp_path):
    """Two students in D1-203 and one in D2, a free bed in D1-204, both dorm admins bound."""
    return await make_dorm(harness, tmp_path)


async def test_undecided_requests_expire_once(dorm):
    h, _ = dorm
    service = h.app.services.dorm_requests
    now = datetime.now(UTC)
    evening = now.astimezone(TZ).replace(hour=20, minute=0, second=0, microsecond=0)
    late = await service.file_late_return(h.people["student"], time(23, 0), "加班", evening)
    today = service.today(now)
    away = await service.file_stay_out(h.people["student2"], today, today + timedelta(days=2),
                                       "Home", "13700000000", now=now)
    room = await service.file_room_change(h.people["student"], "吵")
    assert await dorm_requests_tick(h.app.services, late.expected_at) == 0
    next_morning = late.expected_at + timedelta(hours=2)
    assert await dorm_requests_tick(h.app.services, next_morning) == 1
    assert f"#{late.id}" in h.last("student").text and "已自动失效" in h.last("student").text
    assert (await DormRequest.get(id=late.id)).state == "cancelled"
    await h.restart()
    assert await dorm_requests_tick(h.app.services, next_morning) == 0
    after_trip = datetime.combine(today + timedelta(days=3), time(9), TZ)
    assert await dorm_requests_tick(h.app.services, after_trip) == 1
    assert "has expired" in h.last("student2").text
    states = {r.id: r.state for r in await DormRequest.all()}
    assert states == {late.id: "cancelled", away.id: "cancelled", room.id: "pending"}
    replies = await h.send("da1", callback=f"drq:a:{late.id}")
    assert "已取消" in replies[0].text
