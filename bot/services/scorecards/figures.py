"""A month of each worker's work in numbers, every figure a grouped SQL aggregate (one query per
figure for all workers; medians one ordered query per worker), never a loop over the tickets."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from tortoise.expressions import F, Q
from tortoise.functions import Count, Sum

from bot.services.digest import median_minutes
from models.dispatch import Job, TicketSla
from models.followup import FollowUp
from models.inspections import InspectionRound
from models.maintenance import MaintenanceRun

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # medians: every response or resolution of the rows


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


@dataclass
class WorkerFigures:
    """What one worker did in a month (zeros and None: nothing of that kind)."""

    worker_id: int
    jobs_done: int = 0
    sla_tickets: int = 0
    response_met: int = 0
    resolution_met: int = 0
    median_response_min: float | None = None
    median_resolution_min: float | None = None
    rating_count: int = 0
    rating_total: int = 0
    low_ratings: int = 0
    reopened: int = 0
    repeat: int = 0
    declined: int = 0
    rounds_done: int = 0
    rounds_missed: int = 0
    pm_done: int = 0
    pm_on_time: int = 0

    @property
    def response_pct(self) -> float | None:
        """Response deadlines met, % of the worker's finished tickets with an SLA."""
        return _pct(self.response_met, self.sla_tickets)

    @property
    def resolution_pct(self) -> float | None:
        """Resolution deadlines met, % of the worker's finished tickets with an SLA."""
        return _pct(self.resolution_met, self.sla_tickets)

    @property
    def rating_avg(self) -> float | None:
        """The average follow-up rating (None without ratings)."""
        return round(self.rating_total / self.rating_count, 2) if self.rating_count else None

    @property
    def rounds_pct(self) -> float | None:
        """Inspection rounds done, % of those done or missed."""
        return _pct(self.rounds_done, self.rounds_done + self.rounds_missed)

    @property
    def pm_pct(self) -> float | None:
        """PM work orders finished by their due date, % of those finished."""
        return _pct(self.pm_on_time, self.pm_done)

    @property
    def idle(self) -> bool:
        """Nothing at all recorded for the month."""
        return not (self.jobs_done or self.declined or self.rounds_done or self.rounds_missed
                    or self.rating_count or self.reopened)


@dataclass
class MonthFigures:
    """Every worker's figures of a month, by worker id."""

    workers: dict[int, WorkerFigures] = field(default_factory=dict)

    def of(self, worker_id: int) -> WorkerFigures:
        """The figures of one worker (created empty)."""
        return self.workers.setdefault(worker_id, WorkerFigures(worker_id))


def _done_jobs(start: datetime, end: datetime):
    return Job.filter(status="done", finished_at__gte=start, finished_at__lt=end)


async def _jobs(m: MonthFigures, start: datetime, end: datetime) -> None:
    rows = await _done_jobs(start, end).annotate(n=Count("id")).group_by("worker_id").values(
        "worker_id", "n")
    for row in rows:
        m.of(row["worker_id"]).jobs_done = row["n"]
    repeats = await _done_jobs(start, end).filter(
        role="primary", ticket__repeat_failure__id__isnull=False).annotate(
        n=Count("id")).group_by("worker_id").values("worker_id", "n")
    for row in repeats:
        m.of(row["worker_id"]).repeat = row["n"]
    declined = await Job.filter(status="declined", answered_at__gte=start,
                                answered_at__lt=end).annotate(n=Count("id")).group_by(
        "worker_id").values("worker_id", "n")
    for row in declined:
        m.of(row["worker_id"]).declined = row["n"]


def _worker_slas(start: datetime, end: datetime):
    """The SLA rows of tickets with a primary job finished in the span."""
    return TicketSla.filter(ticket__jobs__status="done", ticket__jobs__role="primary",
                            ticket__jobs__finished_at__gte=start,
                            ticket__jobs__finished_at__lt=end)


