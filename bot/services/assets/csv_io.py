"""Assets from and to CSV: code,name_zh,name_en,category,place,responsible,purchase_date,
warranty_end,status. Imports are all-or-nothing, each bad row reported with its line number;
every change an import makes (created, moved, status) is written to the asset's history."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tortoise.transactions import in_transaction

from bot.services.assets.service import record
from bot.services.csv_format import CsvImportError, CsvRow, ImportResult, read_csv, write_csv
from models.assets import ASSET_STATUSES, Asset
from models.people import Person
from models.places import Place
from models.repairs import OPEN_STATUSES, Ticket

ASSET_COLUMNS = ("code", "name_zh", "name_en", "category", "place", "responsible",
                 "purchase_date", "warranty_end", "status")
REQUIRED = ("code", "name_zh", "place")
_MAX = {"code": 32, "name_zh": 100, "name_en": 100, "category": 32}
NOTE = "CSV import"


def person_ref(person: Person | None) -> str:
    """How a CSV names a person: their external id, else #id."""
    if person is None:
        return ""
    return person.external_id or f"#{person.id}"


def _date(row: CsvRow, column: str, problems: list[str]) -> date | None:
    raw = row.get(column)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        problems.append(f"{column} {raw[:20]!r} is not a date like 2024-09-01")
        return None


def _check(row: CsvRow, places: dict[str, Place], people: dict[str, Person],
           open_assets: set[str], seen: dict[str, int]) -> list[str]:
    problems = [f"{c} is empty" for c in REQUIRED if not row.get(c)]
    code = row.get("code")
    for column, limit in _MAX.items():
        if len(row.get(column)) > limit:
            problems.append(f"{column} is longer than {limit} characters")
    if code and any(ch.isspace() for ch in code):
        problems.append(f"code {code!r} contains spaces")
    if code.lower() in seen:
        problems.append(f"duplicate code {code!r} (first on line {seen[code.lower()]})")
    seen.setdefault(code.lower(), row.line)
    if row.get("place") and row.get("place") not in places:
        problems.append(f"unknown place {row.get('place')!r}")
    if row.get("responsible") and row.get("responsible") not in people:
        problems.append(f"unknown responsible person {row.get('responsible')!r} "
                        "(use their external id or #id)")
    bought, ends = _date(row, "purchase_date", problems), _date(row, "warranty_end", problems)
    if bought and ends and ends < bought:
        problems.append("warranty_end is before purchase_date")
    status = row.get("status") or "in_use"
    if status not in ASSET_STATUSES:
        problems.append(f"unknown status {status!r} (known: {', '.join(ASSET_STATUSES)})")
    elif code.lower() in open_assets and status not in ("under_repair", "damaged"):
        problems.append(f"{code} has an open repair: status must stay under_repair")
    return problems


async def _people() -> dict[str, Person]:
    people = await Person.all()
    return {**{f"#{p.id}": p for p in people},
            **{p.external_id: p for p in people if p.external_id}}


def _values(row: CsvRow, places: dict[str, Place], people: dict[str, Person]) -> dict:
    ignored: list[str] = []
    return {
        "name_zh": row.get("name_zh"), "name_en": row.get("name_en") or row.get("name_zh"),
        "category": row.get("category"), "place_id": places[row.get("place")].id,
        "responsible_id": people[row.get("responsible")].id if row.get("responsible") else None,
        "purchase_date": _date(row, "purchase_date", ignored),
        "warranty_end": _date(row, "warranty_end", ignored),
        "status": row.get("status") or "in_use",
    }


async def _write(row: CsvRow, values: dict, existing: Asset | None) -> bool:
    """Create or update one asset with its history rows; True when created."""
    if existing is None:
        asset = await Asset.create(code=row.get("code"), **values)
        await record(asset, None, "created", None, to_status=asset.status,
                     to_place=values["place_id"], note=NOTE)
        return True
    before_place, before_status = existing.place_id, existing.status  # type: ignore[attr-defined]
    changed = [k for k, v in values.items() if getattr(existing, k) != v]
    if not changed:
        return False
    await Asset.filter(id=existing.id).update(**{k: values[k] for k in changed})
    if "place_id" in changed:
        await record(existing, None, "moved", None, from_place=before_place,
                     to_place=values["place_id"], note=NOTE)
    if "status" in changed:
        kind = "disposed" if values["status"] == "disposed" else "status"
        await record(existing, None, kind, None, from_status=before_status,
                     to_status=values["status"], note=NOTE)
    if set(changed) - {"place_id", "status"}:
        await record(existing, None, "edited", None, note=NOTE)
    return False


async def import_assets(path: str | Path) -> ImportResult:
    """Import assets all-or-nothing (validated first, written in one transaction)."""
    rows = read_csv(path, REQUIRED, ASSET_COLUMNS)
    places = {p.code: p for p in await Place.all()}
    people = await _people()
    open_ids = await Ticket.filter(status__in=OPEN_STATUSES, asset_id__isnull=False) \
        .values_list("asset_id", flat=True)
    open_assets = {a.code.lower() for a in await Asset.filter(id__in=list(open_ids))}
    errors: list[str] = []
    seen: dict[str, int] = {}
    for row in rows:
        problems = _check(row, places, people, open_assets, seen)
        if problems:
            errors.append(f"line {row.line}: {'; '.join(problems)}")
    if errors:
        raise CsvImportError(errors)
    existing = {a.code.lower(): a for a in await Asset.all()}
    result = ImportResult()
    async with in_transaction():
        for row in rows:
            created = await _write(row, _values(row, places, people),
                                   existing.get(row.get("code").lower()))
            result.created += int(created)
            result.updated += int(not created)
    return result


async def export_assets(path: str | Path) -> int:
    """Every asset, by code, in the import's columns."""
    assets = await Asset.all().order_by("code").prefetch_related("place", "responsible")
    return write_csv(path, ASSET_COLUMNS, (
        (a.code, a.name_zh, a.name_en, a.category, a.place.code, person_ref(a.responsible),
         a.purchase_date.isoformat() if a.purchase_date else "",
         a.warranty_end.isoformat() if a.warranty_end else "", a.status)
        for a in assets
    ))
