"""Worker scorecards (考核): each worker's month from the stored work, the ranking and the team
(zone) cards for managers, the monthly delivery (once, however many instances) and the CSV for
performance pay (绩效工资)."""

from __future__ import annotations

import contextlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from bot.config import Settings
from bot.core.errors import NotFound, PermissionDenied, require_role
from bot.core.types import Reply
from bot.delivery.notifier import PRIORITY_BULK, Notifier
from bot.services.csv_format import write_csv
from bot.services.people import holders
from bot.services.repairs import load_sla_config
from bot.services.scorecards.figures import WorkerFigures, month_figures, sum_figures
from bot.services.scorecards.rules import (
    Month,
    Score,
    compute_score,
    parse_weights,
    rating_points,
)
from bot.services.scorecards.views import manager_messages, worker_message
from models.people import Person
from models.scorecards import ScorecardRun

VIEW_ROLES = ("worker", "manager")
MANAGERS = ("manager",)
LEASE = timedelta(minutes=5)
CSV_COLUMNS = (
    "month", "rank", "person_id", "name", "zone", "score", "jobs_done", "sla_tickets",
    "response_sla_pct", "resolution_sla_pct", "median_response_min", "median_resolution_min",
    "rating_avg", "rating_count", "low_ratings", "reopened", "repeat_failures",
    "declined_offers", "rounds_done", "rounds_missed", "pm_done", "pm_on_time",
)


@dataclass
class Card:
    """One worker's (or team's) month: who, the figures and the score made of them."""

    name: str
    figures: WorkerFigures
    score: Score
    person: Person | None = None
    rank: int | None = None


@dataclass
class MonthCards:
    """A month's cards: the workers ranked by score (unscored last), and one per zone."""

    month: Month
    ranked: list[Card] = field(default_factory=list)
    zones: list[Card] = field(default_factory=list)


def _is_worker(person: Person) -> bool:
    return "worker" in (person.roles or [])


