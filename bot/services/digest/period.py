"""The spans a digest covers: a local day, a Monday-to-Sunday week or a calendar month, and the
buckets of its trend chart (14 days, 8 weeks or 6 months ending with the span)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PERIODS = ("day", "week", "month")
TREND_LENGTH = {"day": 14, "week": 8, "month": 6}


def _month_start(day: date, months: int = 0) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """Local dates [start, end) of one day, week or month."""

    kind: str
    start: date
    end: date

    @classmethod
    def containing(cls, kind: str, day: date) -> Period:
        """The day, week (Monday first) or calendar month that `day` falls in."""
        if kind == "day":
            return cls(kind, day, day + timedelta(days=1))
        if kind == "week":
            monday = day - timedelta(days=day.weekday())
            return cls(kind, monday, monday + timedelta(days=7))
        if kind == "month":
            return cls(kind, _month_start(day), _month_start(day, 1))
        raise ValueError(f"unknown period kind {kind!r}")

    @classmethod
    def last_full(cls, kind: str, today: date) -> Period:
        """The latest period of `kind` that ended before `today` (yesterday, last week or
        last month)."""
        return cls.containing(kind, today).shifted(-1)

    def shifted(self, count: int) -> Period:
        """The period `count` periods later (earlier when negative)."""
        if self.kind == "month":
            return Period.containing("month", _month_start(self.start, count))
        step = timedelta(days=1 if self.kind == "day" else 7) * count
        return Period(self.kind, self.start + step, self.end + step)

    def bounds(self, tz: ZoneInfo | str) -> tuple[datetime, datetime]:
        """The UTC instants of the period's local start (inclusive) and end (exclusive)."""
        zone = ZoneInfo(tz) if isinstance(tz, str) else tz
        start = datetime.combine(self.start, time(0), zone)
        end = datetime.combine(self.end, time(0), zone)
        return start.astimezone(UTC), end.astimezone(UTC)

    def trend(self) -> list[Period]:
        """The chart's buckets, oldest first, ending with this period."""
        length = TREND_LENGTH[self.kind]
        return [self.shifted(back) for back in range(1 - length, 1)]

    @property
    def last_day(self) -> date:
        """The period's last local date (inclusive)."""
        return self.end - timedelta(days=1)
