"""Energy anomalies (水电异常): find them in each meter's own history, send them to whoever
answers for the meter, and record what was decided (a repair ticket or a false alarm).

Detection is idempotent: one anomaly per meter, local day and kind (a unique key), so running
the job again, on another instance or after a restart, finds nothing new. A decision is one
conditional UPDATE, so of two presses exactly one wins. A decision tunes nothing: thresholds
come from the settings and the meter's readings only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError

from bot.config import Settings
from bot.core.errors import NotFound, PermissionDenied, require_role
from bot.services.energy.series import (
    DetectionConfig,
    Finding,
    Hourly,
    hour_start,
    hourly_consumption,
)
from bot.services.energy.series import detect as detect_findings
from bot.services.repairs import DutyService, place_zone
from models.audit import AuditLog
from models.energy import Anomaly, Meter, Reading
from models.people import Identity, Person

if TYPE_CHECKING:
    from bot.delivery.notifier import Notifier
    from bot.services.repairs import DispatchService

LOOKBACK_DAYS = 1  # besides today, yesterday is checked again (late readings)


@dataclass
class AnomalyItem:
    """One anomaly as the digest lists it."""

    id: int
    meter: str
    kind: str
    place_zh: str
    place_en: str
    day: date
    state: str
    ticket: str | None
    decided_by: str | None


@dataclass
class AnomalySummary:
    """Anomalies found in a span: counts per kind and outcome, and the list."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    items: list[AnomalyItem] = field(default_factory=list)

    @property
    def total(self) -> int:
        """How many anomalies in the span."""
        return len(self.items)


def detection_config(settings: Settings) -> DetectionConfig:
    """The rules' knobs from HOUQIN_ENERGY_* settings."""
    return DetectionConfig(
        spike_k=settings.energy_spike_k,
        spike_abs_floor={"water": settings.energy_spike_floor_water,
                         "electricity": settings.energy_spike_floor_electricity},
        night_start=settings.energy_night_start,
        night_end=settings.energy_night_end,
        leak_floor=settings.energy_leak_floor,
        leak_factor=settings.energy_leak_factor,
    )


async def _reachable(people: list[Person]) -> list[Person]:
    """The active people among `people` with at least one bound chat."""
    ids = set(await Identity.filter(person_id__in=[p.id for p in people]).values_list(
        "person_id", flat=True))
    return [p for p in people if p.active and p.id in ids]


