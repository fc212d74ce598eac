"""Assignment notices and stored reminders, driven by the job function with a controlled clock."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from bot.services.dorms.csv_io import import_roster
from bot.services.dorms.jobs import dorm_tick
from bot.services.dorms.rules import parse_reminder_offsets
from models.dorms import DormAssignment, DormReminder
from tests.test_dorm_support import TZ, answers, local, small_dorm, write_roster

START = datetime(2030, 9, 1, 8, 0, tzinfo=TZ)
END = datetime(2030, 9, 3, 18, 0, tzinfo=TZ)


def at(day: int, hour: int, minute: int = 0, month: int = 9) -> datetime:
    """A local moment in 2030."""
    return datetime(2030, month, day, hour, minute, tzinfo=TZ)


async def _world(h, tmp_path):
    students = {"student": h.people["student"], "student2": h.people["student2"]}
    made = await small_dorm(tmp_path, students, START, END)
    await h.app.services.people.bind(made["admin1"], "test", "da1", "da1")
    return made


async def _tick(h, now: datetime) -> tuple[int, int]:
    return await dorm_tick(h.app.services, now)


def texts(h, user: str, since: int = 0) -> list[str]:
    """Texts sent to `user` (after the first `since`)."""
    return [r.text for r in h.replies_to(user)[since:]]


async def test_notice_once_to_bound_students_then_reminders(harness, tmp_path):
    h = harness
    made = await _world(h, tmp_path)
    assert await _tick(h, at(20, 10, month=8)) == (2, 0)  # 王五 is not bound: no notice yet
    notice = h.last("student")
    assert "宿舍分配通知" in notice.text and "张三" in notice.text
    assert "3号楼" not in notice.text and "D1号楼203" in notice.text and "1号床" in notice.text
    assert "09-01 08:00 至 09-03 18:00" in notice.text and "宿管值班室" in notice.text
    payloads = [b.payload for row in notice.buttons for b in row]
    stay = made["stays"]["student"]
    assert payloads == [f"dm:c:{stay.id}", f"dm:d:{stay.id}"]
    english = h.last("student2").text
    assert "Your dorm assignment" in english and "Building D1, Room 203" in english
    assert await _tick(h, at(20, 11, month=8)) == (0, 0)  # announced once only

    due = sorted({r.due_at for r in await DormReminder.all()})
    assert due == [at(2, 20).astimezone(due[0].tzinfo), at(4, 9).astimezone(due[0].tzinfo)]
    assert await DormReminder.filter(kind="student").count() == 4
    assert await DormReminder.filter(kind="admins").count() == 2  # one per building and time

    before = {u: len(h.replies_to(u)) for u in ("student", "student2", "da1")}
    assert await _tick(h, at(2, 19, 59)) == (0, 0)
    await h.app.services.dorms.confirm_checkin(
        h.people["student"], stay.id, answers(), now=at(2, 12)
    )
    assert await _tick(h, at(2, 20)) == (0, 2)  # student2 and the admins' list
    assert texts(h, "student", before["student"]) == []
    assert "Reminder" in texts(h, "student2", before["student2"])[0]
    admin_list = texts(h, "da1", before["da1"])
    assert len(admin_list) == 1 and "1 名学生未确认入住" in admin_list[0]
    assert "李四" in admin_list[0] and "张三" not in admin_list[0]
    assert await _tick(h, at(2, 20, 5)) == (0, 0)  # each reminder exactly once
    assert await _tick(h, at(4, 9)) == (0, 2)
    assert len(texts(h, "student2", before["student2"])) == 2
    outcomes = {(r.kind, r.outcome) for r in await DormReminder.all()}
    assert ("student", "skipped") in outcomes and ("student", "sent") in outcomes


async def test_late_binding_gets_the_notice_and_past_reminders_are_left_out(harness, tmp_path):
    h = harness
    made = await _world(h, tmp_path)
    await _tick(h, at(3, 8))  # the evening-before reminder is already past
    other = made["other"]
    await h.app.services.people.bind(other, "test", "wang", "wang")
    assert await _tick(h, at(3, 9)) == (1, 0)
    assert "D2 门卫室" in h.last("wang").text
    stay = await DormAssignment.get(person_id=other.id)
    assert [r.due_at for r in await DormReminder.filter(assignment_id=stay.id)] == [
        at(4, 9).astimezone(stay.window_end.tzinfo)
    ]


async def test_deferred_student_is_reminded_for_the_new_date(harness, tmp_path):
    h = harness
    made = await _world(h, tmp_path)
    await _tick(h, at(20, 10, month=8))
    stay = made["stays"]["student"]
    dorms = h.app.services.dorms
    await dorms.defer(h.people["student"], stay.id, "火车晚点", at(6, 0).date(), now=at(2, 10))
    old = await DormReminder.filter(assignment_id=stay.id, outcome="skipped").count()
    assert old == 2
    new = await DormReminder.filter(assignment_id=stay.id, sent_at=None).order_by("due_at")
    assert [r.due_at for r in new] == [at(5, 20).astimezone(new[0].due_at.tzinfo),
                                       at(7, 9).astimezone(new[0].due_at.tzinfo)]
    before = len(h.replies_to("student"))
    await _tick(h, at(2, 20))
    assert texts(h, "student", before) == []
    admin_before = len(h.replies_to("da1"))
    await _tick(h, at(5, 20))
    reminder = texts(h, "student", before)
    assert len(reminder) == 1 and "约定于 09-06 入住" in reminder[0]
    assert "张三" not in "".join(texts(h, "da1", admin_before))  # not overdue yet
    await _tick(h, at(7, 9))
    assert "张三" in texts(h, "da1", admin_before)[-1] and "延期至 09-06" in texts(
        h, "da1", admin_before)[-1]


async def test_reimport_with_a_new_window_announces_again(harness, tmp_path):
    h = harness
    made = await _world(h, tmp_path)
    await _tick(h, at(20, 10, month=8))
    stay = made["stays"]["student"]
    assert (await DormAssignment.get(id=stay.id)).notified_at is not None
    week = timedelta(days=7)
    line = f"2024001,张三,D1,D1-203,1,{local(START + week)},{local(END + week)},,,"
    result = await import_roster(write_roster(tmp_path / "again.csv", [line]))
    assert (result.created, result.updated) == (0, 1)
    assert (await DormAssignment.get(id=stay.id)).notified_at is None
    assert await DormReminder.filter(assignment_id=stay.id, sent_at=None).count() == 0
    assert await _tick(h, at(21, 10, month=8)) == (1, 0)
    assert "09-08 08:00 至 09-10 18:00" in h.last("student").text


def test_reminder_times_setting():
    assert parse_reminder_offsets("-1@20:00, 1@09:00") == [(-1, time(20, 0)), (1, time(9, 0))]
    assert parse_reminder_offsets("0@12:30") == [(0, time(12, 30))]
    for bad in ("-1@25:00", "tomorrow", "1@9"):
        with pytest.raises(ValueError, match="HOUQIN_DORM_REMINDERS"):
            parse_reminder_offsets(bad)
