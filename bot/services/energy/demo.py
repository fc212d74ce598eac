"""The demo meters: a water meter in 1-101 that 王师傅 answers for, with four weeks of
ordinary use and a running toilet since last night, and a power meter in dorm room 4-101 with
a heater three hours ago (nobody answers for it: the managers are told). The energy job finds
both within `HOUQIN_ENERGY_CHECK_MINUTES`; `/energy` then lists them."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.services.energy.readings import ValidReading, store
from models.energy import Meter, Reading
from models.people import Person
from models.places import Place

DAYS = 29
DEMO_TZ = ZoneInfo("Asia/Shanghai")


def _use(kind: str, local: datetime, events: tuple[datetime, datetime],
         noise: random.Random) -> float:
    leak_from, heater_at = events
    if kind == "water":
        normal = (0.0 if 1 <= local.hour < 6 else 0.25 if local.hour in (7, 8, 21, 22)
                  else 0.08) * noise.uniform(0.8, 1.2)
        return normal + (0.12 if local >= leak_from else 0.0)
    normal = (0.6 if local.hour >= 18 else 0.2) * noise.uniform(0.9, 1.1)
    return normal + (2.0 if local == heater_at else 0.0)


async def _readings(meter: Meter, start: float, now: datetime) -> int:
    """Hourly registers from DAYS days ago up to the last full hour; the toilet runs since
    the midnight before the last complete night, the heater ran three hours ago."""
    noise = random.Random(meter.code)
    local_now = now.astimezone(DEMO_TZ).replace(minute=0, second=0, microsecond=0)
    night = (local_now - timedelta(hours=5)).replace(hour=0)  # the last complete night
    events = (night, local_now - timedelta(hours=3))
    moment = local_now.replace(hour=0) - timedelta(days=DAYS - 1)
    value, rows = start, [ValidReading(meter, moment.astimezone(UTC), start)]
    while moment + timedelta(hours=1) <= now:
        value += _use(meter.kind, moment, events, noise)
        moment += timedelta(hours=1)
        rows.append(ValidReading(meter, moment.astimezone(UTC), round(value, 3)))
    return (await store(rows, "demo")).accepted


async def seed_demo_energy(now: datetime | None = None) -> int:
    """The two demo meters and their readings (once: a meter with readings is left alone);
    returns how many readings were new."""
    room, dorm = await Place.get_or_none(code="1-101"), await Place.get_or_none(code="4-101")
    if room is None or dorm is None:
        return 0
    worker = await Person.get_or_none(external_id="demo-worker-1")
    water, _ = await Meter.get_or_create(code="W-1-101", defaults={
        "kind": "water", "unit": "m³", "place": room, "responsible": worker})
    power, _ = await Meter.get_or_create(code="E-4-101", defaults={
        "kind": "electricity", "unit": "kWh", "place": dorm})
    now = (now or datetime.now(UTC)).astimezone(UTC)
    made = 0
    for meter, start in ((water, 321.0), (power, 4800.0)):
        if not await Reading.exists(meter_id=meter.id):
            made += await _readings(meter, start, now)
    return made
