"""The managers' digest (日报/周报/月报): one local day, week or month of the department in
numbers.

Every figure is a SQL aggregate (COUNT / SUM with GROUP BY, medians by ORDER BY … LIMIT on the
database), so the cost follows the indexes, not the number of rows in the span.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from tortoise.expressions import F, Q, RawSQL
from tortoise.functions import Count, Sum
from tortoise.queryset import QuerySet

from bot.services.digest.buckets import closed_counts, new_counts, sla_rates
from bot.services.digest.more_sections import MORE_SECTIONS, MoreFigures, MoreSources, collect
from bot.services.digest.period import Period
from models.alerts import Alert, AlertRecipient
from models.dispatch import Job, TicketSla
from models.dorms import ACTIVE_STATUSES, DormAssignment
from models.followup import FollowUp, RepeatFailure
from models.people import Person
from models.places import Place
from models.repairs import OPEN_STATUSES, Ticket

if TYPE_CHECKING:
    from bot.services.dorms import DormService
    from bot.services.stock import StockAlertService

SECTIONS = ("tickets", "sla", "backlog", "ratings", "top", "workers", "stock", "dorms", "alerts",
            *MORE_SECTIONS)
TOP_N = 3
# a duration in minutes between two timestamp columns, per SQL dialect
MINUTES_SQL = {
    "sqlite": '(julianday("{done}") - julianday("started_at")) * 1440.0',
    "postgres": 'EXTRACT(EPOCH FROM ("{done}" - "started_at")) / 60.0',
}


@dataclass
class Sources:
    """Other capabilities the digest reuses: low-stock query, dorm progress, rating threshold."""

    stock: StockAlertService | None = None
    dorms: DormService | None = None
    viewer: Person | None = None
    low_rating: int = 2
    more: MoreSources | None = None


@dataclass
class TrendDay:
    """One bucket of the trend (a day, week or month), named by its first day."""

    day: date
    new: int
    closed: int
    sla_pct: float | None


@dataclass
class Digest:
    """The numbers of one local day, week or month; a section left out stays at its empty
    value."""

    period: Period
    sections: tuple[str, ...]
    new: int = 0
    closed: int = 0
    overdue: int = 0
    response_pct: float | None = None
    resolution_pct: float | None = None
    median_response_min: float | None = None
    median_resolution_min: float | None = None
    backlog: dict[str, int] = field(default_factory=lambda: {"lt1": 0, "d1_3": 0, "gt3": 0})
    rating_avg: float | None = None
    rating_count: int = 0
    low_ratings: int = 0
    top_categories: list[tuple[str, int]] = field(default_factory=list)
    top_places: list[tuple[Place, int]] = field(default_factory=list)
    repeat_failures: int = 0
    workers: list[tuple[Person, int]] = field(default_factory=list)
    stock_low: list[Any] = field(default_factory=list)
    dorm_open: bool = False
    dorm_checked_in: int = 0
    dorm_total: int = 0
    alerts_raised: int = 0
    alert_recipients: int = 0
    alert_acked: int = 0
    trend: list[TrendDay] = field(default_factory=list)
    more: MoreFigures = field(default_factory=MoreFigures)

    @property
    def day(self) -> date:
        """The first local day of the digest's span."""
        return self.period.start

    @property
    def ack_pct(self) -> float | None:
        """Share of alert recipients who answered, in percent (None without recipients)."""
        return _pct(self.alert_acked, self.alert_recipients)


