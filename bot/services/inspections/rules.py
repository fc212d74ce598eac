"""The rules of inspection rounds that need no database: who may walk and manage rounds,
readings (parsing, the allowed range), what a problem needs, and the schedule rules, turned
into APScheduler cron triggers.

`daily HH:MM`, `weekly mon[,thu…] HH:MM` (or 1-7, Monday = 1), `monthly D HH:MM` (a day past
the month's end means its last day: 31 → 30 April, 28/29 February) or `cron <5 fields>`
(minute hour day month weekday), all in the configured time zone.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

from bot.core.errors import ServiceError
from models.inspections import InspectionItem

ROUND_ROLES = ("worker", "manager")
ADMIN_ROLES = ("manager",)
MAX_NOTE = 500
_NUMBER = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*(.*?)\s*$")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
# months that have at least 29 / 30 days (February only sometimes / never)
_MONTHS_WITH = {29: "1,3-12", 30: "1,3-12"}


def utc(now: datetime | None) -> datetime:
    """`now` in UTC (the current moment when None)."""
    return (now or datetime.now(UTC)).astimezone(UTC)


def parse_reading(text: str, unit: str | None = None) -> float:
    """A typed reading: "0.35", "0,35", "０.３５", "0.35 MPa" (the item's unit may follow)."""
    clean = unicodedata.normalize("NFKC", text or "").replace(",", ".")
    found = _NUMBER.match(clean)
    if not found or (found[2] and found[2].lower() != (unit or "").lower()):
        raise ServiceError("inspections.not_a_number", text=(text or "")[:30])
    return float(found[1])


def in_range(item: InspectionItem, value: float) -> bool:
    """Whether a reading lies within the item's allowed range (bounds included)."""
    if item.min_value is not None and value < item.min_value:
        return False
    return item.max_value is None or value <= item.max_value


def check_answer(item: InspectionItem, ok: bool, note: str, photo_ids: list[int],
                 video_ids: list[int] | None = None, voice_ids: list[int] | None = None) -> None:
    """A problem needs a few words or a file (photo, video, voice note), and a photo or a
    video when the item asks for visual proof."""
    if ok:
        return
    if item.photo_required and not (photo_ids or video_ids):
        raise ServiceError("inspections.photo_required")
    if not note.strip() and not (photo_ids or video_ids or voice_ids):
        raise ServiceError("inspections.need_something")


def _time(text: str, rule: str) -> tuple[int, int]:
    found = _TIME.match(text)
    if not found:
        raise ServiceError("inspections.bad_rule", rule=rule)
    return int(found[1]), int(found[2])


def _weekdays(text: str, rule: str) -> str:
    days = []
    for part in text.lower().split(","):
        part = part.strip()
        if part.isdigit() and 1 <= int(part) <= 7:
            days.append(WEEKDAYS[int(part) - 1])
        elif part[:3] in WEEKDAYS and part:
            days.append(part[:3])
        else:
            raise ServiceError("inspections.bad_rule", rule=rule)
    return ",".join(days)


def _cron_weekdays(field: str) -> str:
    """Standard cron weekdays (0 or 7 = Sunday, 1 = Monday) as names: APScheduler 3 counts
    from Monday = 0, so numbers are spelled out before they reach it."""
    if field == "*" or not any(ch.isdigit() for ch in field):
        return field
    names = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
    days: list[str] = []
    for term in field.split(","):
        low, _, high = term.partition("-")
        if not low.isdigit() or (high and not high.isdigit()):
            raise ValueError(term)
        first, last = int(low), int(high or low)
        if not 0 <= first <= last <= 7:
            raise ValueError(term)
        days += [names[n] for n in range(first, last + 1) if names[n] not in days]
    return ",".join(days)


def _monthly(day: int, hour: int, minute: int, tz: ZoneInfo) -> BaseTrigger:
    if day >= 31:
        return CronTrigger(day="last", hour=hour, minute=minute, timezone=tz)
    if day in _MONTHS_WITH:  # the 29th/30th, and February's last day instead
        return OrTrigger([
            CronTrigger(month=_MONTHS_WITH[day], day=day, hour=hour, minute=minute, timezone=tz),
            CronTrigger(month=2, day="last", hour=hour, minute=minute, timezone=tz),
        ])
    return CronTrigger(day=day, hour=hour, minute=minute, timezone=tz)


def parse_rule(rule: str, timezone: str) -> BaseTrigger:
    """The trigger for a rule text; a rule that cannot be read raises inspections.bad_rule."""
    tz = ZoneInfo(timezone)
    words = rule.split()
    if not words:
        raise ServiceError("inspections.bad_rule", rule=rule)
    kind = words[0].lower()
    try:
        if kind == "daily" and len(words) == 2:
            hour, minute = _time(words[1], rule)
            return CronTrigger(hour=hour, minute=minute, timezone=tz)
        if kind == "weekly" and len(words) == 3:
            hour, minute = _time(words[2], rule)
            days = _weekdays(words[1], rule)
            return CronTrigger(day_of_week=days, hour=hour, minute=minute, timezone=tz)
        if kind == "monthly" and len(words) == 3 and words[1].isdigit():
            day = int(words[1])
            if not 1 <= day <= 31:
                raise ServiceError("inspections.bad_rule", rule=rule)
            hour, minute = _time(words[2], rule)
            return _monthly(day, hour, minute, tz)
        if kind == "cron" and len(words) == 6:
            minute_f, hour_f, day_f, month_f, weekday_f = words[1:]
            return CronTrigger(minute=minute_f, hour=hour_f, day=day_f, month=month_f,
                               day_of_week=_cron_weekdays(weekday_f), timezone=tz)
    except ValueError as exc:
        raise ServiceError("inspections.bad_rule", rule=rule) from exc
    raise ServiceError("inspections.bad_rule", rule=rule)


def next_fire(trigger: BaseTrigger, after: datetime) -> datetime | None:
    """The first fire time strictly after `after` (aware), in UTC (so one moment is always
    stored the same way), or None when there is none."""
    found = trigger.get_next_fire_time(None, after + timedelta(microseconds=1))
    return found.astimezone(UTC) if found is not None else None


def fire_times(trigger: BaseTrigger, after: datetime, until: datetime) -> list[datetime]:
    """Every fire time in (after, until]."""
    times: list[datetime] = []
    current = after
    while True:
        nxt = next_fire(trigger, current)
        if nxt is None or nxt > until:
            return times
        if nxt <= current:  # never loop on a trigger that does not move on
            return times
        times.append(nxt)
        current = nxt
