"""Places from and to CSV: code,kind,name_zh,name_en,parent_code,zone,aliases[,lat,lon]
[,zone_zh,zone_en] (the zone's names, on any row of the zone)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

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
from bot.services.people.place_names import norm
from models.places import PLACE_KINDS, Place, Zone, one_bump

PLACE_COLUMNS = (
    "code", "kind", "name_zh", "name_en", "parent_code", "zone", "aliases", "lat", "lon",
    "zone_zh", "zone_en",
)
_RANGES = {"lat": 90.0, "lon": 180.0}
PLACE_REQUIRED = ("code", "kind", "name_zh")
_MAX = {"code": 32, "name_zh": 100, "name_en": 100, "zone": 64, "zone_zh": 100,
        "zone_en": 100}


@dataclass
class PlacesImport(ImportResult):
    """An import's counts, and the aliases that name two places (a message using one cannot
    be placed: the bot will offer both)."""

    clashes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join([super().__str__(), *(f"warning: {c}" for c in self.clashes)])


async def alias_clashes() -> list[str]:
    """One line per alias that is also another place's code, name or alias."""
    rows = await Place.filter(active=True).order_by("code").values_list(
        "code", "name_zh", "name_en", "aliases")
    codes: dict[str, str] = {norm(code): code for code, *_ in rows}
    named: dict[str, set[str]] = {}
    for code, zh, en, aliases in rows:
        for name in (zh, en, *(aliases or [])):
            named.setdefault(norm(name), set()).add(code)
    clashes: list[str] = []
    told: set[str] = set()
    for code, _zh, _en, aliases in rows:
        for alias in aliases or []:
            key = norm(alias)
            if key in codes and codes[key] != code:
                clashes.append(f"alias {alias!r} of {code} is the code of {codes[key]}")
            elif len(named.get(key, ())) > 1 and key not in told:
                told.add(key)
                others = ", ".join(sorted(named[key] - {code}))
                clashes.append(f"alias {alias!r} of {code} also names {others}")
    return clashes


async def upsert_place(
    code: str, kind: str, name_zh: str, name_en: str, *, parent: Place | None = None,
    zone: str | None = None, aliases: list[str] | None = None,
    coords: tuple[float, float] | None = None,
) -> tuple[Place, bool]:
    """Create the place with this code or update it in place; returns (place, created).
    `coords` is (latitude, longitude), or None for a place without coordinates."""
    if kind not in PLACE_KINDS:
        raise ValueError(f"unknown place kind {kind!r}")
    wanted = {
        "kind": kind, "name_zh": name_zh, "name_en": name_en or name_zh,
        "parent_id": parent.id if parent else None, "zone": zone or None,
        "aliases": list(aliases or []),
        "latitude": coords[0] if coords else None, "longitude": coords[1] if coords else None,
    }
    place = await Place.get_or_none(code=code)
    if place is None:
        return await Place.create(code=code, **wanted), True
    changed = [field for field, value in wanted.items() if getattr(place, field) != value]
    if changed:
        for field in changed:
            setattr(place, field, wanted[field])
        await place.save(update_fields=changed)
    return place, False


def _check_row(row: CsvRow) -> list[str]:
    problems: list[str] = []
    for column in PLACE_REQUIRED:
        if not row.get(column):
            problems.append(f"{column} is empty")
    kind = row.get("kind").lower()
    if kind and kind not in PLACE_KINDS:
        problems.append(f"unknown kind {kind!r} (known: {', '.join(PLACE_KINDS)})")
    for column, limit in _MAX.items():
        if len(row.get(column)) > limit:
            problems.append(f"{column} is longer than {limit} characters")
    if (row.get("zone_zh") or row.get("zone_en")) and not row.get("zone"):
        problems.append("zone_zh/zone_en name a zone, but zone is empty")
    if row.get("code") and row.get("parent_code") == row.get("code"):
        problems.append("a place cannot be its own parent")
    return problems + _check_coords(row)


def _check_coords(row: CsvRow) -> list[str]:
    if bool(row.get("lat")) != bool(row.get("lon")):
        return ["lat and lon must be given together (or both left empty)"]
    problems: list[str] = []
    for column, limit in _RANGES.items():
        if not row.get(column):
            continue
        try:
            value = float(row.get(column))
        except ValueError:
            problems.append(f"{column} {row.get(column)[:20]!r} is not a number")
            continue
        if not -limit <= value <= limit:
            problems.append(f"{column} {value:g} is outside -{limit:g}..{limit:g}")
    return problems


def _coords(row: CsvRow) -> tuple[float, float] | None:
    if not row.get("lat"):
        return None
    return float(row.get("lat")), float(row.get("lon"))


def _cycle_from(code: str, parents: dict[str, str | None]) -> bool:
    seen = {code}
    current = parents.get(code)
    while current:
        if current in seen:
            return True
        seen.add(current)
        current = parents.get(current)
    return False


