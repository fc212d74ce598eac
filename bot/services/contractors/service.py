"""Contractor / service scoring by departments (服务单位考评): managers define the service units,
their criteria and the departments' scorers; each month every department's scorer gets one card
per unit; at the close the results (satisfaction against the target) go to the managers, with a
warning for a unit below the target two months running."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

import bot.services.contractors.rules as rules
from bot.core.errors import InvalidState, NotFound, PermissionDenied, require_role
from bot.core.types import Reply
from bot.delivery.notifier import PRIORITY_BULK, PRIORITY_STAFF_ALERT, Notifier
from bot.services.contractors.results import UnitResult, below_twice, month_results
from bot.services.contractors.views import card_invitation, results_text, warning_text
from bot.services.people import find_by_login, holders
from bot.services.scorecards import Month
from models.contractors import (
    ContractorWarning,
    DepartmentScorer,
    ScoringAnswer,
    ScoringCard,
    ScoringRound,
    ServiceUnit,
)
from models.people import Person

MANAGERS = ("manager",)
LEASE = timedelta(minutes=5)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class CardProgress:
    """A card being filled in: its unit, month, the scores given so far (by position) and the
    next criterion to score (None: every score given, the comment is next)."""

    card: ScoringCard
    unit: ServiceUnit
    month: str
    scores: dict[int, int]

    @property
    def next_position(self) -> int | None:
        """The first criterion (0-based) without a score."""
        return next((i for i in range(len(self.card.criteria)) if i not in self.scores), None)


class ContractorService:
    """Service units, scorers, the monthly rounds and their results."""

    def __init__(self, timezone: str, target: float, scoring_days: int, send_hour: int,
                 notifier: Notifier | None = None):
        self.tz = ZoneInfo(timezone)
        self.target = target
        self.scoring_days = scoring_days
        self.send_hour = send_hour
        self.notifier = notifier

    # --- set-up (managers) -------------------------------------------------------------------

    async def units(self, viewer: Person | None) -> list[ServiceUnit]:
        """The active units by name."""
        require_role(viewer, *MANAGERS)
        return await ServiceUnit.filter(active=True).order_by("name")

    async def add_unit(self, viewer: Person | None, name: str, scope: str, contacts: str,
                       departments: str, criteria: str) -> ServiceUnit:
        """Define a unit (or update the one of that name)."""
        require_role(viewer, *MANAGERS)
        values = {"scope": rules.check_text(scope), "contacts": rules.check_text(contacts),
                  "departments": rules.check_departments(departments),
                  "criteria": rules.check_criteria(criteria), "active": True}
        unit, created = await ServiceUnit.get_or_create(name=rules.check_name(name),
                                                        defaults=values)
        if not created:
            await unit.update_from_dict(values).save()
        return unit

    async def _unit(self, name: str) -> ServiceUnit:
        unit = await ServiceUnit.get_or_none(name=" ".join(name.split()), active=True)
        if unit is None:
            raise NotFound("contractors.no_such_unit", name=name[:40])
        return unit

    async def set_criteria(self, viewer: Person | None, name: str, criteria: str) -> ServiceUnit:
        """Replace a unit's criteria (cards already sent keep theirs)."""
        require_role(viewer, *MANAGERS)
        unit = await self._unit(name)
        unit.criteria = rules.check_criteria(criteria)
        await unit.save(update_fields=["criteria"])
        return unit

    async def remove_unit(self, viewer: Person | None, name: str) -> ServiceUnit:
        """Stop scoring a unit (its past results stay)."""
        require_role(viewer, *MANAGERS)
        unit = await self._unit(name)
        unit.active = False
        await unit.save(update_fields=["active"])
        return unit

    async def set_scorer(self, viewer: Person | None, department: str, login: str) -> Person:
        """Make the person (by phone, staff id or exact name) their department's scorer."""
        require_role(viewer, *MANAGERS)
        department = " ".join(department.split())
        person = await find_by_login(login) or await Person.filter(
            name=login.strip(), active=True).order_by("id").first()
        if person is None:
            raise NotFound("contractors.no_such_person", login=login[:40])
        if person.department != department:
            raise InvalidState("contractors.other_department", name=person.name,
                               department=person.department or "-", wanted=department)
        await DepartmentScorer.update_or_create(department=department,
                                                defaults={"person_id": person.id})
        return person

    async def scorers(self, viewer: Person | None) -> dict[str, Person]:
        """Each department's scorer."""
        require_role(viewer, *MANAGERS)
        rows = await DepartmentScorer.all().prefetch_related("person")
        return {row.department: row.person for row in rows}

    # --- scoring (the departments' scorers) -----------------------------------------------------

    async def progress(self, person: Person | None, card_id: int) -> CardProgress:
        """The card `card_id` as its scorer fills it in; refused to anyone else, and once the
        round closed."""
        if person is None:
            raise PermissionDenied()
        card = await ScoringCard.get_or_none(id=card_id).prefetch_related("round", "unit")
        if card is None:
            raise NotFound("contractors.no_such_card")
        if card.scorer_id != person.id or person.department != card.department:
            raise PermissionDenied("contractors.not_your_card")
        month = card.round.month
        if card.round.closed_at is not None:
            raise InvalidState("contractors.card_closed", unit=card.unit.name, month=month)
        if card.submitted_at is not None:
            raise InvalidState("contractors.card_done", unit=card.unit.name, month=month)
        answers = await ScoringAnswer.filter(card_id=card.id).values_list("position", "score")
        return CardProgress(card, card.unit, month, dict(answers))

    async def score(self, person: Person | None, card_id: int, position: int,
                    score: int) -> CardProgress:
        """Store one criterion's score (the first answer stands)."""
        progress = await self.progress(person, card_id)
        rules.check_score(score)
        criteria = progress.card.criteria
        if not 0 <= position < len(criteria):
            raise InvalidState("contractors.no_such_criterion")
        await ScoringAnswer.get_or_create(card_id=card_id, position=position,
                                          defaults={"criterion": criteria[position],
                                                    "score": score})
        return await self.progress(person, card_id)

    async def submit(self, person: Person | None, card_id: int,
                     comment: str | None) -> CardProgress:
        """Finish the card with an optional comment (every criterion scored first)."""
        progress = await self.progress(person, card_id)
        text = rules.check_comment(comment)
        if progress.next_position is not None:
            raise InvalidState("contractors.scores_missing")
        await ScoringCard.filter(id=card_id, submitted_at__isnull=True).update(
            comment=text, submitted_at=_now())
        progress.card.comment = text
        return progress

    # --- results ---------------------------------------------------------------------------------

    async def results(self, viewer: Person | None, month: Month) -> list[UnitResult]:
        """Every unit's results of `month` (managers only)."""
        require_role(viewer, *MANAGERS)
        return await month_results(month, self.target)

    async def summary(self, start: datetime, end: datetime) -> list[UnitResult] | None:
        """For the monthly digest: the results of the month [start, end) is (None when the
        span is not one calendar month)."""
        local = start.astimezone(self.tz)
        month = Month(local.year, local.month)
        if month.bounds(self.tz) != (start, end):
            return None
        return await month_results(month, self.target)

    # --- the monthly round (the periodic job) -----------------------------------------------------

    async def tick(self, now: datetime | None = None) -> tuple[int, int]:
        """Close the rounds that are due (results and warnings to the managers), then open last
        month's round from the 1st at the send hour. Returns (cards sent, rounds closed)."""
        now = (now or _now()).astimezone(UTC)  # stored instants compare in UTC
        closed = 0
        for rnd in await ScoringRound.filter(closed_at__isnull=True).order_by("month"):
            superseded = rnd.month < str(Month.last_full(now, self.tz))
            if (rnd.closes_at <= now or superseded) and await self.close(rnd, now):
                closed += 1
        local = now.astimezone(self.tz)
        if local.day == 1 and local.hour < self.send_hour:
            return 0, closed
        return await self.open_round(Month.last_full(now, self.tz), now), closed

    async def open_round(self, month: Month, now: datetime) -> int:
        """Make `month`'s round and send its cards (once: claimed with a lease, each card's
        message keyed per identity); returns how many cards were queued."""
        closes = now + timedelta(days=self.scoring_days)
        try:
            rnd, _ = await ScoringRound.get_or_create(
                month=str(month), defaults={"opened_at": now, "closes_at": closes})
        except IntegrityError:
            rnd = await ScoringRound.get(month=str(month))
        if rnd.fanout_done or rnd.closed_at is not None:
            return 0
        won = await ScoringRound.filter(
            Q(lease_until__isnull=True) | Q(lease_until__lt=now), id=rnd.id, fanout_done=False
        ).update(lease_until=now + LEASE)
        if not won:
            return 0
        scorers = {row.department: row.person_id for row in await DepartmentScorer.all()}
        units = await ServiceUnit.filter(active=True).order_by("id")
        for unit in units:
            for department in unit.departments:
                if department in scorers:
                    await ScoringCard.get_or_create(
                        round_id=rnd.id, unit_id=unit.id, department=department,
                        defaults={"scorer_id": scorers[department],
                                  "criteria": list(unit.criteria)})
        sent = 0
        cards = await ScoringCard.filter(round_id=rnd.id).prefetch_related("unit", "scorer")
        for card in cards:
            if card.scorer is not None and card.scorer.active:
                reply = card_invitation(card, str(month), rnd.closes_at, self.tz,
                                        self._t, card.scorer.locale)
                sent += await self._send(card.scorer, [reply], f"ctr:card:{card.id}")
        await ScoringCard.filter(round_id=rnd.id, sent_at__isnull=True).update(sent_at=now)
        await ScoringRound.filter(id=rnd.id).update(fanout_done=True)
        return sent

    async def close(self, rnd: ScoringRound, now: datetime) -> bool:
        """Close a round (once): results to the managers, a warning for each unit below the
        target two months running."""
        won = await ScoringRound.filter(id=rnd.id, closed_at__isnull=True).update(closed_at=now)
        if not won:
            return False
        month = Month.parse(rnd.month)
        results = await month_results(month, self.target)
        managers = await holders(*MANAGERS).order_by("id")
        warned = []
        for result in results:
            if below_twice(result):
                try:
                    async with in_transaction():
                        await ContractorWarning.create(unit_id=result.unit.id, month=rnd.month,
                                                       satisfaction=result.satisfaction)
                    warned.append(result)
                except IntegrityError:
                    pass  # told before
        for manager in managers:
            replies = [Reply(text=results_text(results, month, self._t, manager.locale))]
            await self._send(manager, replies, f"ctr:results:{rnd.month}")
            for result in warned:
                await self._send(manager, [Reply(text=warning_text(result, self._t,
                                                                    manager.locale))],
                                 f"ctr:warn:{rnd.month}:{result.unit.id}",
                                 PRIORITY_STAFF_ALERT)
        await ScoringRound.filter(id=rnd.id).update(results_sent=True)
        return True

    @property
    def _t(self):
        assert self.notifier is not None
        return self.notifier.translator

    async def _send(self, person: Person, replies: list[Reply], key: str,
                    priority: int = PRIORITY_BULK) -> int:
        """Queue `replies` to `person` (once per identity); 1 when they have an identity."""
        assert self.notifier is not None
        return min(1, await self.notifier.push_replies(person, replies, key, priority))
