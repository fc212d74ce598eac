"""Import inspection templates and schedules from a TOML or CSV file (all or nothing).

TOML: `[[template]]` tables (code, name_zh, name_en, optional zone / place / category) with
`[[template.item]]` tables (text_zh, text_en, kind = "check" | "reading", unit, min, max,
photo, safety, repair), and `[[schedule]]` tables (template, rule, optional place / zone /
worker). CSV: one row per record with a `type` column (template | item | schedule) and the same
field names as columns. The README has an example.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from tortoise.transactions import in_transaction

from bot.core.errors import ServiceError
from bot.services.csv_format import CsvImportError, ImportResult, read_csv
from bot.services.inspections.rules import next_fire, parse_rule
from bot.services.repairs import CategorySet, load_categories
from models.inspections import ITEM_KINDS, InspectionItem, InspectionSchedule, InspectionTemplate
from models.people import Person
from models.places import Place

CSV_COLUMNS = ("type", "template", "name_zh", "name_en", "zone", "place", "category", "text_zh",
               "text_en", "kind", "unit", "min", "max", "photo", "safety", "repair", "rule",
               "worker")
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_TRUE, _FALSE = {"true", "yes", "y", "1", "是", "x"}, {"false", "no", "n", "0", "否", ""}


@dataclass
class Record:
    """One template, item or schedule from the file, with where it was (for error texts)."""

    where: str
    values: dict[str, str]
    items: list[Record] = field(default_factory=list)

    def get(self, name: str) -> str:
        """The stripped text of a field ("" when absent)."""
        return self.values.get(name, "")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value).strip()


def _from_toml(path: Path) -> tuple[list[Record], list[Record]]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CsvImportError([f"{path.name}: not a readable TOML file: {exc}"]) from exc
    templates, schedules = [], []
    for n, table in enumerate(data.get("template", []), start=1):
        code = _text(table.get("code")) or f"#{n}"
        record = Record(f"template {code}", {k: _text(v) for k, v in table.items()
                                             if k != "item"})
        for m, item in enumerate(table.get("item", []), start=1):
            record.items.append(Record(f"template {code} item {m}",
                                       {k: _text(v) for k, v in item.items()}))
        templates.append(record)
    for n, table in enumerate(data.get("schedule", []), start=1):
        schedules.append(Record(f"schedule {n}", {k: _text(v) for k, v in table.items()}))
    return templates, schedules


def _from_csv(path: Path) -> tuple[list[Record], list[Record]]:
    templates: dict[str, Record] = {}
    schedules: list[Record] = []
    errors: list[str] = []
    for row in read_csv(path, ("type", "template"), CSV_COLUMNS):
        values = {k: v for k, v in row.values.items() if v}
        kind, code = row.get("type").lower(), row.get("template")
        record = Record(f"line {row.line}", {**values, "code": code})
        if kind == "template":
            templates.setdefault(code, Record(f"line {row.line}", {})).values.update(
                record.values)
        elif kind == "item":
            if code not in templates:
                errors.append(f"line {row.line}: item before its template row {code!r}")
            else:
                templates[code].items.append(record)
        elif kind == "schedule":
            schedules.append(record)
        else:
            errors.append(f"line {row.line}: type must be template, item or schedule")
    if errors:
        raise CsvImportError(errors)
    return list(templates.values()), schedules


def _bool(record: Record, name: str, errors: list[str]) -> bool:
    value = record.get(name).lower()
    if value not in _TRUE | _FALSE:
        errors.append(f"{record.where}: {name} must be true or false, not {value!r}")
    return value in _TRUE


def _number(record: Record, name: str, errors: list[str]) -> float | None:
    if not record.get(name):
        return None
    try:
        return float(record.get(name))
    except ValueError:
        errors.append(f"{record.where}: {name} is not a number: {record.get(name)!r}")
        return None


def _check_item(item: Record, errors: list[str], codes: tuple[str, ...]) -> dict[str, Any]:
    for name in ("text_zh", "text_en"):
        if not item.get(name):
            errors.append(f"{item.where}: {name} is required")
    kind = item.get("kind").lower() or "check"
    if kind not in ITEM_KINDS:
        errors.append(f"{item.where}: kind must be check or reading, not {kind!r}")
    low, high = _number(item, "min", errors), _number(item, "max", errors)
    if low is not None and high is not None and low > high:
        errors.append(f"{item.where}: min {low} is above max {high}")
    repair = item.get("repair") or "other"
    if repair not in codes:
        errors.append(f"{item.where}: repair must be one of {', '.join(codes)}")
    return {
        "text_zh": item.get("text_zh")[:200], "text_en": item.get("text_en")[:200],
        "kind": kind, "unit": item.get("unit")[:16] or None, "min_value": low, "max_value": high,
        "photo_required": _bool(item, "photo", errors), "safety": _bool(item, "safety", errors),
        "repair_category": repair,
    }


async def _place(record: Record, errors: list[str]) -> Place | None:
    code = record.get("place")
    if not code:
        return None
    place = await Place.get_or_none(code=code, active=True)
    if place is None:
        errors.append(f"{record.where}: unknown place {code!r}")
    return place


async def _worker(record: Record, errors: list[str]) -> Person | None:
    ref = record.get("worker")
    if not ref:
        return None
    found = await Person.filter(active=True, phone=ref) or await Person.filter(
        active=True, external_id=ref) or await Person.filter(active=True, name=ref)
    if len(found) != 1 or not found[0].has_role("worker", "manager"):
        errors.append(f"{record.where}: no single worker {ref!r} (phone, external id or name)")
        return None
    return found[0]


async def import_inspections(path: str | Path, timezone: str = "Asia/Shanghai",
                             now: datetime | None = None,
                             categories: CategorySet | None = None) -> ImportResult:
    """Read, check every record, then write all of it or nothing (raises CsvImportError).
    A new schedule's first round is its first fire time after `now` (by default: after it
    was stored, worked out by the generating job in the configured time zone)."""
    path = Path(path)
    reader = _from_csv if path.suffix.lower() == ".csv" else _from_toml
    templates, schedules = reader(path)
    return await import_records(templates, schedules, timezone, now, categories)


async def import_records(templates: list[Record], schedules: list[Record],
                         timezone: str = "Asia/Shanghai", now: datetime | None = None,
                         categories: CategorySet | None = None) -> ImportResult:
    """Check templates (with their items, whose repair categories must be in `categories`:
    the shipped ones when None) and schedules, then write them all or nothing."""
    codes = (categories or load_categories()).codes
    errors: list[str] = []
    planned: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
    places: dict[str, Place | None] = {}
    for record in templates:
        code = record.get("code")
        if not _CODE.match(code):
            errors.append(f"{record.where}: code must be 1-32 letters, digits, - or _")
        if code in places:
            errors.append(f"{record.where}: template {code!r} appears twice")
        for name in ("name_zh", "name_en"):
            if not record.get(name):
                errors.append(f"{record.where}: {name} is required")
        if not record.items:
            errors.append(f"{record.where}: a template needs at least one item")
        places[code] = await _place(record, errors)
        items = [_check_item(item, errors, codes) for item in record.items]
        planned.append(({"code": code, "name_zh": record.get("name_zh")[:100],
                         "name_en": record.get("name_en")[:100],
                         "zone": record.get("zone") or None,
                         "place_id": places[code].id if places[code] else None,
                         "category": record.get("category")[:64] or None}, items))
    planned_schedules = []
    for record in schedules:
        code = record.get("template")
        stored = await InspectionTemplate.get_or_none(code=code).prefetch_related("place")
        if code not in places and stored is None:
            errors.append(f"{record.where}: unknown template {code!r}")
        try:
            parse_rule(record.get("rule"), timezone)
        except ServiceError:
            errors.append(f"{record.where}: rule {record.get('rule')!r} must be daily HH:MM, "
                          "weekly mon[,thu] HH:MM, monthly D HH:MM or cron M H D Mon W")
        place = await _place(record, errors)
        fallback = places.get(code) if code in places else (stored.place if stored else None)
        if place is None and fallback is None and not record.get("place"):
            errors.append(f"{record.where}: a place is needed (on the schedule or its template)"
                          " — problems become repair tickets there")
        worker = await _worker(record, errors)
        planned_schedules.append((code, record.get("rule"), place, record.get("zone") or None,
                                  worker))
    if errors:
        raise CsvImportError(errors)
    return await _write(planned, planned_schedules, timezone, now)


async def _write(planned: list[tuple[dict[str, Any], list[dict[str, Any]]]],
                 schedules: list[tuple[str, str, Place | None, str | None, Person | None]],
                 timezone: str, now: datetime | None) -> ImportResult:
    result = ImportResult()
    async with in_transaction():
        for values, items in planned:
            template = await InspectionTemplate.get_or_none(code=values["code"])
            if template is None:
                template = await InspectionTemplate.create(**values)
                result.created += 1
            else:
                await InspectionTemplate.filter(id=template.id).update(**values, active=True)
                result.updated += 1
            for position, item in enumerate(items, start=1):
                updated = await InspectionItem.filter(
                    template_id=template.id, position=position).update(**item, active=True)
                if not updated:
                    await InspectionItem.create(template=template, position=position, **item)
            await InspectionItem.filter(template_id=template.id,
                                        position__gt=len(items)).update(active=False)
        for code, rule, place, zone, worker in schedules:
            template = await InspectionTemplate.get(code=code)
            key = "|".join([code, place.code if place else "", zone or "",
                            str(worker.id) if worker else "", " ".join(rule.split())])[:160]
            if await InspectionSchedule.exists(key=key):
                result.updated += 1
                continue
            rule = " ".join(rule.split())
            await InspectionSchedule.create(
                key=key, template=template, place=place, zone=zone, worker=worker, rule=rule,
                next_due_at=next_fire(parse_rule(rule, timezone), now) if now else None,
            )
            result.created += 1
    return result
