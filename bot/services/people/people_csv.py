"""The people roster from and to CSV (`python -m bot import people`, `export people`).

Columns (any order; only member_id/student_id/staff_id/external_id and name are required):
member_id (or student_id / staff_id; external_id is the old name), name, department, building,
room, phone, roles, skills, zone, active, locale, wecom_userid, telegram_user_id. Chinese
headers (学号, 工号, 姓名, 院系, 部门, …) are accepted too.

A roster of 50 000 rows is read row by row (UTF-8 with or without BOM, or GBK; comma, semicolon
or tab), checked completely (every bad row reported with its line), then written in one
transaction with bulk queries: all of it or nothing. Re-importing updates people by id; columns
the file does not have are left alone. People without a roster id (self-registered, invited)
are exported as "#<person id>"; importing such a row updates that person (it never creates one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from tortoise.transactions import in_transaction

from bot.core.i18n import SUPPORTED
from bot.services.csv_format import (
    CsvImportError,
    CsvRow,
    CsvStream,
    ImportResult,
    join_list,
    split_list,
    write_csv,
)
from bot.services.people.service import PeopleService, normalize_phone
from models.dispatch import LIVE_JOB_STATUSES, Job
from models.people import ROLES, Identity, Person, write_tags
from models.repairs import OPEN_STATUSES

ID_COLUMNS = ("member_id", "student_id", "staff_id", "external_id")
PEOPLE_COLUMNS = (
    "member_id", "name", "department", "building", "room", "phone", "roles", "skills", "zone",
    "active", "locale", "wecom_userid", "telegram_user_id",
)
KNOWN_COLUMNS = (*PEOPLE_COLUMNS, *ID_COLUMNS[1:])
HEADER_ALIASES = {
    "学号": "student_id", "工号": "staff_id", "编号": "member_id", "姓名": "name",
    "院系": "department", "部门": "department", "学院": "department", "楼栋": "building",
    "宿舍楼": "building", "房间": "room", "宿舍": "room", "手机": "phone", "手机号": "phone",
    "电话": "phone", "角色": "roles", "技能": "skills", "片区": "zone", "在册": "active",
    "语言": "locale", "企业微信": "wecom_userid",
}
IDENTITY_COLUMNS = {"wecom_userid": "wecom", "telegram_user_id": "telegram"}
# the model's column widths
_MAX = {"member_id": 64, "name": 100, "department": 100, "building": 64, "room": 32,
        "zone": 64, "wecom_userid": 64, "telegram_user_id": 64}
TRUE_WORDS = frozenset({"", "1", "y", "yes", "true", "active", "是", "在册", "在校", "在职"})
FALSE_WORDS = frozenset({"0", "n", "no", "false", "inactive", "left", "否", "离校", "离职"})
MAX_BYTES = 100 * 1024 * 1024  # ~1.5 million rows: larger files are refused, not half-read
MAX_ROWS = 300_000
BATCH = 500  # rows a bulk INSERT/UPDATE carries (SQLite's host parameter limit allows it)
WHITESPACE = str.maketrans("", "", " \t\u3000\u00a0")
# the fields a roster row sets, with the column that carries each
FIELD_COLUMNS = {"name": "name", "department": "department", "building": "building",
                 "room": "room", "phone": "phone", "roles": "roles", "skills": "skills",
                 "zone": "zone", "locale": "locale", "active": "active"}

Progress = Callable[[str, float], None]  # (phase, share done 0..1)


@dataclass
class Departure:
    """Someone `--deactivate-missing` marked as gone, and the open tickets they were working."""

    person_id: int
    name: str
    member_id: str
    tickets: list[str] = field(default_factory=list)


@dataclass
class RosterResult(ImportResult):
    """What a roster import did, for the summary line and the managers' report."""

    unchanged: int = 0
    deactivated: list[Departure] = field(default_factory=list)
    encoding: str = "utf-8"
    members: list[str] = field(default_factory=list)  # the file's ids, in file order

    def __str__(self) -> str:
        text = (f"imported {self.total} (created {self.created}, updated {self.updated}, "
                f"unchanged {self.unchanged})")
        if self.deactivated:
            busy = sum(1 for d in self.deactivated if d.tickets)
            text += f", deactivated {len(self.deactivated)} ({busy} with open work)"
        return text


