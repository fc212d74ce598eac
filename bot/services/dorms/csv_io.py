"""The dorm roster from and to CSV:
student_id,name,building,room,bed,window_start,window_end,key_pickup,create_room,building_admins

`building` and `room` are place codes ("D1", "D1-203"); an unknown room is an error on its line
unless `create_room` is yes (then the room, and the building if needed, are created). Window
times are "YYYY-MM-DD HH:MM" in local time (a date alone: the start or end of that day).
`building_admins` lists dorm admins ("external_id" or "#<person id>", "|" separated) who then
manage that building. Exports add `status` and `confirmed_at`, which an import ignores.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from bot.services.csv_format import (
    CsvImportError,
    CsvRow,
    ImportResult,
    join_list,
    read_csv,
    split_list,
    write_csv,
)
from bot.services.dorms.roster import assign, dorm_room, person_ref
from bot.services.people import PeopleService
from models.dorms import ACTIVE_STATUSES, DormAssignment, DormBuildingAdmin
from models.people import Person
from models.places import Place, one_bump

ROSTER_REQUIRED = (
    "student_id",
    "name",
    "building",
    "room",
    "bed",
    "window_start",
    "window_end",
)
ROSTER_COLUMNS = (*ROSTER_REQUIRED, "key_pickup", "create_room", "building_admins")
EXPORT_COLUMNS = (*ROSTER_COLUMNS, "status", "confirmed_at")
YES, NO = {"yes", "y", "true", "1", "是"}, {"", "no", "n", "false", "0", "否"}
_MAX = {"student_id": 64, "name": 100, "building": 32, "room": 32, "bed": 8, "key_pickup": 200}


def parse_time(text: str, zone: ZoneInfo, end: bool = False) -> datetime | None:
    """A local "YYYY-MM-DD[ HH:MM]" as an aware datetime (a bare date: 00:00, or 23:59 for an
    end); None when unreadable."""
    text = text.strip()
    try:
        day = date.fromisoformat(text)
        return datetime.combine(day, time(23, 59) if end else time(0, 0), zone)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment


@dataclass
class RosterLine:
    """One validated row, ready to write."""

    row: CsvRow
    start: datetime
    end: datetime
    create: bool
    admins: list[Person]


def _check_cells(row: CsvRow, zone: ZoneInfo) -> tuple[list[str], datetime | None, datetime | None]:
    problems = [f"{c} is empty" for c in ROSTER_REQUIRED if not row.get(c)]
    problems += [
        f"{c} is longer than {n} characters" for c, n in _MAX.items() if len(row.get(c)) > n
    ]
    start = parse_time(row.get("window_start"), zone) if row.get("window_start") else None
    end = parse_time(row.get("window_end"), zone, end=True) if row.get("window_end") else None
    for column, value in (("window_start", start), ("window_end", end)):
        if row.get(column) and value is None:
            problems.append(f"{column} {row.get(column)!r} is not a date/time (YYYY-MM-DD HH:MM)")
    if start and end and end <= start:
        problems.append("window_end is not after window_start")
    if row.get("create_room").lower() not in YES | NO:
        problems.append(f"create_room {row.get('create_room')!r} is not yes or no")
    return problems, start, end


async def _check_places(row: CsvRow, create: bool) -> list[str]:
    code, room_code = row.get("building"), row.get("room")
    building = await Place.get_or_none(code=code)
    room = await Place.get_or_none(code=room_code)
    problems: list[str] = []
    if building is not None and building.kind != "building":
        problems.append(f"{code!r} is not a building (its kind is {building.kind})")
    if room is not None:
        if room.kind != "room":
            problems.append(f"{room_code!r} is not a room (its kind is {room.kind})")
        elif building is None or room.parent_id != building.id:
            problems.append(f"room {room_code!r} is not in building {code!r}")
    elif not create:
        problems.append(
            f"unknown room {room_code!r} (add it with `import places` first, "
            "or set create_room to yes)"
        )
    return problems


async def _check_occupancy(row: CsvRow, students: set[str]) -> list[str]:
    """Conflicts with the database: the bed taken by someone not in the file, or the student
    already checked in elsewhere."""
    room = await Place.get_or_none(code=row.get("room"))
    problems: list[str] = []
    student = await Person.get_or_none(external_id=row.get("student_id"))
    if room is not None:
        taken = (
            await DormAssignment.filter(
                bed__room_id=room.id, bed__label=row.get("bed"), status__in=ACTIVE_STATUSES
            )
            .prefetch_related("person")
            .first()
        )
        if taken and taken.person.external_id not in students:
            problems.append(
                f"bed {row.get('room')}/{row.get('bed')} is taken by "
                f"{taken.person.name} ({taken.person.external_id or '-'})"
            )
    if student is not None:
        stay = (
            await DormAssignment.filter(person_id=student.id, status="checked_in")
            .prefetch_related("bed__room")
            .first()
        )
        if stay and (stay.bed.room.code, stay.bed.label) != (row.get("room"), row.get("bed")):
            problems.append(
                f"student {row.get('student_id')} is checked in at "
                f"{stay.bed.room.code}/{stay.bed.label} (use a room change instead)"
            )
    return problems


async def _resolve_admins(row: CsvRow) -> tuple[list[Person], list[str]]:
    admins, problems = [], []
    for ref in split_list(row.get("building_admins")):
        person = await person_ref(ref)
        if person is None or not person.has_role("dorm_admin"):
            problems.append(f"building_admins: {ref!r} is not a dorm admin")
        else:
            admins.append(person)
    return admins, problems


async def validate_roster(rows: list[CsvRow], zone: ZoneInfo) -> tuple[list[RosterLine], list[str]]:
    """The rows ready to write, and one "line N: reason; reason" per bad row."""
    students = {row.get("student_id") for row in rows}
    seen: dict[tuple[str, ...], int] = {}
    lines, errors = [], []
    for row in rows:
        problems, start, end = _check_cells(row, zone)
        create = row.get("create_room").lower() in YES
        for key, label in (
            (("s", row.get("student_id")), f"student_id {row.get('student_id')!r}"),
            (("b", row.get("room"), row.get("bed")), f"bed {row.get('room')}/{row.get('bed')}"),
        ):
            if key in seen:
                problems.append(f"duplicate {label} (first on line {seen[key]})")
            else:
                seen[key] = row.line
        if row.get("building") and row.get("room"):
            problems += await _check_places(row, create)
            problems += await _check_occupancy(row, students)
        admins, admin_problems = await _resolve_admins(row)
        problems += admin_problems
        if problems:
            errors.append(f"line {row.line}: {'; '.join(problems)}")
        elif start and end:
            lines.append(RosterLine(row, start, end, create, admins))
    return lines, errors


async def import_roster(
    path: str | Path, timezone: str = "Asia/Shanghai", people: PeopleService | None = None
) -> ImportResult:
    """Import a dorm roster CSV all-or-nothing (validated first, written in one transaction)."""
    zone = ZoneInfo(timezone)
    rows = read_csv(path, ROSTER_REQUIRED, EXPORT_COLUMNS)
    lines, errors = await validate_roster(rows, zone)
    if errors:
        raise CsvImportError(errors)
    people = people or PeopleService()
    result = ImportResult()
    # rooms created on the way are logged once, after the commit, like a places import
    async with one_bump(), in_transaction():
        for line in lines:
            row = line.row
            room = await dorm_room(row.get("building"), row.get("room"), create=line.create)
            created = await assign(
                people,
                row.get("student_id"),
                row.get("name"),
                room,
                row.get("bed"),
                line.start,
                line.end,
                row.get("key_pickup") or None,
            )
            for admin in line.admins:
                await DormBuildingAdmin.get_or_create(building_id=room.parent_id, person=admin)
            result.created += created
            result.updated += not created
    return result


async def export_roster(path: str | Path, timezone: str = "Asia/Shanghai") -> int:
    """Write every active assignment (by building, room, bed) to a CSV file; the row count."""
    zone = ZoneInfo(timezone)
    stays = await DormAssignment.filter(status__in=ACTIVE_STATUSES).prefetch_related(
        "person", "bed__room__parent"
    )
    stays.sort(key=lambda a: (a.bed.room.parent.code, a.bed.room.code, a.bed.label))
    admins: dict[int, str] = {}
    for link in await DormBuildingAdmin.all().order_by("id").prefetch_related("person"):
        ref = link.person.external_id or f"#{link.person.id}"
        admins[link.building_id] = join_list([*split_list(admins.get(link.building_id, "")), ref])

    def fmt(moment: datetime | None) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""

    return write_csv(
        path,
        EXPORT_COLUMNS,
        (
            (
                a.person.external_id or "",
                a.person.name,
                a.bed.room.parent.code,
                a.bed.room.code,
                a.bed.label,
                fmt(a.window_start),
                fmt(a.window_end),
                a.key_pickup,
                "",
                admins.get(a.bed.room.parent.id, ""),
                a.status,
                fmt(a.confirmed_at),
            )
            for a in stays
        ),
    )
