"""Preventive maintenance: plans (every N days or months, per asset or asset category), work
orders generated `lead_days` ahead of each due date and sent through the normal dispatch, and
warranty-expiry reminders to the managers 30 days ahead. Due dates are local dates
(HOUQIN_TIMEZONE); a plan's due dates are counted from its first one, so months never drift
(31 Jan → 28 Feb → 31 Mar)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from bot.core.errors import NotFound, ServiceError, require_role
from bot.delivery.notifier import PRIORITY_STAFF_ALERT
from bot.services.assets.maintenance_meter import MeterMaintenance
from bot.services.assets.service import EDIT_ROLES
from bot.services.assets.views import card_button
from models.assets import Asset
from models.maintenance import MaintenancePlan, MaintenanceRun, WarrantyReminder
from models.people import Person
from models.places import Place
from models.repairs import Ticket

if TYPE_CHECKING:
    from bot.services.container import Services

WARRANTY_AHEAD_DAYS = 30
DEFAULT_LEAD_DAYS = 7
_EVERY = re.compile(r"^(\d{1,4})\s*(d|day|days|天|m|mo|month|months|月|个月)$", re.IGNORECASE)


def add_months(start: date, months: int) -> date:
    """`start` plus whole months, clamped to the month's last day (31 Jan + 1 → 28 Feb)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def parse_every(text: str) -> tuple[int | None, int | None]:
    """"90d" / "90天" → (90, None); "3m" / "3个月" → (None, 3); else ServiceError."""
    found = _EVERY.match((text or "").strip())
    if not found or int(found.group(1)) == 0:
        raise ServiceError("maintenance.bad_every", value=(text or "")[:20])
    count, unit = int(found.group(1)), found.group(2).lower()
    if unit in ("d", "day", "days", "天"):
        return (count, None) if count <= 3650 else _too_long(text)
    return (None, count) if count <= 120 else _too_long(text)


def _too_long(text: str) -> tuple[int | None, int | None]:
    raise ServiceError("maintenance.bad_every", value=text[:20])


def due_after(plan: MaintenancePlan, period: int) -> date:
    """The due date of the plan's `period`-th occurrence (0 = the first)."""
    if plan.every_months:
        return add_months(plan.first_due, plan.every_months * period)
    return plan.first_due + timedelta(days=(plan.every_days or 1) * period)


@dataclass
class TickResult:
    """What one maintenance run of the scheduler did."""

    work_orders: list[Ticket]
    warranty_reminders: int