@dataclass
class _Row:
    """A checked roster row: the fields it sets (only the file's columns) and its bindings."""

    line: int
    member_id: str
    values: dict[str, object]
    identities: dict[str, str]


def _member_id(row: CsvRow, present: list[str]) -> tuple[str, list[str]]:
    """The row's roster id (whitespace removed: "2023 0001" is 20230001) and its problems."""
    ids = {row.get(c).translate(WHITESPACE) for c in present} - {""}
    if not ids:
        return "", [f"{'/'.join(present)} is empty"]
    if len(ids) > 1:
        return "", [f"{' and '.join(present)} differ ({', '.join(sorted(ids))})"]
    return ids.pop(), []


def _parse_active(text: str) -> bool | None:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    return False if word in FALSE_WORDS else None


def _check(row: CsvRow, columns: set[str], present_ids: list[str]) -> tuple[_Row | None, list[str]]:
    """The row's fields, or its problems (every one, not just the first)."""
    member_id, problems = _member_id(row, present_ids)
    name = " ".join(row.get("name").split())
    if not name:
        problems.append("name is empty")
    cells = {"member_id": member_id, **{c: row.get(c) for c in _MAX if c != "member_id"},
             "name": name}
    for column, limit in _MAX.items():
        if len(cells[column]) > limit:
            problems.append(f"{column} is longer than {limit} characters ({len(cells[column])})")
    roles = split_list(row.get("roles"))
    unknown = [role for role in roles if role not in ROLES]
    if unknown:
        problems.append(f"unknown role(s) {', '.join(unknown)} (known: {', '.join(ROLES)})")
    locale = row.get("locale")
    if locale and locale not in SUPPORTED:
        problems.append(f"unknown locale {locale!r} (use {' or '.join(SUPPORTED)} or leave empty)")
    phone = row.get("phone")
    number = normalize_phone(phone) if phone else None
    if phone and number is None:
        problems.append(f"phone {phone!r} is not a phone number")
    active = _parse_active(row.get("active"))
    if active is None:
        problems.append(f"active {row.get('active')!r} is not yes/no (1/0, 是/否)")
    telegram = row.get("telegram_user_id")
    if telegram and not telegram.isdigit():
        problems.append(f"telegram_user_id {telegram!r} is not a number")
    if problems:
        return None, problems
    values: dict[str, object] = {
        "name": name, "department": cells["department"] or None,
        "building": cells["building"] or None, "room": cells["room"] or None,
        "phone": number, "roles": sorted({"reporter", *roles}),
        "skills": split_list(row.get("skills")), "zone": cells["zone"] or None,
        "locale": locale or None, "active": active,
    }
    values = {name: value for name, value in values.items() if FIELD_COLUMNS[name] in columns}
    identities = {platform: row.get(column) for column, platform in IDENTITY_COLUMNS.items()
                  if row.get(column)}
    return _Row(row.line, member_id, values, identities), []


def _local_id(member_id: str) -> int | None:
    """The person id of a "#<id>" reference, else None."""
    digits = member_id.removeprefix("#")
    return int(digits) if member_id.startswith("#") and digits.isdigit() else None


def _chunks(items: list, size: int = BATCH) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


