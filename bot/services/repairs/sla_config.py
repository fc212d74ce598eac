"""The SLA settings file: the shipped bot/sla.toml, merged with HOUQIN_SLA_FILE when given."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import time, timedelta
from pathlib import Path
from typing import Any

from bot.services.repairs.categories import CategorySet, shipped
from models.repairs import URGENCIES

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "sla.toml"
SAME_DAY = "same_day"
CLOCKS = ("work", "always")
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")


class SlaConfigError(ValueError):
    """The SLA file is malformed; the message names the key."""


def parse_duration(text: str, key: str = "duration") -> timedelta:
    """'30m', '1h30m', '3d' -> timedelta (a day is 24 hours here)."""
    match = _DURATION.match(str(text).strip().lower())
    if not match or not any(match.groups()):
        raise SlaConfigError(f"{key}: {text!r} is not a duration like 30m, 1h or 3d")
    days, hours, minutes = (int(g or 0) for g in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes)


def parse_clock_time(text: str, key: str) -> time | None:
    """'08:00' -> time(8, 0); '24:00' -> None (the end of the day)."""
    match = re.match(r"^(\d{1,2}):(\d{2})$", str(text).strip())
    if not match or int(match[1]) > 24 or int(match[2]) > 59:
        raise SlaConfigError(f"{key}: {text!r} is not a time of day like 08:00")
    if int(match[1]) == 24:
        if int(match[2]):
            raise SlaConfigError(f"{key}: {text!r} is past the end of the day")
        return None
    return time(int(match[1]), int(match[2]))


@dataclass(frozen=True)
class Rule:
    """Deadlines of one category and urgency. `resolution` is a timedelta or SAME_DAY."""

    response: timedelta | str
    resolution: timedelta | str
    clock: str
    remind_before: timedelta
    manager_after: timedelta


@dataclass(frozen=True)
class SlaConfig:
    """Everything the SLA file says, validated."""

    work_start: time
    work_end: time | None
    work_days: frozenset[int]
    night_urgencies: frozenset[str]
    offer_timeout: dict[str, timedelta]
    offer_valid_for: timedelta
    show_reporter_contact: bool
    done_photos_required: int
    reopen_urgency: str
    same_day_intake_until: time
    same_day_by: time
    next_morning_by: time
    rules: dict[tuple[str, str], Rule]
    followup_after: timedelta
    low_rating: int
    repeat_count: int
    repeat_within: timedelta


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _deadline(value: Any, key: str) -> timedelta | str:
    if value == SAME_DAY:
        return SAME_DAY
    return parse_duration(value, key)


def _rule(raw: dict[str, Any], key: str) -> Rule:
    try:
        clock = raw["clock"]
        if clock not in CLOCKS:
            raise SlaConfigError(f"{key}.clock: {clock!r} is not one of {', '.join(CLOCKS)}")
        return Rule(
            response=_deadline(raw["response"], f"{key}.response"),
            resolution=_deadline(raw["resolution"], f"{key}.resolution"),
            clock=clock,
            remind_before=parse_duration(raw["remind_before"], f"{key}.remind_before"),
            manager_after=parse_duration(raw["manager_after"], f"{key}.manager_after"),
        )
    except KeyError as missing:
        raise SlaConfigError(f"{key}: {missing.args[0]} is missing") from None


def _rules(data: dict[str, Any], codes: tuple[str, ...]) -> dict[tuple[str, str], Rule]:
    deadlines = data.get("deadlines", {})
    overrides = data.get("categories", {})
    for category in overrides:
        if category not in codes:
            raise SlaConfigError(f"categories.{category}: unknown category")
    rules = {}
    for urgency in URGENCIES:
        if urgency not in deadlines:
            raise SlaConfigError(f"deadlines.{urgency} is missing")
        for category in codes:
            raw = _merge(deadlines[urgency], overrides.get(category, {}).get(urgency, {}))
            rules[(category, urgency)] = _rule(raw, f"deadlines.{urgency} ({category})")
    return rules


def build_config(data: dict[str, Any], categories: CategorySet | None = None) -> SlaConfig:
    """Validate the merged settings into an SlaConfig (deadlines for each of `categories`)."""
    try:
        hours, dispatch, same = data["work_hours"], data["dispatch"], data["same_day"]
        start = parse_clock_time(hours["start"], "work_hours.start")
        end = parse_clock_time(hours["end"], "work_hours.end")
        if start is None or (end is not None and end <= start):
            raise SlaConfigError("work_hours: start must come before end")
        days = frozenset(int(d) for d in hours["days"])
        if not days or not days <= set(range(1, 8)):
            raise SlaConfigError("work_hours.days: ISO weekdays 1 to 7, at least one")
        timeouts = {u: parse_duration(dispatch["offer_timeout"][u], f"offer_timeout.{u}")
                    for u in URGENCIES}
        intake = parse_clock_time(same["intake_until"], "same_day.intake_until")
        by = parse_clock_time(same["by"], "same_day.by")
        morning = parse_clock_time(same["next_morning_by"], "same_day.next_morning_by")
        if intake is None or by is None or morning is None or intake > by or morning <= start:
            raise SlaConfigError(
                "same_day: intake_until <= by, next_morning_by after work start, before 24:00"
            )
        night = frozenset(data["night_shift"]["urgencies"])
        reopen = dispatch["reopen_urgency"]
        if not night <= set(URGENCIES) or reopen not in URGENCIES:
            raise SlaConfigError(f"urgencies must be among {', '.join(URGENCIES)}")
        return SlaConfig(
            work_start=start,
            work_end=end,
            work_days=days,
            night_urgencies=night,
            offer_timeout=timeouts,
            offer_valid_for=parse_duration(dispatch["offer_valid_for"], "offer_valid_for"),
            show_reporter_contact=bool(dispatch["show_reporter_contact"]),
            done_photos_required=max(0, int(dispatch["done_photos_required"])),
            reopen_urgency=reopen,
            same_day_intake_until=intake,
            same_day_by=by,
            next_morning_by=morning,
            rules=_rules(data, (categories or shipped()).codes),
            followup_after=parse_duration(data["followup"]["auto_close_after"], "followup"),
            low_rating=int(data["followup"]["low_rating"]),
            repeat_count=max(2, int(data["repeat_failure"]["count"])),
            repeat_within=parse_duration(data["repeat_failure"]["within"], "repeat_failure"),
        )
    except KeyError as missing:
        raise SlaConfigError(f"{missing.args[0]} is missing") from None


def load_config(path: str | Path | None = None,
                categories: CategorySet | None = None) -> SlaConfig:
    """The shipped settings, with the file at `path` (HOUQIN_SLA_FILE) merged over them, with
    deadlines for each of `categories` (the shipped ones when None)."""
    with DEFAULT_FILE.open("rb") as fh:
        data = tomllib.load(fh)
    if path:
        try:
            with Path(path).open("rb") as fh:
                data = _merge(data, tomllib.load(fh))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SlaConfigError(f"cannot read SLA file {path}: {exc}") from exc
    return build_config(data, categories)
