"""Helpers for the dorm tests (no tests here): a roster CSV, a small dorm, checklist answers."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.services.dorms import CHECK_ITEMS, CheckResult
from bot.services.dorms.csv_io import import_roster
from bot.services.dorms.roster import dorm_room
from bot.services.people.service import PeopleService
from models.dorms import DormAssignment
from models.people import Person

TZ = ZoneInfo("Asia/Shanghai")
HEADER = "student_id,name,building,room,bed,window_start,window_end,key_pickup,create_room," \
    "building_admins\n"


def local(moment: datetime) -> str:
    """A moment as the roster writes it: local "YYYY-MM-DD HH:MM"."""
    return moment.astimezone(TZ).strftime("%Y-%m-%d %H:%M")


def write_roster(path: Path, lines: list[str]) -> Path:
    """A roster CSV with the header and these data lines."""
    path.write_text(HEADER + "".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


async def small_dorm(
    tmp_path: Path, students: dict[str, Person], start: datetime, end: datetime
) -> dict[str, object]:
    """Dorm D1 (rooms D1-203, D1-204, created by the import) with `students` assigned in
    order to D1-203 beds 1, 2…; dorm D2 with one other student; dorm admins for each
    building. Returns the admins, the other student and the assignments by student key."""
    people = PeopleService()
    admin1 = await people.create("孙宿管", ["dorm_admin"], external_id="da-1")
    admin2 = await people.create("周宿管", ["dorm_admin"], external_id="da-2")
    lines = []
    for index, person in enumerate(students.values(), start=1):
        person.external_id = f"2024{index:03d}"
        await person.save(update_fields=["external_id"])
        lines.append(f"{person.external_id},{person.name},D1,D1-203,{index},{local(start)},"
                     f"{local(end)},,yes,da-1")
    lines.append(f"2024999,王五,D2,D2-101,1,{local(start)},{local(end)},D2 门卫室,yes,da-2")
    await import_roster(write_roster(tmp_path / "roster.csv", lines))
    await dorm_room("D1", "D1-204", create=True)  # an empty room to move into
    other = await Person.get(external_id="2024999")
    stays = {
        key: await DormAssignment.get(person_id=person.id) for key, person in students.items()
    }
    return {"admin1": admin1, "admin2": admin2, "other": other, "stays": stays}


def answers(problem: str | None = None, photo_ids: list[int] | None = None) -> list[CheckResult]:
    """Every checklist item OK, except `problem` (with a note and photos) if given."""
    return [
        CheckResult(item, False, "坏了", f"入住检查 — {item}：坏了", photo_ids or [])
        if item == problem else CheckResult(item, True)
        for item in CHECK_ITEMS
    ]


def window_around(now: datetime) -> tuple[datetime, datetime]:
    """A check-in window open at `now`: from a day before to two days after (whole minutes)."""
    now = now.replace(second=0, microsecond=0)
    return now - timedelta(days=1), now + timedelta(days=2)