def day_bounds(day: date, tz: ZoneInfo | str) -> tuple[datetime, datetime]:
    """The UTC start (inclusive) and end (exclusive) of a local calendar day."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    start = datetime.combine(day, time(0), zone)
    end = datetime.combine(day + timedelta(days=1), time(0), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _span(prefix: str, start: datetime, end: datetime) -> dict[str, datetime]:
    return {f"{prefix}__gte": start, f"{prefix}__lt": end}


async def count_closed(start: datetime, end: datetime) -> int:
    """Tickets that reached done or closed in the span (each ticket once)."""
    return (await closed_counts([start, end]))[0]


async def sla_rate(kind: str, start: datetime, end: datetime) -> tuple[int, int]:
    """(met, measured) for `kind` response or resolution: deadlines met by what was done in
    the span, out of that plus the deadlines that passed in the span with nothing done."""
    return (await sla_rates(kind, [start, end]))[0]


async def median_minutes(done: str, start: datetime, end: datetime,
                         rows: QuerySet[TicketSla] | None = None) -> float | None:
    """The median minutes from start to `done` (responded_at or resolved_at) of the tickets
    done in the span (of `rows`, by default every ticket's SLA): the middle one or two rows of
    the ordered durations, on the database."""
    rows = (rows if rows is not None else TicketSla.all()).filter(**_span(done, start, end))
    count = await rows.count()
    if not count:
        return None
    expr = MINUTES_SQL[TicketSla._meta.db.capabilities.dialect].format(done=done)
    middle = await rows.annotate(minutes=RawSQL(expr)).order_by("minutes").offset(
        (count - 1) // 2).limit(2 - count % 2).values_list("minutes", flat=True)
    return round(statistics.fmean(float(m) for m in middle), 1)


async def _tickets(d: Digest, start: datetime, end: datetime) -> None:
    d.overdue = await TicketSla.filter(
        Q(resolved_at__isnull=True) | Q(resolved_at__gt=F("resolution_due")),
        **_span("resolution_due", start, end),
    ).count()
    d.repeat_failures = await RepeatFailure.filter(**_span("created_at", start, end)).count()


async def _sla(d: Digest, start: datetime, end: datetime) -> None:
    d.response_pct = _pct(*await sla_rate("response", start, end))
    d.resolution_pct = _pct(*await sla_rate("resolution", start, end))
    d.median_response_min = await median_minutes("responded_at", start, end)
    d.median_resolution_min = await median_minutes("resolved_at", start, end)


async def _backlog(d: Digest, end: datetime) -> None:
    end = min(end, datetime.now(UTC))  # today's digest: ages as of now
    open_before = Ticket.filter(status__in=OPEN_STATUSES, created_at__lt=end)
    one, three = end - timedelta(days=1), end - timedelta(days=3)
    d.backlog = {
        "lt1": await open_before.filter(created_at__gte=one).count(),
        "d1_3": await open_before.filter(created_at__lt=one, created_at__gte=three).count(),
        "gt3": await open_before.filter(created_at__lt=three).count(),
    }


async def _ratings(d: Digest, start: datetime, end: datetime, low: int) -> None:
    rated = FollowUp.filter(score__isnull=False, **_span("answered_at", start, end))
    # SUM / COUNT rather than AVG: an average over an integer column comes back truncated
    row = await rated.annotate(total=Sum("score"), n=Count("id")).first().values("total", "n")
    d.rating_count = int((row or {}).get("n") or 0)
    total = (row or {}).get("total") or 0
    d.rating_avg = round(total / d.rating_count, 2) if d.rating_count else None
    d.low_ratings = await rated.filter(score__lte=low).count()


async def _top(d: Digest, start: datetime, end: datetime) -> None:
    new = Ticket.filter(**_span("created_at", start, end))
    cats = await new.annotate(n=Count("id")).group_by("category").order_by(
        "-n", "category").limit(TOP_N).values("category", "n")
    d.top_categories = [(row["category"], row["n"]) for row in cats]
    places = await new.annotate(n=Count("id")).group_by("place_id").order_by(
        "-n", "place_id").limit(TOP_N).values("place_id", "n")
    by_id = {p.id: p for p in await Place.filter(id__in=[r["place_id"] for r in places])}
    d.top_places = [(by_id[r["place_id"]], r["n"]) for r in places]


async def _workers(d: Digest, start: datetime, end: datetime) -> None:
    rows = await Job.filter(status="done", **_span("finished_at", start, end)).annotate(
        n=Count("id")).group_by("worker_id").order_by("-n", "worker_id").values("worker_id", "n")
    by_id = {p.id: p for p in await Person.filter(id__in=[r["worker_id"] for r in rows])}
    d.workers = [(by_id[r["worker_id"]], r["n"]) for r in rows]


async def _dorms(d: Digest, src: Sources, start: datetime, end: datetime) -> None:
    d.dorm_open = await DormAssignment.filter(
        status__in=ACTIVE_STATUSES, window_start__lt=end, window_end__gte=start
    ).exists()
    if d.dorm_open and src.dorms is not None and src.viewer is not None:
        progress = await src.dorms.progress(src.viewer)
        d.dorm_checked_in = sum(p.checked_in for p in progress)
        d.dorm_total = sum(p.total for p in progress)


async def _alerts(d: Digest, start: datetime, end: datetime) -> None:
    d.alerts_raised = await Alert.filter(**_span("created_at", start, end)).count()
    recipients = AlertRecipient.filter(**_span("alert__created_at", start, end))
    d.alert_recipients = await recipients.count()
    d.alert_acked = await recipients.filter(status__not="pending").count()


async def trend(last: Period, tz: ZoneInfo | str) -> list[TrendDay]:
    """New and closed tickets and resolution SLA % per bucket: the 14 days, 8 weeks or
    6 months ending with `last`."""
    buckets = last.trend()
    edges = [b.bounds(tz)[0] for b in buckets] + [last.bounds(tz)[1]]
    new, closed = await new_counts(edges), await closed_counts(edges)
    rates = await sla_rates("resolution", edges)
    return [TrendDay(b.start, n, c, _pct(*r))
            for b, n, c, r in zip(buckets, new, closed, rates, strict=True)]


async def build(span: date | Period, tz: ZoneInfo | str,
                sections: list[str] | tuple[str, ...] | None = None,
                sources: Sources | None = None) -> Digest:
    """Compute the digest of a local day (a date) or of a day, week or month (a Period) in time
    zone `tz`, with the chosen sections (every section when None); the trend ending with that
    span is always included."""
    src = sources or Sources()
    period = span if isinstance(span, Period) else Period.containing("day", span)
    chosen = tuple(s for s in SECTIONS if sections is None or s in sections)
    d = Digest(period=period, sections=chosen)
    start, end = period.bounds(tz)
    d.trend = await trend(period, tz)
    d.new, d.closed = d.trend[-1].new, d.trend[-1].closed
    if "tickets" in chosen:
        await _tickets(d, start, end)
    if "sla" in chosen:
        await _sla(d, start, end)
    if "backlog" in chosen:
        await _backlog(d, end)
    if "ratings" in chosen:
        await _ratings(d, start, end, src.low_rating)
    if "top" in chosen:
        await _top(d, start, end)
    if "workers" in chosen:
        await _workers(d, start, end)
    if "stock" in chosen and src.stock is not None:
        d.stock_low = await src.stock.below_minimum(end)
    if "dorms" in chosen:
        await _dorms(d, src, start, end)
    if "alerts" in chosen:
        await _alerts(d, start, end)
    d.more = await collect(src.more, chosen, start, end)
    return d