class ScorecardService:
    """Computes and delivers the scorecards; a worker sees only their own."""

    def __init__(self, timezone: str, weights: dict[str, float], low_rating: int,
                 send_hour: int, notifier: Notifier | None = None):
        self.tz = ZoneInfo(timezone)
        self.weights = weights
        self.low_rating = low_rating
        self.send_hour = send_hour
        self.notifier = notifier

    @classmethod
    def from_settings(cls, settings: Settings, notifier: Notifier | None = None
                      ) -> ScorecardService:
        """The service as HOUQIN_* settings configure it (weights, send hour, the SLA file's
        low-rating threshold)."""
        low = load_sla_config(settings.sla_file).low_rating
        return cls(settings.timezone, parse_weights(settings.score_weights), low,
                   settings.scorecard_hour, notifier=notifier)

    def month(self, text: str | None, now: datetime | None = None) -> Month:
        """The month named by `text` ("YYYY-MM"), by default last month."""
        if text:
            return Month.parse(text)
        return Month.last_full(now or datetime.now(UTC), self.tz)

    def score_of(self, f: WorkerFigures) -> Score:
        """The overall score of a worker's (or team's) figures with the configured weights."""
        values = {"response": f.response_pct, "resolution": f.resolution_pct,
                  "rating": rating_points(f.rating_total / f.rating_count
                                          if f.rating_count else None),
                  "rounds": f.rounds_pct, "pm": f.pm_pct}
        counts = {"reopened": f.reopened, "repeat": f.repeat, "declined": f.declined}
        return compute_score(values, counts, self.weights)

    async def month_cards(self, month: Month) -> MonthCards:
        """Every worker's card of `month` (active workers, and anyone with work recorded)."""
        start, end = month.bounds(self.tz)
        figures = await month_figures(start, end, self.tz, self.low_rating)
        people = await Person.filter(Q(active=True) | Q(id__in=list(figures.workers)))
        cards = [Card(p.name, figures.of(p.id), self.score_of(figures.of(p.id)), p)
                 for p in people if _is_worker(p) or p.id in figures.workers]
        cards.sort(key=lambda c: (c.score.total is None, -(c.score.total or 0), c.name))
        for rank, card in enumerate(cards, start=1):
            card.rank = rank if card.score.total is not None else None
        by_zone: dict[str, list[WorkerFigures]] = defaultdict(list)
        for card in cards:
            if card.person is not None and card.person.zone:
                by_zone[card.person.zone].append(card.figures)
        zones = [Card(zone, total, self.score_of(total))
                 for zone, members in sorted(by_zone.items())
                 for total in [sum_figures(0, members)]]
        return MonthCards(month, cards, zones)

    async def card(self, viewer: Person | None, month: Month, name: str | None = None) -> Card:
        """The card of `name` (by default the viewer's own); only managers see another's."""
        require_role(viewer, *VIEW_ROLES)
        assert viewer is not None
        target = viewer
        if name and name.strip() not in (viewer.name, str(viewer.id)):
            if not viewer.has_role(*MANAGERS):
                raise PermissionDenied("scorecards.only_own")
            target = await self._find(name.strip())
        cards = await self.month_cards(month)
        found = next((c for c in cards.ranked if c.person and c.person.id == target.id), None)
        if found is None:
            empty = WorkerFigures(target.id)
            return Card(target.name, empty, self.score_of(empty), target)
        return found

    async def _find(self, name: str) -> Person:
        """A person by exact name (or id); NotFound otherwise."""
        query = Q(name=name) | Q(id=int(name)) if name.isdigit() else Q(name=name)
        matches = await Person.filter(query).order_by("id")
        if len(matches) != 1:
            raise NotFound("scorecards.no_such_worker", name=name[:40])
        return matches[0]

    async def ranking(self, viewer: Person | None, month: Month) -> MonthCards:
        """All cards of `month`, ranked, with the zone cards (managers only)."""
        require_role(viewer, *MANAGERS)
        return await self.month_cards(month)

    # --- the monthly delivery ------------------------------------------------------------------

    async def tick(self, now: datetime | None = None) -> int:
        """From the 1st at the send hour (local): last month's cards to every worker and the
        ranking to every manager, once. Returns how many people it went to (0: not due, done
        or held by another instance)."""
        now = (now or datetime.now(UTC)).astimezone(UTC)  # stored instants compare in UTC
        local = now.astimezone(self.tz)
        if local.hour < self.send_hour and local.day == 1:
            return 0
        month = Month.last_full(now, self.tz)
        with contextlib.suppress(IntegrityError):  # another instance made it at the same moment
            await ScorecardRun.get_or_create(month=str(month))
        won = await ScorecardRun.filter(
            Q(lease_until__isnull=True) | Q(lease_until__lt=now), month=str(month),
            done_at__isnull=True).update(lease_until=now + LEASE)
        if not won:
            return 0
        sent = await self.deliver(month)
        await ScorecardRun.filter(month=str(month)).update(done_at=now, cards=sent)
        return sent

    async def deliver(self, month: Month) -> int:
        """Queue each worker's card and the managers' ranking (idempotency keys per month and
        identity, so a delivery run again after a restart sends nothing twice)."""
        assert self.notifier is not None
        t = self.notifier.translator
        cards = await self.month_cards(month)
        people = 0
        for card in cards.ranked:
            if card.person is not None and card.person.active and _is_worker(card.person):
                reply = worker_message(card, month, t, card.person.locale)
                people += await self._send(card.person, [reply], f"score:{month}")
        managers = await holders(*MANAGERS).order_by("id")
        for manager in managers:
            people += await self._send(
                manager, manager_messages(cards, t, manager.locale), f"score:{month}:m")
        return people

    async def _send(self, person: Person, replies: list[Reply], key: str,
                    priority: int = PRIORITY_BULK) -> int:
        """Queue `replies` to `person` (once per identity); 1 when they have an identity."""
        assert self.notifier is not None
        return min(1, await self.notifier.push_replies(person, replies, key, priority))

    # --- export ----------------------------------------------------------------------------------

    async def export(self, path: str | Path, month: Month) -> int:
        """Write `month`'s cards (ranked) to a CSV for performance pay; the row count."""
        cards = await self.month_cards(month)
        return write_csv(path, CSV_COLUMNS, (
            (str(month), c.rank or "", c.person.id if c.person else "", c.name,
             (c.person.zone if c.person else "") or "", _blank(c.score.total),
             f.jobs_done, f.sla_tickets, _blank(f.response_pct), _blank(f.resolution_pct),
             _blank(f.median_response_min), _blank(f.median_resolution_min),
             _blank(f.rating_avg), f.rating_count, f.low_ratings, f.reopened, f.repeat,
             f.declined, f.rounds_done, f.rounds_missed, f.pm_done, f.pm_on_time)
            for c in cards.ranked for f in [c.figures]))

    async def summary(self, start: datetime, end: datetime) -> MonthCards | None:
        """For the monthly digest: the ranked cards of the month [start, end) is (None when the
        span is not one calendar month)."""
        local = start.astimezone(self.tz)
        month = Month(local.year, local.month)
        if month.bounds(self.tz) != (start, end):
            return None
        return await self.month_cards(month)


def _blank(value: float | None) -> object:
    return "" if value is None else value
