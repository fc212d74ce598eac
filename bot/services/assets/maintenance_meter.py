"""Preventive maintenance by meter reading: a plan services one asset every N units of the
meter linked to it (every 500 kWh, every 1000 m³). Readings are cumulative registers; the use
since the plan's baseline is the sum of the positive steps between successive readings, so a
decrease (a reset or a replaced meter) starts a new baseline, as in the energy module, and
gaps between readings still count. A work order goes out `lead_units` before the meter reaches
the due point; due points are N apart (no drift from the lead), and use missed while the bot
was off is not made up."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from bot.core.errors import NotFound, ServiceError, require_role
from bot.services.assets.service import EDIT_ROLES
from models.assets import Asset
from models.energy import Meter, Reading
from models.maintenance import MaintenancePlan, MaintenanceRun
from models.people import Person
from models.places import Place
from models.repairs import Ticket

if TYPE_CHECKING:
    from bot.services.container import Services

MAX_UNITS = 1e9
_UNITS = re.compile(r"^(\d{1,9}(?:\.\d{1,3})?)\s*([^\d\s.,]{1,12})$")
# spellings of the same unit: 度 is a kWh, 吨 and 方 of water are cubic metres
_ALIASES = {"kwh": "kwh", "度": "kwh", "千瓦时": "kwh", "m³": "m3", "m3": "m3", "方": "m3",
            "立方": "m3", "立方米": "m3", "吨": "m3"}


def unit_key(unit: str) -> str:
    """A unit's comparable form ("kWh", "度" → "kwh"; "m³", "吨" → "m3")."""
    plain = (unit or "").strip().lower()
    return _ALIASES.get(plain, plain)


def is_known_unit(text: str) -> bool:
    """Whether `text` alone is a meter unit (so "1000 m³" may be written with a space)."""
    return (text or "").strip().lower() in _ALIASES


def parse_units(text: str) -> tuple[float, str]:
    """"500kWh" / "1000 m³" / "300度" → (amount, unit as typed); else ServiceError."""
    found = _UNITS.match((text or "").strip())
    amount = float(found.group(1)) if found else 0.0
    if not found or not 0 < amount <= MAX_UNITS:
        raise ServiceError("maintenance.bad_every", value=(text or "")[:20])
    return amount, found.group(2)


def used_since(points: list[tuple[datetime, float]]) -> float:
    """Use along cumulative readings (oldest first): positive steps only (a drop is a reset)."""
    return sum(max(0.0, v1 - v0) for (_, v0), (_, v1) in pairwise(points))


def fmt(amount: float) -> str:
    """An amount without a needless ".0" (500, 12.5)."""
    return f"{amount:.3f}".rstrip("0").rstrip(".")


@dataclass
class Progress:
    """How far a meter plan is: use since its baseline and the use that files the order."""

    used: float
    threshold: float
    unit: str


