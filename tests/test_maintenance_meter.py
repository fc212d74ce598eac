"""Preventive maintenance by meter reading on SQLite with a controlled clock: a work order once
the asset's meter has advanced by N minus the lead margin, never twice (two runs, a restart),
nothing before the threshold, meter resets, missed use not made up, plans refused for assets
without a meter, who may plan and link meters; the meters CSV's asset column."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.errors import NotFound, PermissionDenied, ServiceError
from bot.services.assets.jobs import maintenance_tick
from bot.services.assets.maintenance import MaintenanceService
from bot.services.assets.maintenance_meter import (
    MeterMaintenance,
    parse_units,
    unit_key,
    used_since,
)
from bot.services.energy.csv_io import export_meters, import_meters
from models.assets import Asset
from models.dispatch import Job
from models.energy import Meter, Reading
from models.maintenance import MaintenancePlan, MaintenanceRun
from models.places import Place
from models.repairs import Ticket
from tests.dispatch_support import World

T0 = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@pytest.fixture
async def world(db, tmp_path):
    w = await World(tmp_path).setup()
    await w.on_duty("wang", "lead")
    room = await Place.get(code="3-402")
    w.ac = await Asset.create(code="AC-1", name_zh="空调", name_en="Air con", category="hvac",
                              place=room)
    w.pump = await Asset.create(code="PUMP-1", name_zh="水泵", name_en="Pump",
                                category="plumbing", place=room)
    w.tv = await Asset.create(code="TV-1", name_zh="电视", name_en="TV", place=room)
    w.meter = await Meter.create(code="E-1", kind="electricity", unit="kWh", place=room,
                                 asset=w.ac)
    w.water = await Meter.create(code="W-1", kind="water", unit="m³", place=room,
                                 asset=w.pump)
    yield w
    await w.notifier.stop()


async def read(meter: Meter, days: float, value: float) -> None:
    """A cumulative reading `days` after T0."""
    await Reading.create(meter=meter, ts=T0 + timedelta(days=days), value=value)


def test_units_and_use_along_readings():
    assert parse_units("500kWh") == (500.0, "kWh")
    assert parse_units("1000 m³") == (1000.0, "m³")
    assert parse_units("300度") == (300.0, "度") and unit_key("度") == unit_key("KWH")
    assert unit_key("吨") == unit_key("m3") == unit_key("m³")
    for bad in ("", "kWh", "0kWh", "-5kWh", "500", "5e3kWh", "1,000kWh"):
        with pytest.raises(ServiceError):
            parse_units(bad)
    points = [(T0, 100.0), (T0, 300.0), (T0, 20.0), (T0, 70.0), (T0, 70.0)]
    assert used_since(points) == 250.0  # the drop to 20 is a reset, not −280


async def test_order_once_at_the_lead_margin_then_every_n(world):
    service = MeterMaintenance(world.services)
    await read(world.meter, 0, 1000)
    plan = await service.create_plan(world.people["manager"], "ac-1", "500kWh", "清洗空调滤网")
    assert (plan.meter_baseline, plan.lead_units) == (1000, 50)  # 10 % by default
    await read(world.meter, 1, 1300)
    await read(world.meter, 2, 1449.5)
    assert await service.generate(T0 + timedelta(days=2)) == []
    await read(world.meter, 3, 1450)
    now = T0 + timedelta(days=3)
    made = await service.generate(now)
    assert len(made) == 1
    ticket = made[0]
    assert ticket.asset_id == world.ac.id and ticket.category == "hvac"
    assert "[PM] 清洗空调滤网" in ticket.description and "E-1: 1450 kWh" in ticket.description
    job = await Job.get(ticket_id=ticket.id, status="offered").prefetch_related("worker")
    assert job.worker.name == "周组长"  # the normal dispatch: the on-duty hvac worker
    # a second run, a restarted instance and the scheduler job all find nothing more to do
    assert await service.generate(now) == []
    assert await MeterMaintenance(world.services).generate(now) == []
    assert await maintenance_tick(world.services, now) == 0
    run = await MaintenanceRun.get()
    assert run.meter_value == 1450 and run.ticket_id == ticket.id
    plan = await MaintenancePlan.get(id=plan.id)
    assert (plan.meter_baseline, plan.meter_carry, plan.period) == (1450, 50, 1)
    # the next service is due at 2000 (500 after the first due point), ordered at 1950
    await read(world.meter, 4, 1949)
    assert await maintenance_tick(world.services, T0 + timedelta(days=4)) == 0
    await read(world.meter, 5, 1950)
    assert await maintenance_tick(world.services, T0 + timedelta(days=5)) == 1
    assert await Ticket.filter(description__contains="[PM]").count() == 2
    progress = await service.progress(await MaintenancePlan.get(id=plan.id))
    assert (progress.used, progress.threshold, progress.unit) == (0, 500, "kWh")  # 2450


async def test_two_runs_at_once_make_one_order(world):
    await read(world.water, 0, 10)
    await MeterMaintenance(world.services).create_plan(world.people["manager"], "PUMP-1",
                                                       "1000 m³", "水泵保养")
    await read(world.water, 1, 1000)
    now = T0 + timedelta(days=1)
    first, second = await asyncio.gather(
        MeterMaintenance(world.services).generate(now),
        MeterMaintenance(world.services).generate(now),
    )
    assert len(first) + len(second) == 1
    assert await MaintenanceRun.all().count() == 1 and await Ticket.all().count() == 1


async def test_a_meter_reset_counts_only_the_use_after_it(world):
    service = MeterMaintenance(world.services)
    await read(world.meter, 0, 9000)
    plan = await service.create_plan(world.people["manager"], "AC-1", "500度", "清洗滤网")
    await read(world.meter, 1, 9300)
    await read(world.meter, 2, 20)  # the meter was replaced / reset
    assert await service.generate(T0 + timedelta(days=2)) == []
    assert (await service.progress(plan)).used == 300
    await read(world.meter, 3, 169)
    assert await service.generate(T0 + timedelta(days=3)) == []
    await read(world.meter, 4, 170)  # 300 before the reset + 150 after = 450
    made = await service.generate(T0 + timedelta(days=4))
    assert len(made) == 1 and "E-1: 170 kWh" in made[0].description
    assert (await MaintenancePlan.get(id=plan.id)).meter_baseline == 170


async def test_use_missed_while_off_is_not_made_up_and_no_readings_yet(world):
    service = MeterMaintenance(world.services)
    plan = await service.create_plan(world.people["manager"], "AC-1", "500kWh", "x")
    assert plan.meter_baseline is None  # no readings yet: the first one becomes the baseline
    await read(world.meter, 0, 100)
    assert await service.generate(T0) == []
    assert (await MaintenancePlan.get(id=plan.id)).meter_baseline == 100
    await read(world.meter, 30, 1800)  # 1700 used while the bot was off: one order, not three
    assert len(await service.generate(T0 + timedelta(days=30))) == 1
    plan = await MaintenancePlan.get(id=plan.id)
    assert (plan.meter_baseline, plan.meter_carry) == (1800, 0)
    await read(world.meter, 31, 2249)
    assert await service.generate(T0 + timedelta(days=31)) == []
    # a stopped plan and a disposed asset make no orders
    await read(world.meter, 32, 2400)
    await Asset.filter(id=world.ac.id).update(status="disposed")
    assert await service.generate(T0 + timedelta(days=32)) == []
    assert await Ticket.all().count() == 1


async def test_refusals_and_roles(world):
    service = MeterMaintenance(world.services)
    manager = world.people["manager"]
    for who in ("student", "wang", "keeper"):
        with pytest.raises(PermissionDenied):
            await service.create_plan(world.people[who], "AC-1", "500kWh", "x")
        with pytest.raises(PermissionDenied):
            await service.link_meter(world.people[who], "E-1", "TV-1")
    with pytest.raises(ServiceError) as no_meter:
        await service.create_plan(manager, "TV-1", "500kWh", "x")
    assert no_meter.value.key == "maintenance.no_meter"
    with pytest.raises(ServiceError) as wrong:
        await service.create_plan(manager, "AC-1", "1000m³", "x")
    assert wrong.value.key == "maintenance.wrong_unit" and wrong.value.fields["units"] == "kWh"
    with pytest.raises(ServiceError) as per_asset:
        await service.create_plan(manager, "hvac", "500kWh", "x")
    assert per_asset.value.key == "maintenance.meter_needs_asset"
    with pytest.raises(NotFound):
        await service.create_plan(manager, "NOPE", "500kWh", "x")
    with pytest.raises(ServiceError) as bad:
        await service.create_plan(manager, "AC-1", "500xyz", "x")
    assert bad.value.key == "maintenance.bad_every"
    with pytest.raises(NotFound):
        await service.link_meter(manager, "NOPE", "TV-1")
    with pytest.raises(NotFound):
        await service.link_meter(manager, "E-1", "NOPE")
    await service.link_meter(manager, "e-1", "TV-1")
    assert (await Meter.get(code="E-1")).asset_id == world.tv.id
    await service.link_meter(manager, "E-1", "-")
    assert (await Meter.get(code="E-1")).asset_id is None
    # calendar plans keep working next to meter plans, each generated by its own rule
    await MaintenanceService(world.services).create_plan(manager, "PUMP-1", "90d", "calendar")
    assert await MaintenancePlan.filter(every_units__isnull=True).count() == 1


async def test_meters_csv_asset_column(world, tmp_path):
    linked = tmp_path / "m.csv"
    linked.write_text("code,kind,unit,place,responsible,asset\n"
                      "E-2,electricity,kWh,3-403,,TV-1\nE-1,electricity,kWh,3-402,,\n",
                      encoding="utf-8")
    assert (await import_meters(linked)).total == 2
    assert (await Meter.get(code="E-2")).asset_id == world.tv.id
    assert (await Meter.get(code="E-1")).asset_id is None  # an empty cell unlinks
    await Meter.filter(code="E-1").update(asset_id=world.ac.id)
    old = tmp_path / "old.csv"  # a file from before the column existed leaves links alone
    old.write_text("code,kind,unit,place,responsible\nE-1,electricity,kWh,3-402,\n",
                   encoding="utf-8")
    assert (await import_meters(old)).updated == 1
    assert (await Meter.get(code="E-1")).asset_id == world.ac.id
    bad = tmp_path / "bad.csv"
    bad.write_text("code,kind,unit,place,responsible,asset\nE-1,electricity,kWh,3-402,,NOPE\n",
                   encoding="utf-8")
    with pytest.raises(Exception, match="unknown asset 'NOPE'"):
        await import_meters(bad)
    assert await export_meters(tmp_path / "out.csv") == 3
    text = (tmp_path / "out.csv").read_text(encoding="utf-8-sig")
    assert "E-1,electricity,kWh,3-402,,AC-1" in text and "W-1,water,m³,3-402,,PUMP-1" in text


async def test_pm_by_meter_in_chat(harness):
    room = await Place.get(code="3-402")
    await Asset.create(code="AC-3-402", name_zh="空调", name_en="Air conditioner",
                       category="hvac", place=room)
    await Asset.create(code="PUMP-3", name_zh="水泵", name_en="Pump", place=room)
    await Meter.create(code="E-402", kind="electricity", unit="kWh", place=room)
    await Meter.create(code="W-3", kind="water", unit="m³", place=room)
    replies = await harness.send("worker", "/pm meter E-402 AC-3-402")
    assert "没有权限" in replies[-1].text
    replies = await harness.send("manager", "/pm add AC-3-402 500kWh 清洗空调滤网")
    assert "没有关联表计" in replies[-1].text and "/pm meter" in replies[-1].text
    replies = await harness.send("manager", "/pm meter E-402 AC-3-402")
    assert "E-402 已关联到空调（AC-3-402）" in replies[-1].text
    replies = await harness.send("manager", "/pm add AC-3-402 500kWh 清洗空调滤网")
    assert "每走 500 kWh 保养一次，到期前 50 kWh 派发工单" in replies[-1].text
    replies = await harness.send("student2", "/pm meter W-3 PUMP-3")
    assert "not allowed" in replies[-1].text.lower() or "permission" in replies[-1].text.lower()
    await harness.send("manager", "/pm meter W-3 PUMP-3")
    replies = await harness.send("manager", "/pm add PUMP-3 every 1000 m³ 水泵保养")
    assert "已添加计划" in replies[-1].text and "「水泵保养」" in replies[-1].text
    replies = await harness.send("manager", "/pm add AC-3-402 每90天 滤网检查")
    assert "已添加计划" in replies[-1].text and "提前 7 天" in replies[-1].text
    replies = await harness.send("manager", "/pm add hvac 500kWh 清洗")
    assert "需针对单个资产" in replies[-1].text
    replies = await harness.send("manager", "/pm")
    assert "表 E-402 每 500 kWh：已走 0 / 450 kWh" in replies[-1].text
    assert "水泵保养" in replies[-1].text and "每 1000 m³" in replies[-1].text
    replies = await harness.send("manager", "/pm meter E-402 -")
    assert "已取消" in replies[-1].text
    assert await MaintenancePlan.filter(every_units__isnull=False).count() == 2
    assert await MaintenancePlan.filter(every_days=90).count() == 1