async def validate_places(rows: list[CsvRow]) -> list[str]:
    """One "line N: reason; reason" per bad row, checked against the file and the database."""
    stored = await Place.all().values("id", "code", "parent_id")
    code_of = {item["id"]: item["code"] for item in stored}
    parents: dict[str, str | None] = {
        item["code"]: code_of.get(item["parent_id"]) for item in stored
    }
    parents.update({row.get("code"): row.get("parent_code") or None for row in rows})
    errors: list[str] = []
    first_line: dict[str, int] = {}
    zone_names: dict[str, tuple[str, str, int]] = {}
    for row in rows:
        problems = _check_row(row)
        code, parent = row.get("code"), row.get("parent_code")
        if code in first_line:
            problems.append(f"duplicate code {code!r} (first on line {first_line[code]})")
        elif code:
            first_line[code] = row.line
        if parent and parent != code:
            if parent not in parents:
                problems.append(f"parent_code {parent!r} is neither in the file nor in the "
                                "database")
            elif _cycle_from(code, parents):
                problems.append(f"parent_code {parent!r} makes a loop of parents")
        problems += _zone_name_clash(row, zone_names)
        if problems:
            errors.append(f"line {row.line}: {'; '.join(problems)}")
    return errors


def _zone_name_clash(row: CsvRow, seen: dict[str, tuple[str, str, int]]) -> list[str]:
    """A zone named differently on two rows of the file is an error (which name is meant?)."""
    zone, zh, en = row.get("zone"), row.get("zone_zh"), row.get("zone_en")
    if not zone or not (zh or en):
        return []
    first = seen.setdefault(zone, (zh, en, row.line))
    if first[:2] != (zh, en):
        return [f"zone {zone!r} is named differently on line {first[2]}"]
    return []


def _zone_rows(rows: list[CsvRow]) -> dict[str, tuple[str, str]]:
    """The zone names the file gives: code -> (zh, en), either name filling the other."""
    names: dict[str, tuple[str, str]] = {}
    for row in rows:
        zone, zh, en = row.get("zone"), row.get("zone_zh"), row.get("zone_en")
        if zone and (zh or en):
            names.setdefault(zone, (zh or en, en or zh))
    return names


def _parents_first(rows: list[CsvRow]) -> list[CsvRow]:
    """The rows in file order, except that a parent in the file comes before its children."""
    by_code = {row.get("code"): row for row in rows}
    ordered: list[CsvRow] = []
    done: set[str] = set()

    def visit(row: CsvRow) -> None:
        code = row.get("code")
        if code in done:
            return
        done.add(code)
        parent = by_code.get(row.get("parent_code"))
        if parent is not None:
            visit(parent)
        ordered.append(row)

    for row in rows:
        visit(row)
    return ordered


async def import_places(path: str | Path) -> PlacesImport:
    """Import a places CSV all-or-nothing (validated first, written in one transaction); the
    result lists the aliases that clash."""
    rows = read_csv(path, PLACE_REQUIRED, PLACE_COLUMNS)
    errors = await validate_places(rows)
    if errors:
        raise CsvImportError(errors)
    result = PlacesImport()
    async with one_bump(), in_transaction():
        known: dict[str, Place] = {}
        for row in _parents_first(rows):
            parent_code = row.get("parent_code")
            parent = None
            if parent_code:
                parent = known.get(parent_code) or await Place.get(code=parent_code)
            place, created = await upsert_place(
                row.get("code"), row.get("kind").lower(), row.get("name_zh"), row.get("name_en"),
                parent=parent, zone=row.get("zone"), aliases=split_list(row.get("aliases")),
                coords=_coords(row),
            )
            known[place.code] = place
            if created:
                result.created += 1
            else:
                result.updated += 1
        for code, (zh, en) in _zone_rows(rows).items():
            await Zone.update_or_create(defaults={"name_zh": zh, "name_en": en}, code=code)
    result.clashes = await alias_clashes()
    return result


async def export_places(path: str | Path) -> int:
    """Write every place (in creation order) to a CSV file; the row count."""
    places = await Place.all().order_by("id").prefetch_related("parent")
    zones = {z.code: z for z in await Zone.all()}
    named: set[str] = set()

    def zone_names(code: str | None) -> tuple[str, str]:
        # each zone's names once, on its first place: a re-import reads them back
        if not code or code not in zones or code in named:
            return "", ""
        named.add(code)
        return zones[code].name_zh, zones[code].name_en

    return write_csv(
        path,
        PLACE_COLUMNS,
        (
            (p.code, p.kind, p.name_zh, p.name_en, p.parent.code if p.parent else "", p.zone,
             join_list(p.aliases), p.latitude, p.longitude, *zone_names(p.zone))
            for p in places
        ),
    )
