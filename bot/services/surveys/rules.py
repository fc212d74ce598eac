"""The rules of surveys that need no database: who may manage them, the limits, the checks of
a title and a question, reading a typed send time, the monthly step and the message keys."""

from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.errors import ServiceError

MANAGER_ROLES = ("manager",)  # admins hold every role
MAX_QUESTIONS = 5
MAX_TITLE = 100
MAX_PROMPT = 300
MAX_ANSWER = 500
MAX_AHEAD = timedelta(days=90)
PAST_GRACE = timedelta(minutes=1)
MORNING = (9, 0)
_WHEN = re.compile(
    r"^(?:(?:(?P<y>\d{4})[-/.])?(?P<m>\d{1,2})[-/.](?P<d>\d{1,2})\s*)?(?P<H>\d{1,2}):(?P<M>\d{2})$"
)


def now_utc() -> datetime:
    """The current moment (UTC)."""
    return datetime.now(UTC)


def message_key(survey_id: int, tag: str, person_id: int, identity_id: int) -> str:
    """The once-only key of one survey message to one identity ("i" invitation, "rm" reminder)."""
    return f"survey:{survey_id}:{tag}:{person_id}:{identity_id}"


def check_title(title: str) -> str:
    """The title, trimmed, or a ServiceError saying what is wrong."""
    title = " ".join(title.split())
    if not title:
        raise ServiceError("survey.title_empty")
    if len(title) > MAX_TITLE:
        raise ServiceError("survey.title_too_long", limit=MAX_TITLE)
    return title


def check_prompt(prompt: str) -> str:
    """A question's wording, trimmed, or a ServiceError saying what is wrong."""
    prompt = prompt.strip()
    if not prompt:
        raise ServiceError("survey.prompt_empty")
    if len(prompt) > MAX_PROMPT:
        raise ServiceError("survey.prompt_too_long", limit=MAX_PROMPT)
    return prompt


def check_send_at(send_at: datetime, now: datetime | None = None) -> datetime:
    """A send time not in the past and at most 90 days ahead."""
    now = now or now_utc()
    if send_at < now - PAST_GRACE:
        raise ServiceError("survey.when_past")
    if send_at > now + MAX_AHEAD:
        raise ServiceError("survey.when_too_far", days=MAX_AHEAD.days)
    return send_at


def tomorrow_morning(tz: ZoneInfo, now: datetime | None = None) -> datetime:
    """Tomorrow 09:00 in `tz` (as UTC)."""
    local = (now or now_utc()).astimezone(tz) + timedelta(days=1)
    at = local.replace(hour=MORNING[0], minute=MORNING[1], second=0, microsecond=0)
    return at.astimezone(UTC)


def parse_when(text: str, tz: ZoneInfo, now: datetime | None = None) -> datetime:
    """A typed time in `tz` ("2026-12-01 14:00", "12-01 14:00", "12月1日 14:00", "14:00":
    today, or tomorrow once passed) as UTC; in the future, at most 90 days on."""
    now = now or now_utc()
    text = unicodedata.normalize("NFKC", text).strip()
    text = text.replace("年", "-").replace("月", "-").replace("日", " ").replace("号", " ")
    text = re.sub(r"\s+", " ", text.replace("点", ":")).strip()
    match = _WHEN.match(text)
    if match is None:
        raise ServiceError("survey.when_unknown")
    local_now = now.astimezone(tz)
    year = int(match["y"] or local_now.year)
    month = int(match["m"] or local_now.month)
    day = int(match["d"] or local_now.day)
    try:
        at = datetime(year, month, day, int(match["H"]), int(match["M"]), tzinfo=tz)
    except ValueError:
        raise ServiceError("survey.when_unknown") from None
    if match["m"] is None and at < local_now:
        at += timedelta(days=1)
    elif match["y"] is None and at < local_now - timedelta(days=1):
        at = at.replace(year=year + 1)
    return check_send_at(at.astimezone(UTC), now)


def add_month(when: datetime, tz: ZoneInfo) -> datetime:
    """The same local day and time a month later (the month's last day when it is shorter)."""
    local = when.astimezone(tz)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day).astimezone(UTC)