async def read_roster(path: str | Path, progress: Progress | None = None
                      ) -> tuple[list[_Row], str]:
    """Every row of a roster file, checked; CsvImportError lists each bad row by line."""
    path = Path(path)
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise CsvImportError([f"line 1: the file is {size / 2**20:.0f} MB; a roster import "
                              f"takes at most {MAX_BYTES // 2**20} MB (split the file)"])
    stream = CsvStream(path, ("name",), KNOWN_COLUMNS, HEADER_ALIASES)
    rows: list[_Row] = []
    errors: list[str] = []
    first_line: dict[tuple[str, str], int] = {}
    present_ids: list[str] = []
    columns: set[str] = set()
    for count, row in enumerate(stream.rows(), start=1):
        if not present_ids:
            columns = set(stream.columns)
            present_ids = [c for c in ID_COLUMNS if c in columns]
            if not present_ids:
                raise CsvImportError([f"line 1: missing column: member_id (or student_id, "
                                      f"staff_id, external_id); found {', '.join(stream.columns)}"])
        if count > MAX_ROWS:
            raise CsvImportError([f"line {row.line}: more than {MAX_ROWS} rows (split the file)"])
        checked, problems = _check(row, columns, present_ids)
        member_id = checked.member_id if checked else _member_id(row, present_ids)[0]
        keys = [("/".join(present_ids), member_id)] if member_id else []
        keys += [(c, row.get(c)) for c in IDENTITY_COLUMNS if row.get(c)]
        for key in keys:
            if key in first_line:
                problems.append(f"duplicate {key[0]} {key[1]!r} (first on line {first_line[key]})")
            else:
                first_line[key] = row.line
        if problems:
            errors.append(f"line {row.line}: {'; '.join(problems)}")
        elif checked is not None:
            rows.append(checked)
        if progress is not None and count % 1000 == 0:
            progress("read", stream.progress)
    errors = stream.errors + errors
    refs = {ref: row.line for row in rows if (ref := _local_id(row.member_id)) is not None}
    found: set[int] = set()
    for chunk in _chunks(list(refs)):
        found.update(await Person.filter(id__in=chunk).values_list("id", flat=True))
    errors += [f"line {line}: no person #{ref} in the database (\"#<id>\" refers to an existing "
               "person without a roster id)" for ref, line in refs.items() if ref not in found]
    if errors:
        raise CsvImportError(sorted(errors, key=_line_of))
    if progress is not None:
        progress("read", 1.0)
    return rows, stream.encoding


def _line_of(error: str) -> int:
    head = error.split(":", 1)[0].removeprefix("line ")
    return int(head) if head.isdigit() else 0


def _apply(person: Person, values: dict[str, object], now: datetime) -> bool:
    """Set the row's values on `person`; True when something changed."""
    changed = False
    for name, value in values.items():
        if getattr(person, name) != value:
            setattr(person, name, value)
            changed = True
    if "active" in values:
        wanted = None if person.active else (person.deactivated_at or now)
        if person.deactivated_at != wanted:
            person.deactivated_at = wanted
            changed = True
    return changed


UPDATED_FIELDS = [*FIELD_COLUMNS, "deactivated_at"]


async def _bind_all(rows: list[_Row], ids: dict[str, int]) -> None:
    """Create the rows' WeCom/Telegram identities in bulk; move the few bound elsewhere."""
    wanted = {(platform, user_id): ids[row.member_id]
              for row in rows for platform, user_id in row.identities.items()}
    if not wanted:
        return
    existing = {(i.platform, i.user_id): i for i in await Identity.filter(
        platform__in=list(IDENTITY_COLUMNS.values())
    )}
    fresh = [Identity(person_id=pid, platform=platform, user_id=user_id, chat_id=user_id)
             for (platform, user_id), pid in wanted.items() if (platform, user_id) not in existing]
    await Identity.bulk_create(fresh, batch_size=BATCH)
    for key, pid in wanted.items():
        ident = existing.get(key)
        if ident is not None and ident.person_id != pid:  # type: ignore[attr-defined]
            await Identity.filter(id=ident.id).update(person_id=pid)