async def _sla(m: MonthFigures, start: datetime, end: datetime) -> None:
    rows = await _worker_slas(start, end).annotate(
        n=Count("id", distinct=True),
        response=Count("id", distinct=True, _filter=Q(responded_at__lte=F("response_due"))),
        resolution=Count("id", distinct=True, _filter=Q(resolved_at__lte=F("resolution_due"))),
    ).group_by("ticket__jobs__worker_id").values(
        "ticket__jobs__worker_id", "n", "response", "resolution")
    for row in rows:
        w = m.of(row["ticket__jobs__worker_id"])
        w.sla_tickets, w.response_met, w.resolution_met = (
            row["n"], row["response"], row["resolution"])
    for w in m.workers.values():
        if w.sla_tickets:
            mine = _worker_slas(start, end).filter(ticket__jobs__worker_id=w.worker_id).distinct()
            w.median_response_min = await median_minutes("responded_at", EPOCH, end, mine)
            w.median_resolution_min = await median_minutes("resolved_at", EPOCH, end, mine)


async def _ratings(m: MonthFigures, start: datetime, end: datetime, low: int) -> None:
    answered = FollowUp.filter(worker_id__isnull=False, answered_at__gte=start,
                               answered_at__lt=end)
    # SUM / COUNT rather than AVG: an average over an integer column comes back truncated
    rows = await answered.filter(score__isnull=False).annotate(
        total=Sum("score"), n=Count("id"), low=Count("id", _filter=Q(score__lte=low))
    ).group_by("worker_id").values("worker_id", "total", "n", "low")
    for row in rows:
        w = m.of(row["worker_id"])
        w.rating_total, w.rating_count, w.low_ratings = int(row["total"] or 0), row["n"], row["low"]
    reopened = await answered.filter(answer="not_fixed").annotate(n=Count("id")).group_by(
        "worker_id").values("worker_id", "n")
    for row in reopened:
        m.of(row["worker_id"]).reopened = row["n"]


async def _rounds(m: MonthFigures, start: datetime, end: datetime) -> None:
    rows = await InspectionRound.filter(
        worker_id__isnull=False, state__in=("done", "missed"), due_at__gte=start, due_at__lt=end
    ).annotate(n=Count("id")).group_by("worker_id", "state").values("worker_id", "state", "n")
    for row in rows:
        w = m.of(row["worker_id"])
        if row["state"] == "done":
            w.rounds_done = row["n"]
        else:
            w.rounds_missed = row["n"]


async def _pm(m: MonthFigures, start: datetime, end: datetime, tz: ZoneInfo) -> None:
    # one row per PM work order finished in the month (a handful), compared in local dates
    rows = await MaintenanceRun.filter(
        ticket__jobs__status="done", ticket__jobs__role="primary",
        ticket__jobs__finished_at__gte=start, ticket__jobs__finished_at__lt=end,
    ).values("id", "due_date", "ticket__jobs__worker_id", "ticket__jobs__finished_at")
    seen: dict[int, set[int]] = defaultdict(set)
    for row in rows:
        worker_id = row["ticket__jobs__worker_id"]
        if row["id"] in seen[worker_id]:
            continue
        seen[worker_id].add(row["id"])
        w = m.of(worker_id)
        w.pm_done += 1
        finished = row["ticket__jobs__finished_at"]
        if finished.astimezone(tz).date() <= row["due_date"]:
            w.pm_on_time += 1


async def month_figures(start: datetime, end: datetime, tz: ZoneInfo,
                        low_rating: int) -> MonthFigures:
    """Every worker's figures of [start, end)."""
    m = MonthFigures()
    await _jobs(m, start, end)
    await _sla(m, start, end)
    await _ratings(m, start, end, low_rating)
    await _rounds(m, start, end)
    await _pm(m, start, end, tz)
    return m


def sum_figures(key: int, members: list[WorkerFigures]) -> WorkerFigures:
    """A team's figures: the members' counts added up (no medians)."""
    total = WorkerFigures(key)
    for f in members:
        for name in ("jobs_done", "sla_tickets", "response_met", "resolution_met",
                     "rating_count", "rating_total", "low_ratings", "reopened", "repeat",
                     "declined", "rounds_done", "rounds_missed", "pm_done", "pm_on_time"):
            setattr(total, name, getattr(total, name) + getattr(f, name))
    return total


