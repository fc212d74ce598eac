"""Helpers for the dorm request tests (no tests here): a dorm with spare beds, bound admins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.services.dorms.jobs import dorm_tick
from bot.services.dorms.roster import dorm_room
from models.dorms import DormBed
from tests.test_dorm_support import small_dorm, window_around

TZ = ZoneInfo("Asia/Shanghai")


async def spare_beds(room_code: str = "D1-204", labels: tuple[str, ...] = ("1",)) -> list[DormBed]:
    """Free beds in an existing dorm room of D1."""
    room = await dorm_room("D1", room_code, create=True)
    return [(await DormBed.get_or_create(room=room, label=label))[0] for label in labels]


def later_today(hours: int = 2) -> str:
    """A local HH:MM `hours` from now (always acceptable as a late-return time)."""
    return (datetime.now(UTC) + timedelta(hours=hours)).astimezone(TZ).strftime("%H:%M")


async def make_dorm(harness, tmp_path):
    """张三 (zh) and 李四 (en) in D1-203, 王五 in D2-101; one free bed in D1-204; dorm admins
    孙宿管 (D1, chat da1) and 周宿管 (D2, chat da2) bound; notices sent."""
    h = harness
    start, end = window_around(datetime.now(UTC))
    made = await small_dorm(
        tmp_path, {"student": h.people["student"], "student2": h.people["student2"]}, start, end
    )
    await h.app.services.people.bind(made["admin1"], "test", "da1", "da1")
    await h.app.services.people.bind(made["admin2"], "test", "da2", "da2")
    await spare_beds()
    await dorm_tick(h.app.services)
    return h, made