async def import_people(path: str | Path, people: PeopleService | None = None, *,
                        deactivate_missing: bool = False,
                        progress: Progress | None = None) -> RosterResult:
    """Import a roster all-or-nothing: read and check every row, then write in one
    transaction with bulk queries; `deactivate_missing` marks roster people not in the file
    as gone (their chats get no more pushes) and lists their open tickets. (`people` is
    accepted for older callers; rows are written with bulk queries, not through it.)"""
    rows, encoding = await read_roster(path, progress)
    result = RosterResult(encoding=encoding, members=[row.member_id for row in rows])
    now = datetime.now(UTC)
    async with in_transaction():
        by_member = {p.external_id: p for p in await Person.filter(external_id__isnull=False)}
        refs = [ref for row in rows if (ref := _local_id(row.member_id)) is not None]
        by_id = {p.id: p for chunk in _chunks(refs) for p in await Person.filter(id__in=chunk)}
        changed: list[Person] = []
        fresh: list[Person] = []
        for index, row in enumerate(rows, start=1):
            ref = _local_id(row.member_id)
            person = by_id[ref] if ref is not None else by_member.get(row.member_id)
            if person is None:
                values = {"roles": ["reporter"], "skills": [], **row.values}
                if values.get("active") is False:
                    values["deactivated_at"] = now
                fresh.append(Person(external_id=row.member_id, created_at=now, **values))
            elif _apply(person, row.values, now):
                changed.append(person)
            else:
                result.unchanged += 1
            if progress is not None and index % 5000 == 0:
                progress("write", index / len(rows) / 2)
        for number, chunk in enumerate(_chunks(fresh, 2000), start=1):
            await Person.bulk_create(chunk, batch_size=BATCH)
            if progress is not None:
                progress("write", 0.5 + 0.4 * min(1.0, number * 2000 / max(1, len(fresh))))
        if changed:
            await Person.bulk_update(changed, UPDATED_FIELDS, batch_size=BATCH)
        await _write_tags(fresh, changed)
        result.created, result.updated = len(fresh), len(changed)
        if any(row.identities for row in rows):
            ids = dict(await Person.filter(external_id__isnull=False)
                       .values_list("external_id", "id"))
            ids.update({row.member_id: ref for row in rows
                        if (ref := _local_id(row.member_id)) is not None})
            await _bind_all(rows, ids)
        if deactivate_missing:
            listed = {row.member_id for row in rows}
            gone = [p for member_id, p in by_member.items()
                    if member_id not in listed and p.active]
            result.deactivated = await _deactivate(gone, now)
    if progress is not None:
        progress("write", 1.0)
    return result


async def _write_tags(fresh: list[Person], changed: list[Person]) -> None:
    """The person_tag rows of the people just created (bulk_create leaves their ids unset:
    read back by roster id) and of those changed."""
    for chunk in _chunks(fresh):
        ids = dict(await Person.filter(external_id__in=[p.external_id for p in chunk])
                   .values_list("external_id", "id"))
        for person in chunk:
            person.id = ids[person.external_id]
    await write_tags([*fresh, *changed])


async def _deactivate(gone: list[Person], now: datetime) -> list[Departure]:
    """Mark people as gone and collect the open tickets they hold a live job on."""
    departures = {p.id: Departure(p.id, p.name, p.external_id or "") for p in gone}
    for chunk in _chunks(list(departures)):
        await Person.filter(id__in=chunk).update(active=False, deactivated_at=now)
        jobs = await Job.filter(worker_id__in=chunk, status__in=LIVE_JOB_STATUSES,
                                ticket__status__in=OPEN_STATUSES).values_list(
            "worker_id", "ticket__number")
        for worker_id, number in jobs:
            if number not in departures[worker_id].tickets:
                departures[worker_id].tickets.append(number)
    return sorted(departures.values(), key=lambda d: d.member_id)


async def export_people(path: str | Path) -> int:
    """Write every person (in creation order) to a CSV file; the row count."""
    persons = await Person.all().order_by("id").prefetch_related("identities")
    rows = []
    for p in persons:
        bound = {platform: "" for platform in IDENTITY_COLUMNS.values()}
        for ident in sorted(p.identities, key=lambda i: i.id):
            if ident.platform in bound and not bound[ident.platform]:
                bound[ident.platform] = ident.user_id
        rows.append((
            p.external_id or f"#{p.id}", p.name, p.department, p.building, p.room, p.phone,
            join_list(p.roles), join_list(p.skills), p.zone, "yes" if p.active else "no",
            p.locale, bound["wecom"], bound["telegram"],
        ))
    return write_csv(path, PEOPLE_COLUMNS, rows)
