"""Scorecard rules: the month a card covers, the weights of the overall score and how the score
is made from a worker's figures (every part shown, so the card can say how it was made)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from bot.core.errors import InvalidState

# the parts averaged (each 0–100, weighted) and the deductions (points per occurrence)
PARTS = ("response", "resolution", "rating", "rounds", "pm")
DEDUCTIONS = ("reopened", "repeat", "declined")
DEFAULT_WEIGHTS = ("response=20,resolution=30,rating=30,rounds=10,pm=10,"
                   "reopened=5,repeat=3,declined=1")
MONTH_RE = re.compile(r"(\d{4})-(\d{1,2})")


@dataclass(frozen=True)
class Month:
    """A calendar month, named "YYYY-MM"."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """Read "2026-11" (or "2026-1"); raises InvalidState("scorecards.bad_month")."""
        match = MONTH_RE.fullmatch(text.strip())
        if not match or not 1 <= int(match[2]) <= 12 or not 2000 <= int(match[1]) <= 2100:
            raise InvalidState("scorecards.bad_month", text=text[:20])
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def of(cls, day: date) -> Month:
        """The month `day` falls in."""
        return cls(day.year, day.month)

    @classmethod
    def last_full(cls, now: datetime, tz: ZoneInfo) -> Month:
        """The month before the local month of `now`."""
        return cls.of(now.astimezone(tz).date()).shifted(-1)

    def shifted(self, count: int) -> Month:
        """The month `count` months later (earlier when negative)."""
        index = self.year * 12 + self.month - 1 + count
        return Month(index // 12, index % 12 + 1)

    @property
    def first_day(self) -> date:
        """The month's first local date."""
        return date(self.year, self.month, 1)

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The UTC instants of the month's local start (inclusive) and end (exclusive)."""
        start = datetime.combine(self.first_day, time(0), tz)
        end = datetime.combine(self.shifted(1).first_day, time(0), tz)
        return start.astimezone(UTC), end.astimezone(UTC)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def parse_weights(text: str) -> dict[str, float]:
    """HOUQIN_SCORE_WEIGHTS "response=20,rating=30,reopened=5…": every part and deduction
    named in PARTS and DEDUCTIONS, unnamed ones 0; raises ValueError on anything else."""
    weights = dict.fromkeys((*PARTS, *DEDUCTIONS), 0.0)
    for item in text.replace("，", ",").split(","):
        if not item.strip():
            continue
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or name not in weights:
            raise ValueError(f"{item.strip()!r}: expected NAME=NUMBER with NAME one of "
                             f"{', '.join(weights)}")
        try:
            number = float(value)
        except ValueError:
            raise ValueError(f"{item.strip()!r}: {value.strip()!r} is not a number") from None
        if number < 0:
            raise ValueError(f"{name}: a weight is not negative (deductions are subtracted)")
        weights[name] = number
    if not any(weights[p] for p in PARTS):
        raise ValueError("at least one of " + ", ".join(PARTS) + " needs a weight above 0")
    return weights


@dataclass(frozen=True)
class ScorePart:
    """One line of how a score was made: a part's value (0–100) and weight, or a deduction's
    count and points per occurrence."""

    name: str
    value: float
    weight: float


@dataclass(frozen=True)
class Score:
    """The overall score (None without any measured part) and the parts it was made of."""

    total: float | None
    parts: tuple[ScorePart, ...]
    deductions: tuple[ScorePart, ...]


def rating_points(average: float | None) -> float | None:
    """An average rating 1–5 as 0–100 (1 → 0, 5 → 100)."""
    return None if average is None else round((average - 1) / 4 * 100, 1)


def compute_score(values: dict[str, float | None], counts: dict[str, int],
                  weights: dict[str, float]) -> Score:
    """The weighted average of the measured parts (`values`, 0–100; None: not measured, left
    out of the average) minus the deductions (`counts` × their weight), held to 0–100."""
    parts = tuple(ScorePart(name, values[name], weights[name]) for name in PARTS
                  if values.get(name) is not None and weights[name])
    deductions = tuple(ScorePart(name, counts.get(name, 0), weights[name]) for name in DEDUCTIONS
                       if counts.get(name, 0) and weights[name])
    weight = sum(p.weight for p in parts)
    if not weight:
        return Score(None, parts, deductions)
    average = sum(p.value * p.weight for p in parts) / weight
    total = average - sum(d.value * d.weight for d in deductions)
    return Score(round(min(100.0, max(0.0, total)), 1), parts, deductions)
