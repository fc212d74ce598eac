"""The digest capability: who may see it, each manager's settings, and the daily, weekly and
monthly deliveries (each claimed with a conditional UPDATE, so several instances never send one
twice)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from bot.core.errors import InvalidState, require_role
from bot.services.digest import figures as digest
from bot.services.digest.figures import SECTIONS, Digest, Sources
from bot.services.digest.more_sections import MoreSources
from bot.services.digest.period import PERIODS, Period
from bot.services.dorms import DormService
from bot.services.people import holders
from bot.services.stock import StockAlertService
from models.digest import DigestSubscription
from models.people import Person

DIGEST_ROLES = ("manager",)  # admins hold every role
TIMES = ((7, 0), (8, 0), (9, 0))
DEFAULT_TIME = (8, 0)
# per period: the subscription flag, the column claimed on delivery, and the day it goes out
PERIOD_COLUMNS = {"day": ("enabled", "last_sent_on"), "week": ("weekly", "last_week_sent_on"),
                  "month": ("monthly", "last_month_sent_on")}


def _delivery_day(kind: str, today: date) -> bool:
    """Whether a `kind` digest goes out on local date `today` (daily, Mondays, the 1st)."""
    return kind == "day" or (kind == "week" and today.weekday() == 0) or (
        kind == "month" and today.day == 1)


@dataclass
class DigestSettings:
    """A manager's delivery time, which digests are switched on, and the chosen sections."""

    time: tuple[int, int]
    periods: tuple[str, ...]
    sections: tuple[str, ...]


class DigestService:
    """Builds digests for managers and keeps their delivery settings."""

    def __init__(self, timezone: str, stock: StockAlertService | None = None,
                 dorms: DormService | None = None, low_rating: int = 2):
        self.tz = ZoneInfo(timezone)
        self.stock = stock
        self.dorms = dorms
        self.low_rating = low_rating
        self.more: MoreSources | None = None  # the capabilities behind the extra sections

    def local_today(self, now: datetime | None = None) -> date:
        """Today's date in the service's time zone."""
        return (now or datetime.now(UTC)).astimezone(self.tz).date()

    def span(self, which: str, now: datetime | None = None) -> Period:
        """The span `which` asks for: "today" (so far), "day" (yesterday), "week" (last full
        Monday–Sunday week) or "month" (last full calendar month), in local time."""
        today = self.local_today(now)
        if which == "today":
            return Period.containing("day", today)
        if which not in PERIODS:
            raise InvalidState("digest.bad_choice")
        return Period.last_full(which, today)

    async def for_manager(self, person: Person | None, today: bool = False,
                          now: datetime | None = None, which: str | None = None) -> Digest:
        """The digest `which` asks for (see `span`; by default yesterday's, or today's so far
        with `today`), with the manager's sections."""
        require_role(person, *DIGEST_ROLES)
        assert person is not None
        settings = await self.settings(person)
        period = self.span(which or ("today" if today else "day"), now)
        return await self.build(person, period, settings.sections)

    async def build(self, viewer: Person, span: date | Period,
                    sections: tuple[str, ...]) -> Digest:
        """The digest of a local day (a date) or a day, week or month (a Period) as `viewer` (a
        manager) sees it."""
        require_role(viewer, *DIGEST_ROLES)
        sources = Sources(self.stock, self.dorms, viewer, self.low_rating, self.more)
        return await digest.build(span, self.tz, sections, sources)

    async def settings(self, person: Person) -> DigestSettings:
        """A manager's settings (the defaults without a stored row)."""
        require_role(person, *DIGEST_ROLES)
        row = await DigestSubscription.get_or_none(person_id=person.id)
        if row is None:
            return DigestSettings(DEFAULT_TIME, ("day",), SECTIONS)
        chosen = tuple(s for s in SECTIONS if s in (row.sections or []))
        periods = tuple(k for k in PERIODS if getattr(row, PERIOD_COLUMNS[k][0]))
        return DigestSettings((row.hour, row.minute), periods, chosen)

    async def _row(self, person: Person) -> DigestSubscription:
        row = await DigestSubscription.get_or_none(person_id=person.id)
        if row is not None:
            return row
        try:
            return await DigestSubscription.create(
                person_id=person.id, hour=DEFAULT_TIME[0], minute=DEFAULT_TIME[1],
                sections=list(SECTIONS))
        except IntegrityError:
            return await DigestSubscription.get(person_id=person.id)

    async def set_time(self, person: Person, value: str) -> DigestSettings:
        """Set the delivery time to one of 07:00/08:00/09:00 ("0700"…); "off" (the button of
        older settings cards) switches the daily digest off."""
        require_role(person, *DIGEST_ROLES)
        row = await self._row(person)
        if value == "off":
            row.enabled = False
        else:
            choice = next((t for t in TIMES if f"{t[0]:02d}{t[1]:02d}" == value), None)
            if choice is None:
                raise InvalidState("digest.bad_choice")
            row.hour, row.minute = choice
        await row.save(update_fields=["enabled", "hour", "minute", "updated_at"])
        return await self.settings(person)

    async def toggle_period(self, person: Person, kind: str) -> DigestSettings:
        """Switch the daily ("day"), weekly ("week") or monthly ("month") digest on or off."""
        require_role(person, *DIGEST_ROLES)
        if kind not in PERIODS:
            raise InvalidState("digest.bad_choice")
        row = await self._row(person)
        flag = PERIOD_COLUMNS[kind][0]
        setattr(row, flag, not getattr(row, flag))
        await row.save(update_fields=[flag, "updated_at"])
        return await self.settings(person)

    async def toggle_section(self, person: Person, section: str) -> DigestSettings:
        """Show or hide one section (at least one stays chosen)."""
        require_role(person, *DIGEST_ROLES)
        if section not in SECTIONS:
            raise InvalidState("digest.bad_choice")
        row = await self._row(person)
        chosen = set(row.sections or [])
        chosen ^= {section}
        if not chosen:
            raise InvalidState("digest.need_section")
        row.sections = [s for s in SECTIONS if s in chosen]
        await row.save(update_fields=["sections", "updated_at"])
        return await self.settings(person)

    async def due_managers(self, now: datetime) -> list[tuple[Person, tuple[str, ...], Period]]:
        """The digests due at `now` and not sent yet: (manager, sections, span) for yesterday
        (every day), last week (Mondays) and last month (the 1st), once the manager's time has
        come. Each is claimed (its last_*_sent_on set to today) so no other instance sends it."""
        local = now.astimezone(self.tz)
        today = local.date()
        claimed = []
        for person in await holders(*DIGEST_ROLES).order_by("id"):
            row = await DigestSubscription.get_or_none(person_id=person.id)
            if (local.hour, local.minute) < ((row.hour, row.minute) if row else DEFAULT_TIME):
                continue
            for kind in PERIODS:
                flag, sent = PERIOD_COLUMNS[kind]
                switched_on = getattr(row, flag) if row is not None else kind == "day"
                if not (switched_on and _delivery_day(kind, today)) or (
                        row is not None and getattr(row, sent) == today):
                    continue
                row = row or await self._row(person)
                won = await DigestSubscription.filter(
                    Q(**{f"{sent}__isnull": True}) | Q(**{f"{sent}__lt": today}), id=row.id
                ).update(**{sent: today})
                if won:
                    chosen = tuple(s for s in SECTIONS if s in (row.sections or []))
                    claimed.append((person, chosen, Period.last_full(kind, today)))
        return claimed
