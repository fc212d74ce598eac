"""Meter readings in: one validation for the HTTP API and the CSV import, then an idempotent
store. A batch is taken whole or not at all; a reading already stored for the same meter and
moment is a duplicate (the first value stays; a different value is counted as a conflict)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from models.energy import METER_KINDS, Meter, Reading

FUTURE_SLACK = timedelta(minutes=10)
MAX_VALUE = 1e12


class ReadingError(Exception):
    """One reading is unusable; `index` is its position (or CSV line), `reason` says why."""

    def __init__(self, index: int, reason: str):
        super().__init__(f"{index}: {reason}")
        self.index = index
        self.reason = reason


@dataclass(frozen=True)
class RawReading:
    """A reading as received, before validation."""

    meter: object
    ts: object
    value: object
    kind: object = None


@dataclass(frozen=True)
class ValidReading:
    """A checked reading: a known meter, an aware UTC moment, a finite value."""

    meter: Meter
    ts: datetime
    value: float


@dataclass
class IngestResult:
    """What a batch did: new readings stored, exact repeats, and repeats with another value."""

    accepted: int = 0
    duplicates: int = 0
    conflicts: int = 0

    def as_dict(self) -> dict[str, int]:
        """The counts for a JSON answer."""
        return {"accepted": self.accepted, "duplicates": self.duplicates,
                "conflicts": self.conflicts}

    def __str__(self) -> str:
        return (f"accepted {self.accepted}, duplicates {self.duplicates}, "
                f"conflicts {self.conflicts}")


def parse_moment(raw: object, naive_zone: ZoneInfo | None = None) -> datetime:
    """An ISO 8601 timestamp as aware UTC; without an offset it is read in `naive_zone`
    (the CSV import), or refused (the API). Raises ValueError with the reason."""
    if not isinstance(raw, str) or not raw.strip():
        raise ValueError("timestamp must be an ISO 8601 text, e.g. 2026-11-30T02:00:00+08:00")
    try:
        moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"bad timestamp {raw[:40]!r} (ISO 8601 expected)") from None
    if moment.tzinfo is None:
        if naive_zone is None:
            raise ValueError(f"timestamp {raw[:40]!r} needs a UTC offset, e.g. +08:00")
        moment = moment.replace(tzinfo=naive_zone)
    return moment.astimezone(UTC)


def parse_value(raw: object) -> float:
    """A finite, non-negative register value (JSON number or numeric text)."""
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise ValueError("value must be a number")
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"value {str(raw)[:20]!r} is not a number") from None
    if not math.isfinite(value) or value < 0 or value > MAX_VALUE:
        raise ValueError(f"value {str(raw)[:20]} must be a finite number from 0")
    return value


async def meters_named(batch: list[tuple[int, RawReading]]) -> dict[str, Meter]:
    """The meters the batch names, by code."""
    codes = {r.meter for _, r in batch if isinstance(r.meter, str)}
    return {m.code: m for m in await Meter.filter(code__in=list(codes))}


def check(index: int, raw: RawReading, meters: dict[str, Meter], now: datetime,
          naive_zone: ZoneInfo | None = None) -> ValidReading:
    """One reading checked against the known meters; raises ReadingError with the reason."""
    if not isinstance(raw.meter, str) or not raw.meter.strip():
        raise ReadingError(index, "meter must be a meter code")
    meter = meters.get(raw.meter)
    if meter is None:
        raise ReadingError(index, f"unknown meter {raw.meter[:40]!r}")
    if raw.kind not in (None, ""):
        if raw.kind not in METER_KINDS:
            raise ReadingError(index, f"kind must be one of: {', '.join(METER_KINDS)}")
        if raw.kind != meter.kind:
            raise ReadingError(index, f"kind mismatch: meter {meter.code} measures "
                                      f"{meter.kind}, not {raw.kind}")
    try:
        ts = parse_moment(raw.ts, naive_zone)
        value = parse_value(raw.value)
    except ValueError as exc:
        raise ReadingError(index, str(exc)) from None
    if ts > now + FUTURE_SLACK:
        raise ReadingError(index, f"timestamp {str(raw.ts)[:40]} is in the future")
    return ValidReading(meter, ts, value)


async def validate(batch: list[tuple[int, RawReading]], now: datetime) -> list[ValidReading]:
    """Check every (index, reading); raises ReadingError for the first bad one."""
    meters = await meters_named(batch)
    return [check(index, raw, meters, now) for index, raw in batch]


async def store(readings: list[ValidReading], source: str) -> IngestResult:
    """Store the readings not stored yet (one per meter and moment), all in one transaction."""
    result = IngestResult()
    fresh: dict[tuple[int, datetime], ValidReading] = {}
    by_meter: dict[int, list[ValidReading]] = {}
    for reading in readings:
        by_meter.setdefault(reading.meter.id, []).append(reading)
    async with in_transaction() as conn:
        for meter_id, items in by_meter.items():
            moments = sorted({r.ts for r in items})
            stored = {
                row.ts.astimezone(UTC): row.value
                for row in await Reading.filter(
                    meter_id=meter_id, ts__gte=moments[0], ts__lte=moments[-1]
                ).using_db(conn)
            }
            for reading in items:
                key = (meter_id, reading.ts)
                known = stored.get(reading.ts, fresh[key].value if key in fresh else None)
                if known is None:
                    fresh[key] = reading
                    result.accepted += 1
                elif math.isclose(known, reading.value, rel_tol=1e-9, abs_tol=1e-9):
                    result.duplicates += 1
                else:
                    result.conflicts += 1
        await Reading.bulk_create(
            [Reading(meter_id=r.meter.id, ts=r.ts, value=r.value, source=source)
             for r in fresh.values()],
            batch_size=500, ignore_conflicts=True, using_db=conn,
        )
    return result
