"""Synthetic meter data for the energy tests: cumulative registers from hourly use profiles."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
Profile = Callable[[datetime], float]  # local hour start -> use in that hour


def water_use(seed: int = 1) -> Profile:
    """A dorm room's water: next to nothing at night, mornings and evenings busiest."""
    noise = random.Random(seed)

    def use(local: datetime) -> float:
        if 1 <= local.hour < 6:
            return noise.choice([0.0, 0.0, 0.0, 0.004])
        base = 0.25 if local.hour in (7, 8, 21, 22) else 0.08
        return base * noise.uniform(0.8, 1.2)

    return use


def electricity_use(seed: int = 2) -> Profile:
    """A room's electricity: a low base load, more in the evening."""
    noise = random.Random(seed)

    def use(local: datetime) -> float:
        base = 0.6 if 18 <= local.hour < 24 else 0.2
        return base * noise.uniform(0.9, 1.1)

    return use


def register(first_day: date, days: int, profile: Profile, start: float = 1000.0,
             extra: Callable[[datetime], float] | None = None) -> list[tuple[datetime, float]]:
    """Hourly cumulative readings (UTC moments) for `days` local days from `first_day`;
    `extra(local hour)` adds use on top of the profile (a leak, a heater)."""
    moment = datetime.combine(first_day, datetime.min.time(), tzinfo=TZ)
    value = start
    readings = [(moment.astimezone(UTC), value)]
    for _ in range(days * 24):
        value += profile(moment) + (extra(moment) if extra else 0.0)
        moment += timedelta(hours=1)
        readings.append((moment.astimezone(UTC), round(value, 4)))
    return readings
