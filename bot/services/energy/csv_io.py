"""Meters and readings from and to CSV (all or nothing, each bad row reported with its line).

meters: code,kind,unit,place,responsible[,asset] — place is a place code; responsible
(optional) a person's external_id or "#<id>", a worker, dorm admin or manager; asset
(optional, and the column itself may be left out) the code of the asset the meter measures.
Re-importing a code updates the meter (a file without the asset column leaves the links as
they are); a meter left out stays as it is.
readings: meter,ts,value — value is the meter's cumulative register; ts is ISO 8601 and read
in HOUQIN_TIMEZONE when it has no offset. A reading already stored is skipped (see
energy_readings.store); export writes times in the deployment's time zone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from bot.services.csv_format import CsvImportError, CsvRow, ImportResult, read_csv, write_csv
from bot.services.energy.readings import (
    IngestResult,
    RawReading,
    ReadingError,
    check,
    meters_named,
    store,
)
from models.assets import Asset
from models.energy import METER_KINDS, Meter, Reading
from models.people import Person
from models.places import Place

METER_COLUMNS = ("code", "kind", "unit", "place", "responsible", "asset")
READING_COLUMNS = ("meter", "ts", "value")
RESPONSIBLE_ROLES = ("worker", "dorm_admin", "manager")
_MAX = {"code": 32, "unit": 16}


def _person_ref(person: Person) -> str:
    return person.external_id or f"#{person.id}"


async def _people_by_ref() -> dict[str, Person]:
    people = await Person.all()
    return {**{f"#{p.id}": p for p in people},
            **{p.external_id: p for p in people if p.external_id}}


def _meter_problems(row: CsvRow, places: dict[str, Place], people: dict[str, Person],
                    first: dict[str, int], assets: dict[str, Asset]) -> list[str]:
    problems = [f"{c} is empty" for c in ("code", "kind", "unit", "place") if not row.get(c)]
    problems += [f"{c} is longer than {n} characters" for c, n in _MAX.items()
                 if len(row.get(c)) > n]
    if row.get("kind") and row.get("kind") not in METER_KINDS:
        problems.append(f"kind {row.get('kind')!r} is not one of: {', '.join(METER_KINDS)}")
    if row.get("place") and row.get("place") not in places:
        problems.append(f"unknown place {row.get('place')!r} (import places first)")
    ref = row.get("responsible")
    if ref and ref not in people:
        problems.append(f"unknown person {ref!r} (an external_id or #id)")
    elif ref and not people[ref].has_role(*RESPONSIBLE_ROLES):
        problems.append(f"{ref} is not a worker, dorm admin or manager")
    asset = row.get("asset")
    if asset and asset not in assets:
        problems.append(f"unknown asset {asset!r} (import assets first)")
    elif asset and assets[asset].status == "disposed":
        problems.append(f"asset {asset} has been disposed of")
    code = row.get("code")
    if code in first:
        problems.append(f"meter {code} is also on line {first[code]}")
    first.setdefault(code, row.line)
    return problems


async def import_meters(path: str | Path) -> ImportResult:
    """Create or update meters from a CSV file; nothing is written if any row is bad."""
    rows = read_csv(path, METER_COLUMNS[:4], METER_COLUMNS)
    places = {p.code: p for p in await Place.all()}
    people = await _people_by_ref()
    assets = {a.code: a for a in await Asset.all()}
    first: dict[str, int] = {}
    errors = []
    for row in rows:
        problems = _meter_problems(row, places, people, first, assets)
        if problems:
            errors.append(f"line {row.line}: {'; '.join(problems)}")
    if errors:
        raise CsvImportError(errors)
    result = ImportResult()
    async with in_transaction():
        for row in rows:
            person = people.get(row.get("responsible"))
            values = {"kind": row.get("kind"), "unit": row.get("unit"),
                      "place_id": places[row.get("place")].id,
                      "responsible_id": person.id if person else None, "active": True}
            if "asset" in row.values:
                asset = assets.get(row.get("asset"))
                values["asset_id"] = asset.id if asset else None
            meter = await Meter.get_or_none(code=row.get("code"))
            if meter is None:
                await Meter.create(code=row.get("code"), **values)
                result.created += 1
            else:
                await Meter.filter(id=meter.id).update(**values)
                result.updated += 1
    return result


async def import_readings(path: str | Path, timezone: str = "Asia/Shanghai") -> IngestResult:
    """Store readings from a CSV file; nothing is stored if any row is bad."""
    rows = read_csv(path, READING_COLUMNS, READING_COLUMNS)
    batch = [(row.line, RawReading(row.get("meter"), row.get("ts"), row.get("value")))
             for row in rows]
    meters = await meters_named(batch)
    now, zone = datetime.now(UTC), ZoneInfo(timezone)
    valid, errors = [], []
    for line, raw in batch:
        try:
            valid.append(check(line, raw, meters, now, zone))
        except ReadingError as exc:
            errors.append(f"line {exc.index}: {exc.reason}")
    if errors:
        raise CsvImportError(errors)
    return await store(valid, "csv")


async def export_meters(path: str | Path) -> int:
    """Every meter with its place and responsible person; the row count."""
    meters = await Meter.all().order_by("code").prefetch_related("place", "responsible", "asset")
    return write_csv(path, METER_COLUMNS, (
        (m.code, m.kind, m.unit, m.place.code,
         _person_ref(m.responsible) if m.responsible else "", m.asset.code if m.asset else "")
        for m in meters
    ))


async def export_readings(path: str | Path, timezone: str = "Asia/Shanghai") -> int:
    """Every reading, by meter then time, times in `timezone`; the row count."""
    zone = ZoneInfo(timezone)
    readings = await Reading.all().order_by("meter__code", "ts").prefetch_related("meter")
    return write_csv(path, READING_COLUMNS, (
        (r.meter.code, r.ts.astimezone(zone).isoformat(timespec="seconds"), str(r.value))
        for r in readings
    ))
