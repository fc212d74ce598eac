"""People from and to CSV: external_id,name,phone,roles,locale,skills,zone,wecom_userid,
telegram_user_id (the last two bind the WeCom / Telegram account when present).

People without an external id (self-registered, invited) are exported as "#<person id>";
importing such a row updates that person (it never creates one).
"""

from __future__ import annotations

from pathlib import Path

from tortoise.transactions import in_transaction

from bot.core.i18n import SUPPORTED
from bot.services.csv_format import (
    CsvImportError,
    CsvRow,
    ImportResult,
    join_list,
    read_csv,
    split_list,
    write_csv,
)
from bot.services.people.service import PeopleService, normalize_phone
from models.people import ROLES, Person

PEOPLE_COLUMNS = (
    "external_id", "name", "phone", "roles", "locale", "skills", "zone", "wecom_userid",
    "telegram_user_id",
)
PEOPLE_REQUIRED = ("external_id", "name")
IDENTITY_COLUMNS = {"wecom_userid": "wecom", "telegram_user_id": "telegram"}
_MAX = {"external_id": 64, "name": 100, "zone": 64, "wecom_userid": 64, "telegram_user_id": 64}


def _check_row(row: CsvRow) -> list[str]:
    problems: list[str] = []
    for column in PEOPLE_REQUIRED:
        if not row.get(column):
            problems.append(f"{column} is empty")
    for column, limit in _MAX.items():
        if len(row.get(column)) > limit:
            problems.append(f"{column} is longer than {limit} characters")
    unknown = [role for role in split_list(row.get("roles")) if role not in ROLES]
    if unknown:
        problems.append(f"unknown role(s) {', '.join(unknown)} (known: {', '.join(ROLES)})")
    locale = row.get("locale")
    if locale and locale not in SUPPORTED:
        problems.append(f"unknown locale {locale!r} (use {' or '.join(SUPPORTED)} or leave empty)")
    phone = row.get("phone")
    if phone and normalize_phone(phone) is None:
        problems.append(f"phone {phone!r} is not a phone number")
    telegram = row.get("telegram_user_id")
    if telegram and not telegram.isdigit():
        problems.append(f"telegram_user_id {telegram!r} is not a number")
    return problems


def _local_id(external_id: str) -> int | None:
    """The person id of a "#<id>" reference, else None."""
    digits = external_id.removeprefix("#")
    return int(digits) if external_id.startswith("#") and digits.isdigit() else None


async def validate_people(rows: list[CsvRow]) -> list[str]:
    """One "line N: reason; reason" per bad row (fields, roles, locale, phone, duplicates)."""
    errors: list[str] = []
    refs = {_local_id(row.get("external_id")) for row in rows} - {None}
    existing = set(await Person.filter(id__in=refs).values_list("id", flat=True)) if refs else set()
    first_line: dict[tuple[str, str], int] = {}
    for row in rows:
        problems = _check_row(row)
        external_id = row.get("external_id")
        if external_id.startswith("#") and _local_id(external_id) not in existing:
            problems.append(f"no person {external_id} in the database (\"#<id>\" refers to "
                            "an existing person without an external_id)")
        for column in ("external_id", *IDENTITY_COLUMNS):
            value = row.get(column)
            if not value:
                continue
            if (column, value) in first_line:
                problems.append(
                    f"duplicate {column} {value!r} (first on line {first_line[column, value]})"
                )
            else:
                first_line[column, value] = row.line
        if problems:
            errors.append(f"line {row.line}: {'; '.join(problems)}")
    return errors


async def _write_row(row: CsvRow, people: PeopleService) -> bool:
    roles = split_list(row.get("roles"))
    fields = {
        "name": row.get("name"),
        "phone": normalize_phone(row.get("phone")) if row.get("phone") else None,
        "locale": row.get("locale") or None,
        "skills": split_list(row.get("skills")),
        "zone": row.get("zone") or None,
    }
    local_id = _local_id(row.get("external_id"))
    if local_id is not None:
        person = await Person.get(id=local_id)
    else:
        person = await Person.get_or_none(external_id=row.get("external_id"))
    created = person is None
    if person is None:
        person = await people.create(roles=roles, external_id=row.get("external_id"), **fields)
    else:
        fields["roles"] = sorted({"reporter", *roles})
        changed = [name for name, value in fields.items() if getattr(person, name) != value]
        if changed:
            for name in changed:
                setattr(person, name, fields[name])
            await person.save(update_fields=changed)
    for column, platform in IDENTITY_COLUMNS.items():
        user_id = row.get(column)
        if user_id:
            await people.bind(person, platform, user_id, user_id)
    return created


async def import_people(path: str | Path, people: PeopleService | None = None) -> ImportResult:
    """Import a people CSV all-or-nothing (validated first, written in one transaction)."""
    rows = read_csv(path, PEOPLE_REQUIRED, PEOPLE_COLUMNS)
    errors = await validate_people(rows)
    if errors:
        raise CsvImportError(errors)
    people = people or PeopleService()
    result = ImportResult()
    async with in_transaction():
        for row in rows:
            if await _write_row(row, people):
                result.created += 1
            else:
                result.updated += 1
    return result


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
            p.external_id or f"#{p.id}", p.name, p.phone, join_list(p.roles), p.locale,
            join_list(p.skills), p.zone, bound["wecom"], bound["telegram"],
        ))
    return write_csv(path, PEOPLE_COLUMNS, rows)
