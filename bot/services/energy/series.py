"""Pure functions over meter series: hourly consumption from cumulative readings, and the
leak and spike rules. No database, no clock: everything they need is passed in.

Readings are cumulative register values. The consumption between two successive readings is
spread over the hours they span in proportion to time. A decrease is a reset or a replaced
meter: that interval counts as unknown and the new value is the new baseline. Readings further
apart than `max_gap` leave the hours between them unknown (nothing is guessed). An hour counts
only when readings cover all of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from statistics import median
from zoneinfo import ZoneInfo

HOUR = timedelta(hours=1)
Hourly = dict[datetime, float]  # UTC hour start -> consumption in that hour


@dataclass(frozen=True)
class DetectionConfig:
    """The knobs of both rules (figures are in the meter's unit per hour)."""

    spike_k: float = 6.0
    spike_rel_floor: float = 0.1  # MAD never counts as less than this share of the median
    spike_abs_floor: dict[str, float] = field(
        default_factory=lambda: {"water": 0.05, "electricity": 0.5}
    )
    spike_min_history: int = 14  # same-hour values needed before judging an hour
    history_days: int = 28
    night_start: int = 1  # local hours [night_start, night_end)
    night_end: int = 5
    leak_floor: float = 0.02  # a night minimum at or below this is "near zero"
    leak_factor: float = 3.0  # ... or at or below this multiple of the meter's usual minimum
    leak_min_history: int = 7  # nights needed before the usual minimum is used
    max_gap_hours: float = 6.0


@dataclass(frozen=True)
class Finding:
    """One rule's verdict for one meter and day: the figures an alert shows."""

    kind: str
    observed_at: datetime  # UTC start of the hour that decided it
    value: float
    threshold: float
    baseline: float
    spread: float = 0.0
    hours: int = 1

    def details(self) -> dict[str, float | int | str]:
        """The figures as JSON-friendly values (stored on the anomaly)."""
        return {
            "hour": self.observed_at.isoformat(), "value": round(self.value, 3),
            "threshold": round(self.threshold, 3), "baseline": round(self.baseline, 3),
            "spread": round(self.spread, 3), "hours": self.hours,
        }


def hour_start(moment: datetime) -> datetime:
    """The UTC start of the hour containing `moment`."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def hourly_consumption(
    readings: Iterable[tuple[datetime, float]], max_gap: timedelta = timedelta(hours=6)
) -> Hourly:
    """Consumption per fully covered UTC hour, from cumulative (moment, value) readings."""
    points = sorted((ts.astimezone(UTC), value) for ts, value in readings)
    amounts: dict[datetime, float] = {}
    covered: dict[datetime, float] = {}
    for (t0, v0), (t1, v1) in pairwise(points):
        span = (t1 - t0).total_seconds()
        if span <= 0 or t1 - t0 > max_gap or v1 < v0:
            continue  # a gap or a reset: these hours stay unknown
        rate = (v1 - v0) / span
        cursor = t0
        while cursor < t1:
            bucket = hour_start(cursor)
            upto = min(bucket + HOUR, t1)
            seconds = (upto - cursor).total_seconds()
            amounts[bucket] = amounts.get(bucket, 0.0) + rate * seconds
            covered[bucket] = covered.get(bucket, 0.0) + seconds
            cursor = upto
    return {hour: amounts[hour] for hour in sorted(amounts) if covered[hour] >= 3599.0}


def local_hour(day: date, hour: int, tz: ZoneInfo) -> datetime:
    """The UTC start of local `hour` on local `day`."""
    return datetime.combine(day, time(hour), tzinfo=tz).astimezone(UTC)


def mad(values: Sequence[float]) -> tuple[float, float]:
    """(median, median absolute deviation) of the values."""
    middle = median(values)
    return middle, median(abs(v - middle) for v in values)


def lower_quartile(values: Sequence[float]) -> float:
    """The 25th percentile (nearest rank) of the values."""
    ordered = sorted(values)
    return ordered[max(0, (len(ordered) + 3) // 4 - 1)]


def night_minimum(hourly: Hourly, day: date, tz: ZoneInfo, cfg: DetectionConfig
                  ) -> tuple[float, datetime] | None:
    """The smallest hourly flow of the night window that ends on local `day`, with its hour;
    None unless every hour of the window (bar one, of at least three) is known."""
    hours = [local_hour(day, h, tz) for h in range(cfg.night_start, cfg.night_end)]
    known = [(hourly[h], h) for h in hours if h in hourly]
    if not known or len(known) < max(2, len(hours) - 1):
        return None
    return min(known)


def detect_leak(hourly: Hourly, day: date, tz: ZoneInfo, cfg: DetectionConfig
                ) -> Finding | None:
    """A water leak: the night's flow never dropped to near zero for this meter (its own
    usual night minimum, the lower quartile of the previous nights, sets what "near" is)."""
    tonight = night_minimum(hourly, day, tz, cfg)
    if tonight is None:
        return None
    past = [night_minimum(hourly, day - timedelta(days=n), tz, cfg)
            for n in range(1, cfg.history_days + 1)]
    minima = [found[0] for found in past if found is not None]
    usual = lower_quartile(minima) if len(minima) >= cfg.leak_min_history else 0.0
    threshold = max(cfg.leak_floor, cfg.leak_factor * usual)
    value, hour = tonight
    if value <= threshold:
        return None
    return Finding("leak", hour, value, threshold, usual,
                   hours=cfg.night_end - cfg.night_start)


def spike_threshold(history: Sequence[float], kind: str, cfg: DetectionConfig
                    ) -> tuple[float, float, float]:
    """(threshold, median, spread) for one hour-of-day: median + k·MAD, where MAD is at least
    `spike_rel_floor` of the median and the margin at least the kind's absolute floor."""
    middle, deviation = mad(history)
    spread = max(deviation, cfg.spike_rel_floor * middle)
    margin = max(cfg.spike_k * spread, cfg.spike_abs_floor.get(kind, 0.0))
    return middle + margin, middle, spread


