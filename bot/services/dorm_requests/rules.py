"""Dorm requests, the rules for what a student types (times, dates, texts, the preferred room)
and the request record the texts show."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from bot.core.errors import ServiceError
from bot.services.dorms import Stay
from models.dorm_requests import DormRequest
from models.dorms import DormBed
from models.people import Person
from models.places import Place

MAX_REASON = 300
MAX_WHERE = 200
MAX_STAY_OUT_DAYS = 30
MAX_DAYS_AHEAD = 60
EARLY_HOURS = 6  # "01:30" typed in the evening means after midnight
_TIME = re.compile(r"^\s*(\d{1,2})\s*(?:[:：.点时]\s*(\d{1,2}|半)?\s*分?)?\s*$")
_MONTH_DAY = re.compile(r"^\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*[日号]?\s*$")


def clean_text(text: str | None, limit: int, empty_key: str) -> str:
    """Whitespace-collapsed text; ServiceError when empty or longer than `limit`."""
    cleaned = " ".join((text or "").split())
    if not cleaned:
        raise ServiceError(empty_key)
    if len(cleaned) > limit:
        raise ServiceError("dorm_requests.text_too_long", limit=limit)
    return cleaned


def parse_clock(text: str) -> time | None:
    """A typed time of day: 23:30, 23：30, 23.30, 23点半, 23点, 23."""
    found = _TIME.match(text or "")
    if not found:
        return None
    hour = int(found[1])
    minute = 30 if found[2] == "半" else int(found[2] or 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def expected_moment(clock: time, now: datetime, tz: tzinfo) -> datetime:
    """Today's `clock` in local time, or tomorrow's for small hours already past; a time that
    has passed today is refused."""
    local_now = now.astimezone(tz)
    moment = datetime.combine(local_now.date(), clock, tz)
    if moment <= local_now and clock.hour < EARLY_HOURS:
        moment += timedelta(days=1)
    if moment <= local_now:
        raise ServiceError("dorm_requests.time_passed", time=clock.strftime("%H:%M"))
    return moment


def parse_date(text: str, today: date, after_today: bool = False) -> date | None:
    """A typed date: 2026-12-03, 12-3, 12/3, 12月3日 (no year: the next such day from today,
    or after today with `after_today`)."""
    text = (text or "").strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    found = _MONTH_DAY.match(text)
    if not found:
        return None
    for year in (today.year, today.year + 1):
        try:
            day = date(year, int(found[1]), int(found[2]))
        except ValueError:
            return None
        if day > today or (day == today and not after_today):
            return day
    return None


def check_from(day: date, today: date) -> None:
    """A stay out starts today or later, at most MAX_DAYS_AHEAD days ahead."""
    if day < today:
        raise ServiceError("dorm_requests.date_past")
    if day > today + timedelta(days=MAX_DAYS_AHEAD):
        raise ServiceError("dorm_requests.date_too_far", days=MAX_DAYS_AHEAD)


def check_span(start: date, end: date, today: date) -> None:
    """The return day is not before the first day, and the span is at most 30 days."""
    check_from(start, today)
    if end < start:
        raise ServiceError("dorm_requests.date_before_from", date=start.strftime("%m-%d"))
    if (end - start).days > MAX_STAY_OUT_DAYS:
        raise ServiceError("dorm_requests.span_too_long", days=MAX_STAY_OUT_DAYS)


@dataclass
class RequestView:
    """A request with the student's stay (the bed it was filed from) and the places it names."""

    request: DormRequest
    stay: Stay
    pref_building: Place | None = None
    pref_room: Place | None = None
    new_bed: DormBed | None = None
    new_room: Place | None = None
    decided_by: Person | None = None

    @property
    def id(self) -> int:
        """The request number."""
        return self.request.id


@dataclass
class Preference:
    """What a room-change wish names: a dorm room (with its building) or a building."""

    building: Place
    room: Place | None = None


async def dorm_places() -> tuple[list[Place], list[Place]]:
    """The dorm rooms (rooms with beds) and their buildings."""
    room_ids = set(await DormBed.filter(active=True).values_list("room_id", flat=True))
    rooms = await Place.filter(id__in=room_ids, active=True).order_by("code")
    parent_ids = {r.parent_id for r in rooms if r.parent_id is not None}
    buildings = await Place.filter(id__in=parent_ids, active=True).order_by("code")
    return list(rooms), list(buildings)


def _keys(place: Place) -> list[str]:
    return [place.code.lower(), place.name_zh.lower(), place.name_en.lower()]


async def find_preference(text: str) -> Preference:
    """The dorm room or building a student names (code or name, any letter case); else
    NotFound-like ServiceError with close matches in `suggestions`."""
    wanted = " ".join((text or "").split()).lower()[:40]
    rooms, buildings = await dorm_places()
    by_id = {b.id: b for b in buildings}
    for room in rooms:
        if wanted in _keys(room) and room.parent_id in by_id:
            return Preference(by_id[room.parent_id], room)
    for building in buildings:
        if wanted in _keys(building):
            return Preference(building)
    codes = [p.code for p in (*buildings, *rooms)]
    close = difflib.get_close_matches(wanted.upper(), codes, n=4, cutoff=0.5)
    raise ServiceError("dorm_requests.unknown_place", place=text.strip()[:32],
                       suggestions=close)
