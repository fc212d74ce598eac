"""Preventive maintenance on SQLite with a controlled clock: due dates across month ends and
the time zone, work orders dispatched ahead of time and never twice (also across a restart),
missed periods skipped, warranty reminders once, and who may plan."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.core.errors import NotFound, PermissionDenied, ServiceError
from bot.services.assets.jobs import maintenance_tick
from bot.services.assets.maintenance import MaintenanceService, add_months, parse_every
from models.assets import Asset
from models.dispatch import Job
from models.maintenance import MaintenancePlan, MaintenanceRun, WarrantyReminder
from models.places import Place
from models.repairs import Ticket
from tests.dispatch_support import World


@pytest.fixture
async def world(db, tmp_path):
    w = await World(tmp_path).setup()
    await w.on_duty("wang", "lead")
    w.ac = await Asset.create(code="AC-1", name_zh="空调", name_en="Air con", category="hvac",
                              place=await Place.get(code="3-402"))
    w.ac2 = await Asset.create(code="AC-2", name_zh="空调", name_en="Air con", category="hvac",
                               place=await Place.get(code="3-403"))
    yield w
    await w.notifier.stop()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_month_arithmetic_and_intervals():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 1, 31), 2) == date(2026, 3, 31)  # no drift from February
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert parse_every("90d") == (90, None) and parse_every("3个月") == (None, 3)
    assert parse_every("14天") == (14, None) and parse_every("1m") == (None, 1)
    for bad in ("", "0d", "3w", "abc", "99999d", "500m"):
        with pytest.raises(ServiceError):
            parse_every(bad)


async def test_monthly_plan_across_month_ends_and_time_zone(world):
    service = MaintenanceService(world.services)
    plan = await service.create_plan(world.people["manager"], "AC-1", "1m", "清洗滤网",
                                     lead_days=3, first_due=date(2026, 1, 31))
    # 27 Jan 16:00 UTC is 28 Jan 00:00 in Shanghai: exactly 3 days before the due date
    assert await service.generate(utc(2026, 1, 27, 15, 59)) == []
    made = await service.generate(utc(2026, 1, 27, 16, 0))
    assert len(made) == 1
    ticket = made[0]
    assert ticket.asset_id == world.ac.id and ticket.category == "hvac"
    assert "[PM] 清洗滤网" in ticket.description and "2026-01-31" in ticket.description
    plan = await MaintenancePlan.get(id=plan.id)
    assert plan.next_due == date(2026, 2, 28) and plan.period == 1
    assert (await Asset.get(id=world.ac.id)).status == "under_repair"
    made = await service.generate(utc(2026, 2, 25, 2, 0))  # 10:00 local
    assert [t.description.split("due ")[1] for t in made] == ["2026-02-28)"]
    job = await Job.get(ticket_id=made[0].id, status="offered").prefetch_related("worker")
    assert job.worker.name == "周组长"  # the normal dispatch: the on-duty hvac worker
    assert any("[PM] 清洗滤网" in t for t in world.texts("lead"))
    assert (await MaintenancePlan.get(id=plan.id)).next_due == date(2026, 3, 31)


async def test_no_duplicates_across_restarts_and_missed_periods_skipped(world):
    service = MaintenanceService(world.services)
    await service.create_plan(world.people["manager"], "hvac", "10d", "巡检空调",
                              first_due=date(2026, 3, 10), lead_days=2)
    now = utc(2026, 3, 8, 2, 0)
    assert await maintenance_tick(world.services, now) == 2  # AC-1 and AC-2
    again = MaintenanceService(world.services)  # a restarted instance, same database
    assert await again.generate(now) == []
    assert await maintenance_tick(world.services, now) == 0
    assert await MaintenanceRun.all().count() == 2 and await Ticket.all().count() == 2
    # the bot was off for a month: only the current period gets work orders
    made = await service.generate(utc(2026, 4, 12, 2, 0))
    dues = sorted({t.description.split("due ")[1] for t in made})
    assert dues == ["2026-04-09)"]  # 20 and 30 March were missed and are not made up
    assert len(made) == 2
    plan = await MaintenancePlan.get()
    assert plan.next_due == date(2026, 4, 19)
    await Asset.filter(id=world.ac2.id).update(status="disposed")  # no orders for retired assets
    made = await service.generate(utc(2026, 5, 20, 2, 0))
    assert [t.asset_id for t in made] == [world.ac.id]


async def test_warranty_reminders_once_30_days_ahead(world):
    await Asset.filter(id=world.ac.id).update(warranty_end=date(2026, 12, 31))
    await Asset.filter(id=world.ac2.id).update(warranty_end=date(2027, 6, 1))
    service = MaintenanceService(world.services)
    assert await service.warranty_reminders(utc(2026, 11, 30, 15, 0)) == 0
    # 1 Dec 00:30 in Shanghai: 30 days before 31 Dec
    assert await service.warranty_reminders(utc(2026, 11, 30, 16, 30)) == 1
    text = world.texts("manager")[-1]
    assert "空调（AC-1）" in text and "2026-12-31" in text and "30 天" in text
    assert f"as:v:{world.ac.id}" in world.payloads("manager")
    assert await service.warranty_reminders(utc(2026, 12, 5)) == 0
    assert await WarrantyReminder.all().count() == 1
    await Asset.filter(id=world.ac.id).update(warranty_end=date(2027, 12, 31))  # extended
    assert await service.warranty_reminders(utc(2027, 12, 10)) == 1


async def test_only_managers_plan(world):
    service = MaintenanceService(world.services)
    for who in ("student", "wang"):
        with pytest.raises(PermissionDenied):
            await service.create_plan(world.people[who], "AC-1", "3m", "x")
        with pytest.raises(PermissionDenied):
            await service.plans(world.people[who])
    manager = world.people["manager"]
    plan = await service.create_plan(manager, "AC-1", "3m", "x")
    with pytest.raises(PermissionDenied):
        await service.stop_plan(world.people["wang"], plan.id)
    with pytest.raises(NotFound):
        await service.create_plan(manager, "NOPE", "3m", "x")
    with pytest.raises(ServiceError):
        await service.create_plan(manager, "AC-1", "3m", "   ")
    await service.stop_plan(manager, plan.id)
    with pytest.raises(NotFound):
        await service.stop_plan(manager, plan.id)
    assert await service.plans(manager) == []