def detect_spike(hourly: Hourly, day: date, tz: ZoneInfo, kind: str, cfg: DetectionConfig,
                 skip_hours: Iterable[int] = ()) -> Finding | None:
    """Consumption far above what this meter uses at the same hour of day over the previous
    `history_days` days (needs `spike_min_history` such hours); the worst hour of the day."""
    worst: Finding | None = None
    over = 0
    skipped = set(skip_hours)
    for hour_of_day in (h for h in range(24) if h not in skipped):
        moment = local_hour(day, hour_of_day, tz)
        if moment not in hourly:
            continue
        history = [hourly[h] for n in range(1, cfg.history_days + 1)
                   if (h := local_hour(day - timedelta(days=n), hour_of_day, tz)) in hourly]
        if len(history) < cfg.spike_min_history:
            continue
        threshold, middle, spread = spike_threshold(history, kind, cfg)
        value = hourly[moment]
        if value <= threshold:
            continue
        over += 1
        if worst is None or value - threshold > worst.value - worst.threshold:
            worst = Finding("spike", moment, value, threshold, middle, spread)
    if worst is None:
        return None
    return Finding(worst.kind, worst.observed_at, worst.value, worst.threshold,
                   worst.baseline, worst.spread, hours=over)


def detect(hourly: Hourly, day: date, tz: ZoneInfo, kind: str, cfg: DetectionConfig
           ) -> list[Finding]:
    """Every rule that fires for a meter of `kind` on local `day`. Leaks are for water only,
    and a water meter's night hours belong to the leak rule; a day with a leak, or right
    after one, raises no water spike as well (the leak explains the extra use)."""
    if kind != "water":
        spike = detect_spike(hourly, day, tz, kind, cfg)
        return [spike] if spike else []
    leak = detect_leak(hourly, day, tz, cfg)
    if leak:
        return [leak]
    if detect_leak(hourly, day - timedelta(days=1), tz, cfg):
        return []  # last night's leak goes on until tonight shows otherwise
    night = range(cfg.night_start, cfg.night_end)
    spike = detect_spike(hourly, day, tz, kind, cfg, skip_hours=night)
    return [spike] if spike else []