class MaintenanceService:
    """Plans and the periodic generation of their work orders."""

    def __init__(self, services: Services):
        self.services = services
        self.tz = ZoneInfo(services.settings.timezone)

    def today(self, now: datetime | None = None) -> date:
        """The local date at `now`."""
        return (now or datetime.now(UTC)).astimezone(self.tz).date()

    async def create_plan(self, actor: Person, target: str, every: str, name: str,
                          now: datetime | None = None, lead_days: int = DEFAULT_LEAD_DAYS,
                          first_due: date | None = None) -> MaintenancePlan:
        """A plan for one asset (its code) or every asset of a category; managers only."""
        require_role(actor, *EDIT_ROLES)
        every_days, every_months = parse_every(every)
        name = " ".join((name or "").split())[:100]
        if not name:
            raise ServiceError("maintenance.need_name")
        asset = await self.services.assets.find(target)
        category = None
        if asset is None:
            category = (target or "").strip().lower()[:32]
            if not category or not await Asset.filter(category=category,
                                                      status__not="disposed").exists():
                raise NotFound("maintenance.unknown_target", target=(target or "")[:32])
        elif asset.status == "disposed":
            raise ServiceError("assets.already_disposed", code=asset.code)
        kind = (asset.category if asset else category) or "other"
        span = every_days or (every_months or 0) * 28
        plan = MaintenancePlan(name=name, asset=asset, asset_category=category,
                               repair_category=self.services.repairs.categories.or_fallback(kind),
                               every_days=every_days, every_months=every_months,
                               lead_days=max(0, min(lead_days, span - 1)), created_by=actor)
        plan.first_due = first_due or (add_months(self.today(now), every_months) if every_months
                                       else self.today(now) + timedelta(days=every_days or 1))
        plan.next_due = plan.first_due
        await plan.save()
        return plan

    async def plans(self, actor: Person) -> list[MaintenancePlan]:
        """Active plans, soonest first (managers only)."""
        require_role(actor, *EDIT_ROLES)
        return await MaintenancePlan.filter(active=True).order_by("next_due", "id") \
            .prefetch_related("asset", "meter")

    async def stop_plan(self, actor: Person, plan_id: int | str) -> MaintenancePlan:
        """Stop a plan (its past work orders stay)."""
        require_role(actor, *EDIT_ROLES)
        plan = await MaintenancePlan.get_or_none(id=int(plan_id)) \
            if str(plan_id).isdigit() else None
        if plan is None or not plan.active:
            raise NotFound("maintenance.unknown_plan", plan=str(plan_id)[:12])
        await MaintenancePlan.filter(id=plan.id).update(active=False)
        return plan

    async def _targets(self, plan: MaintenancePlan) -> list[Asset]:
        if plan.asset_id:  # type: ignore[attr-defined]
            return await Asset.filter(id=plan.asset_id,  # type: ignore[attr-defined]
                                      status__not="disposed")
        return await Asset.filter(category=plan.asset_category,
                                  status__not="disposed").order_by("code")

    async def _claim(self, plan: MaintenancePlan) -> bool:
        """Move the plan to its next period unless another run (or instance) already did."""
        following = due_after(plan, plan.period + 1)
        moved = await MaintenancePlan.filter(id=plan.id, period=plan.period).update(
            period=plan.period + 1, next_due=following)
        return bool(moved)

    async def _work_order(self, plan: MaintenancePlan, asset: Asset, due: date,
                          now: datetime) -> Ticket | None:
        """One work order for the asset (None when this due date already has one)."""
        try:
            async with in_transaction():
                run = await MaintenanceRun.create(plan=plan, asset=asset, due_date=due,
                                                  created_at=now)
                place = await Place.get(id=asset.place_id)  # type: ignore[attr-defined]
                creator = await Person.get(id=plan.created_by_id)  # type: ignore[attr-defined]
                description = f"[PM] {plan.name} — {asset.code} {asset.name_zh} / " \
                              f"{asset.name_en} (due {due.isoformat()})"
                ticket = await self.services.repairs.create(
                    creator, place, plan.repair_category, description, "normal", None, now,
                    asset=asset,
                )
                await MaintenanceRun.filter(id=run.id).update(ticket_id=ticket.id)
        except IntegrityError:
            return None
        return ticket

    async def generate(self, now: datetime) -> list[Ticket]:
        """Work orders for every plan whose next due date is within its lead time; a plan
        that fell more than a period behind (the bot was off) skips to its current period."""
        today = self.today(now)
        made: list[Ticket] = []
        for plan in await MaintenancePlan.filter(active=True,
                                                 every_units__isnull=True).order_by("id"):
            while plan.next_due - timedelta(days=plan.lead_days) <= today:
                due, stale = plan.next_due, due_after(plan, plan.period + 1) <= today
                if not await self._claim(plan):
                    break
                plan.period += 1
                plan.next_due = due_after(plan, plan.period)
                if stale:
                    continue
                for asset in await self._targets(plan):
                    ticket = await self._work_order(plan, asset, due, now)
                    if ticket is not None:
                        made.append(ticket)
                        await self.services.dispatch.on_ticket_created(ticket, now)
        return made

    async def warranty_reminders(self, now: datetime) -> int:
        """Tell the managers about warranties ending within 30 days (once per asset)."""
        today = self.today(now)
        soon = await Asset.filter(
            status__not="disposed", warranty_end__gte=today,
            warranty_end__lte=today + timedelta(days=WARRANTY_AHEAD_DAYS),
        ).order_by("warranty_end", "code")
        managers = await self.services.people.with_role("manager")
        announce = self.services.dispatch.announcer()
        sent = 0
        for asset in soon:
            try:
                await WarrantyReminder.create(asset=asset, warranty_end=asset.warranty_end,
                                              sent_at=now)
            except IntegrityError:
                continue
            place = await Place.get(id=asset.place_id)  # type: ignore[attr-defined]
            await announce.tell_all(
                managers, "maintenance.warranty_ending",
                card_button(asset), PRIORITY_STAFF_ALERT,
                asset=asset, code=asset.code, place=place,
                date=asset.warranty_end.isoformat(),  # type: ignore[union-attr]
                days=(asset.warranty_end - today).days,  # type: ignore[operator]
            )
            sent += 1
        return sent

    async def tick(self, now: datetime | None = None) -> TickResult:
        """The periodic job's work: due work orders (calendar, then meter plans), then
        warranty reminders."""
        now = now or datetime.now(UTC)
        orders = await self.generate(now)
        orders += await MeterMaintenance(self.services).generate(now)
        return TickResult(orders, await self.warranty_reminders(now))
