"""The digest capability: who may see it, each manager's settings, and the daily delivery
(claimed with a conditional UPDATE, so several instances never send it twice)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from bot.services import digest
from bot.services.digest import SECTIONS, Digest, Sources
from bot.services.dorms import DormService
from bot.services.errors import InvalidState, require_role
from bot.services.stock_alerts import StockAlertService
from models.digest import DigestSubscription
from models.people import Person

DIGEST_ROLES = ("manager",)  # admins hold every role
TIMES = ((7, 0), (8, 0), (9, 0))
DEFAULT_TIME = (8, 0)


@dataclass
class DigestSettings:
    """A manager's delivery time (None when switched off) and chosen sections."""

    time: tuple[int, int] | None
    sections: tuple[str, ...]


class DigestService:
    """Builds digests for managers and keeps their delivery settings."""

    def __init__(self, timezone: str, stock: StockAlertService | None = None,
                 dorms: DormService | None = None, low_rating: int = 2):
        self.tz = ZoneInfo(timezone)
        self.stock = stock
        self.dorms = dorms
        self.low_rating = low_rating

    def local_today(self, now: datetime | None = None) -> date:
        """Today's date in the service's time zone."""
        return (now or datetime.now(UTC)).astimezone(self.tz).date()

    async def for_manager(self, person: Person | None, today: bool = False,
                          now: datetime | None = None) -> Digest:
        """Today's digest so far (`today`) or yesterday's, with the manager's sections."""
        require_role(person, *DIGEST_ROLES)
        assert person is not None
        settings = await self.settings(person)
        day = self.local_today(now) - (timedelta(0) if today else timedelta(days=1))
        return await self.build(person, day, settings.sections)

    async def build(self, viewer: Person, day: date, sections: tuple[str, ...]) -> Digest:
        """The digest of `day` as `viewer` (a manager) sees it."""
        require_role(viewer, *DIGEST_ROLES)
        sources = Sources(self.stock, self.dorms, viewer, self.low_rating)
        return await digest.build(day, self.tz, sections, sources)

    async def settings(self, person: Person) -> DigestSettings:
        """A manager's settings (the defaults without a stored row)."""
        require_role(person, *DIGEST_ROLES)
        row = await DigestSubscription.get_or_none(person_id=person.id)
        if row is None:
            return DigestSettings(DEFAULT_TIME, SECTIONS)
        chosen = tuple(s for s in SECTIONS if s in (row.sections or []))
        return DigestSettings((row.hour, row.minute) if row.enabled else None, chosen)

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
        """Set the delivery time to one of 07:00/08:00/09:00 ("0700"…), or "off"."""
        require_role(person, *DIGEST_ROLES)
        row = await self._row(person)
        if value == "off":
            row.enabled = False
        else:
            choice = next((t for t in TIMES if f"{t[0]:02d}{t[1]:02d}" == value), None)
            if choice is None:
                raise InvalidState("digest.bad_choice")
            row.enabled, (row.hour, row.minute) = True, choice
        await row.save(update_fields=["enabled", "hour", "minute", "updated_at"])
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

    async def due_managers(self, now: datetime) -> list[tuple[Person, tuple[str, ...]]]:
        """Managers whose digest is due today at `now` and who were not sent it yet, each
        claimed (last_sent_on set to today) so that no other instance sends it too."""
        local = now.astimezone(self.tz)
        today = local.date()
        claimed = []
        for person in await Person.filter(active=True).order_by("id"):
            if not person.has_role(*DIGEST_ROLES):
                continue
            row = await DigestSubscription.get_or_none(person_id=person.id)
            hour, minute = (row.hour, row.minute) if row else DEFAULT_TIME
            if (row is not None and not row.enabled) or (local.hour, local.minute) < (
                    hour, minute):
                continue
            if row is not None and row.last_sent_on == today:
                continue
            row = row or await self._row(person)
            won = await DigestSubscription.filter(
                Q(last_sent_on__isnull=True) | Q(last_sent_on__lt=today), id=row.id
            ).update(last_sent_on=today)
            if won:
                chosen = tuple(s for s in SECTIONS if s in (row.sections or []))
                claimed.append((person, chosen))
        return claimed
