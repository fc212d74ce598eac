"""A round's results per service unit: satisfaction (share of 4–5 scores), the average of each
criterion, the cards answered and the trend — grouped SQL aggregates over the answers of
submitted cards."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from tortoise.expressions import Q
from tortoise.functions import Count, Sum

from bot.services.contractors.rules import SATISFIED
from bot.services.scorecards import Month
from models.contractors import ScoringAnswer, ScoringCard, ServiceUnit

TREND_MONTHS = 6


@dataclass
class UnitResult:
    """One unit's month: satisfaction % (None: no answered card), criterion averages in the
    unit's order, cards answered of those sent, and satisfaction over the last months."""

    unit: ServiceUnit
    month: Month
    satisfaction: float | None = None
    criteria: list[tuple[str, float]] = field(default_factory=list)
    cards_sent: int = 0
    cards_done: int = 0
    comments: list[str] = field(default_factory=list)
    trend: list[tuple[Month, float | None]] = field(default_factory=list)
    target: float = 90.0

    @property
    def below(self) -> bool:
        """Measured and below the target."""
        return self.satisfaction is not None and self.satisfaction < self.target


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


async def satisfaction(months: list[Month], unit_ids: list[int] | None = None
                       ) -> dict[tuple[int, str], float | None]:
    """Satisfaction % by (unit id, "YYYY-MM") over submitted cards."""
    query = ScoringAnswer.filter(card__submitted_at__isnull=False,
                                 card__round__month__in=[str(m) for m in months])
    if unit_ids is not None:
        query = query.filter(card__unit_id__in=unit_ids)
    rows = await query.annotate(n=Count("id"), good=Count("id", _filter=Q(score__gte=SATISFIED))
                                ).group_by("card__unit_id", "card__round__month").values(
        "card__unit_id", "card__round__month", "n", "good")
    return {(r["card__unit_id"], r["card__round__month"]): _pct(r["good"], r["n"]) for r in rows}


async def month_results(month: Month, target: float) -> list[UnitResult]:
    """Every unit scored in `month` (cards sent), with its figures and trend."""
    cards = ScoringCard.filter(round__month=str(month))
    counts = await cards.annotate(
        n=Count("id"), done=Count("id", _filter=Q(submitted_at__isnull=False))
    ).group_by("unit_id").values("unit_id", "n", "done")
    if not counts:
        return []
    units = {u.id: u for u in await ServiceUnit.filter(id__in=[r["unit_id"] for r in counts])}
    months = [month.shifted(back) for back in range(1 - TREND_MONTHS, 1)]
    pcts = await satisfaction(months, list(units))
    averages = await ScoringAnswer.filter(
        card__submitted_at__isnull=False, card__round__month=str(month)
    ).annotate(total=Sum("score"), n=Count("id")).group_by("card__unit_id", "criterion").values(
        "card__unit_id", "criterion", "total", "n")
    by_unit: dict[int, dict[str, float]] = defaultdict(dict)
    for r in averages:
        by_unit[r["card__unit_id"]][r["criterion"]] = round(int(r["total"]) / r["n"], 2)
    comments: dict[int, list[str]] = defaultdict(list)
    for unit_id, text in await cards.filter(submitted_at__isnull=False, comment__isnull=False
                                            ).order_by("id").values_list("unit_id", "comment"):
        comments[unit_id].append(text)
    out = []
    for r in sorted(counts, key=lambda r: units[r["unit_id"]].name):
        unit = units[r["unit_id"]]
        order = list(unit.criteria) + sorted(set(by_unit[unit.id]) - set(unit.criteria))
        out.append(UnitResult(
            unit, month, pcts.get((unit.id, str(month))),
            [(c, by_unit[unit.id][c]) for c in order if c in by_unit[unit.id]],
            r["n"], r["done"], comments[unit.id],
            [(m, pcts.get((unit.id, str(m)))) for m in months], target))
    return out


def below_twice(result: UnitResult) -> bool:
    """Below the target this month and the month before (both measured)."""
    previous = result.trend[-2][1] if len(result.trend) >= 2 else None
    return result.below and previous is not None and previous < result.target