class EnergyService:
    """Finds, sends and settles energy anomalies."""

    def __init__(self, cfg: DetectionConfig, timezone: str, duty: DutyService,
                 dispatch: DispatchService, notifier: Notifier):
        self.cfg = cfg
        self.notifier = notifier
        self.tz = ZoneInfo(timezone)
        self.timezone = timezone
        self.duty = duty
        self.dispatch = dispatch

    async def hourly(self, meter: Meter, start: datetime, end: datetime) -> Hourly:
        """The meter's consumption per complete hour in [start, end) (UTC hour starts)."""
        gap = timedelta(hours=self.cfg.max_gap_hours)
        rows = await Reading.filter(
            meter_id=meter.id, ts__gte=start - gap, ts__lte=end + gap
        ).values_list("ts", "value")
        series = hourly_consumption(rows, gap)
        return {h: v for h, v in series.items() if start <= h and h + timedelta(hours=1) <= end}

    async def detect(self, now: datetime | None = None) -> list[Anomaly]:
        """Look for anomalies on today and yesterday (local) of every active meter; returns
        the anomalies new in this run."""
        now = (now or datetime.now(UTC)).astimezone(UTC)
        today = now.astimezone(self.tz).date()
        first = today - timedelta(days=LOOKBACK_DAYS + self.cfg.history_days)
        start = datetime.combine(first, datetime.min.time(), tzinfo=self.tz).astimezone(UTC)
        created: list[Anomaly] = []
        for meter in await Meter.filter(active=True).order_by("id"):
            series = await self.hourly(meter, start, hour_start(now))
            for back in range(LOOKBACK_DAYS, -1, -1):
                day = today - timedelta(days=back)
                for finding in detect_findings(series, day, self.tz, meter.kind, self.cfg):
                    anomaly = await self._record(meter, day, finding, now)
                    if anomaly is not None:
                        created.append(anomaly)
        return created

    async def _record(self, meter: Meter, day: date, finding: Finding, now: datetime
                      ) -> Anomaly | None:
        if await Anomaly.exists(meter_id=meter.id, day=day, kind=finding.kind):
            return None
        try:
            anomaly = await Anomaly.create(meter=meter, day=day, kind=finding.kind,
                                           details=finding.details(),
                                           observed_at=finding.observed_at, detected_at=now)
        except IntegrityError:  # another instance recorded it first
            return None
        await AuditLog.create(action=f"energy.{finding.kind}", target=meter.code,
                              detail={"anomaly": anomaly.id, "day": day.isoformat()})
        return anomaly

    async def get(self, anomaly_id: int) -> Anomaly:
        """An anomaly with its meter and place."""
        anomaly = await Anomaly.get_or_none(id=anomaly_id).prefetch_related(
            "meter__place", "ticket", "decided_by")
        if anomaly is None:
            raise NotFound("energy.unknown", number=anomaly_id)
        return anomaly

    async def recipients(self, meter: Meter) -> list[Person]:
        """Who is told: the meter's responsible person, else the zone leads of its place's
        zone, else the managers (on duty, or all); each step only counts people with a chat
        the bot can reach."""
        await meter.fetch_related("responsible", "place")
        responsible = [meter.responsible] if meter.responsible else []
        leads = await self.duty.zone_leads(await place_zone(meter.place))
        managers = await self.duty.managers_on_duty()
        for group in (responsible, leads, managers):
            reachable = await _reachable(group)
            if reachable:
                return reachable
        return managers

    async def may_decide(self, anomaly: Anomaly, person: Person) -> bool:
        """The people it was sent to, the zone leads of its place's zone and managers."""
        if person.id in (anomaly.notified or []) or person.has_role("manager"):
            return True
        leads = await self.duty.zone_leads(await place_zone(anomaly.meter.place))
        return any(lead.id == person.id for lead in leads)

    async def check_decider(self, anomaly: Anomaly, person: Person) -> None:
        """Raise PermissionDenied unless `person` may decide on the anomaly."""
        if not await self.may_decide(anomaly, person):
            raise PermissionDenied("energy.not_yours")

    async def recent(self, person: Person, now: datetime | None = None, days: int = 7,
                     limit: int = 10) -> list[Anomaly]:
        """The anomalies of the last `days` days the person may decide on (managers: all),
        open ones first, then newest first (workers and managers only)."""
        require_role(person, "worker", "manager")
        since = (now or datetime.now(UTC)).astimezone(UTC) - timedelta(days=days)
        rows = await Anomaly.filter(detected_at__gte=since).order_by("-id").prefetch_related(
            "meter__place", "ticket", "decided_by")
        mine = [row for row in rows if await self.may_decide(row, person)]
        mine.sort(key=lambda row: row.state != "open")  # stable: newest first within each
        return mine[:limit]

    async def anomaly_summary(self, start: datetime, end: datetime) -> AnomalySummary:
        """Anomalies detected in [start, end): counts per kind and outcome (open, ticket,
        false_alarm), and each one with its meter, place, outcome and ticket (for the digest)."""
        rows = await Anomaly.filter(  # UTC: SQLite compares stored times as text
            detected_at__gte=start.astimezone(UTC), detected_at__lt=end.astimezone(UTC)
        ).order_by("id").prefetch_related("meter__place", "ticket", "decided_by")
        summary = AnomalySummary()
        for row in rows:
            per_kind = summary.counts.setdefault(row.kind, {})
            per_kind[row.state] = per_kind.get(row.state, 0) + 1
            place = row.meter.place
            summary.items.append(AnomalyItem(
                row.id, row.meter.code, row.kind, place.name_zh, place.name_en, row.day,
                row.state, row.ticket.number if row.ticket else None,
                row.decided_by.name if row.decided_by else None,
            ))
        return summary