class MeterMaintenance:
    """Meter-reading plans: creation, meters linked to assets, and work-order generation."""

    def __init__(self, services: Services):
        self.services = services
        self.tz = ZoneInfo(services.settings.timezone)
        self.lead_percent = services.settings.maintenance_meter_lead_percent

    async def link_meter(self, actor: Person, meter_code: str, asset_code: str | None) -> Meter:
        """Link a meter to the asset it measures (None or "-": unlink); managers only."""
        require_role(actor, *EDIT_ROLES)
        code = (meter_code or "").strip()[:32]
        meter = await Meter.get_or_none(code=code) or await Meter.filter(code__iexact=code).first()
        if meter is None:
            raise NotFound("maintenance.unknown_meter", meter=code or "?")
        asset = None
        if asset_code and asset_code.strip() != "-":
            asset = await self.services.assets.find(asset_code)
            if asset is None:
                raise NotFound("assets.unknown", code=asset_code.strip()[:32])
            if asset.status == "disposed":
                raise ServiceError("assets.already_disposed", code=asset.code)
        await Meter.filter(id=meter.id).update(asset_id=asset.id if asset else None)
        meter.asset = asset  # type: ignore[assignment]
        return meter

    async def _meter_for(self, asset: Asset, unit: str) -> Meter:
        meters = await Meter.filter(asset_id=asset.id, active=True).order_by("id")
        if not meters:
            raise ServiceError("maintenance.no_meter", code=asset.code)
        for meter in meters:
            if unit_key(meter.unit) == unit_key(unit):
                return meter
        raise ServiceError("maintenance.wrong_unit", code=asset.code, unit=unit,
                           units=", ".join(sorted({m.unit for m in meters})))

    async def create_plan(self, actor: Person, target: str, every: str, name: str,
                          now: datetime | None = None) -> MaintenancePlan:
        """A plan for one asset every N units of its meter (e.g. "500kWh"); managers only."""
        require_role(actor, *EDIT_ROLES)
        amount, unit = parse_units(every)
        if not is_known_unit(unit) and not await Meter.filter(unit__iexact=unit).exists():
            raise ServiceError("maintenance.bad_every", value=(every or "")[:20])
        name = " ".join((name or "").split())[:100]
        if not name:
            raise ServiceError("maintenance.need_name")
        asset = await self.services.assets.find(target)
        if asset is None:
            category = (target or "").strip().lower()[:32]
            if category and await Asset.filter(category=category).exists():
                raise ServiceError("maintenance.meter_needs_asset", target=category)
            raise NotFound("maintenance.unknown_target", target=(target or "")[:32])
        if asset.status == "disposed":
            raise ServiceError("assets.already_disposed", code=asset.code)
        meter = await self._meter_for(asset, unit)
        today = (now or datetime.now(UTC)).astimezone(self.tz).date()
        last = await Reading.filter(meter_id=meter.id).order_by("-ts").first()
        kind = asset.category or "other"
        return await MaintenancePlan.create(
            name=name, asset=asset, meter=meter, every_units=amount,
            lead_units=round(amount * self.lead_percent / 100, 3), lead_days=0,
            repair_category=self.services.repairs.categories.or_fallback(kind), created_by=actor,
            first_due=today, next_due=today,
            meter_baseline=last.value if last else None,
            meter_baseline_at=last.ts if last else None,
        )

    async def _points(self, plan: MaintenancePlan) -> list[tuple[datetime, float]]:
        """The baseline reading and every reading after it, oldest first."""
        rows = await Reading.filter(
            meter_id=plan.meter_id, ts__gt=plan.meter_baseline_at,  # type: ignore[attr-defined]
        ).order_by("ts").values_list("ts", "value")
        return [(plan.meter_baseline_at, plan.meter_baseline), *rows]  # type: ignore[list-item]

    async def _start_baseline(self, plan: MaintenancePlan) -> bool:
        """A plan made before its meter had readings starts from the first one seen."""
        meter_id = plan.meter_id  # type: ignore[attr-defined]
        last = await Reading.filter(meter_id=meter_id).order_by("-ts").first()
        if last is None:
            return False
        await MaintenancePlan.filter(id=plan.id, meter_baseline_at__isnull=True).update(
            meter_baseline=last.value, meter_baseline_at=last.ts)
        return True

    async def progress(self, plan: MaintenancePlan) -> Progress:
        """Use since the plan's baseline, and the use at which its work order is filed."""
        meter = await Meter.get(id=plan.meter_id)  # type: ignore[attr-defined]
        threshold = plan.meter_carry + (plan.every_units or 0) - (plan.lead_units or 0)
        if plan.meter_baseline_at is None:
            return Progress(0.0, threshold, meter.unit)
        return Progress(used_since(await self._points(plan)), threshold, meter.unit)

    async def _work_order(self, plan: MaintenancePlan, points: list[tuple[datetime, float]],
                          used: float, now: datetime) -> Ticket | None:
        """Claim this threshold crossing (moving the baseline) and file its work order, both in
        one transaction; None when another run claimed it or the asset is retired."""
        asset = await Asset.get_or_none(id=plan.asset_id)  # type: ignore[attr-defined]
        if asset is None or asset.status == "disposed":
            return None
        meter = await Meter.get(id=plan.meter_id)  # type: ignore[attr-defined]
        last_ts, last_value = points[-1]
        every = plan.every_units or 0.0
        carry = max(0.0, plan.meter_carry + every - used)
        try:
            async with in_transaction():
                claimed = await MaintenancePlan.filter(
                    id=plan.id, period=plan.period, active=True,
                ).update(period=plan.period + 1, meter_baseline=last_value,
                         meter_baseline_at=last_ts, meter_carry=carry)
                if not claimed:
                    return None
                run = await MaintenanceRun.create(
                    plan=plan, asset=asset, due_date=last_ts.astimezone(self.tz).date(),
                    created_at=now, meter_value=last_value)
                place = await Place.get(id=asset.place_id)  # type: ignore[attr-defined]
                creator = await Person.get(id=plan.created_by_id)  # type: ignore[attr-defined]
                description = (
                    f"[PM] {plan.name} — {asset.code} {asset.name_zh} / {asset.name_en} "
                    f"(meter {meter.code}: {fmt(last_value)} {meter.unit}, "
                    f"every {fmt(every)} {meter.unit})")
                ticket = await self.services.repairs.create(
                    creator, place, plan.repair_category, description, "normal", None, now,
                    asset=asset)
                await MaintenanceRun.filter(id=run.id).update(ticket_id=ticket.id)
        except IntegrityError:
            return None  # this plan already filed a work order today: the next run retries
        return ticket

    async def generate(self, now: datetime | None = None) -> list[Ticket]:
        """Work orders for every meter plan whose meter has advanced far enough, each sent
        through the normal dispatch; the plan's baseline moves to the triggering reading."""
        now = now or datetime.now(UTC)
        made: list[Ticket] = []
        plans = await MaintenancePlan.filter(active=True, every_units__isnull=False,
                                             meter_id__isnull=False).order_by("id")
        for plan in plans:
            if plan.meter_baseline_at is None:
                await self._start_baseline(plan)
                continue
            points = await self._points(plan)
            used = used_since(points)
            threshold = plan.meter_carry + (plan.every_units or 0) - (plan.lead_units or 0)
            if len(points) < 2 or used < threshold:
                continue
            ticket = await self._work_order(plan, points, used, now)
            if ticket is not None:
                made.append(ticket)
                await self.services.dispatch.on_ticket_created(ticket, now)
        return made
