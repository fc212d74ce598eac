"""Energy anomalies through the whole app: the job finds a leak and a spike once (also after
a restart), sends each with a 48 h chart to the right person, and the two buttons record one
decision (a linked repair ticket that is dispatched, or a false alarm), for the right people."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from bot.core.i18n import Translator
from bot.delivery.notifier import Notifier
from bot.services.container import Services
from bot.services.demo import seed_demo
from bot.services.energy.alerts import decide
from bot.services.energy.demo import seed_demo_energy
from bot.services.energy.jobs import energy_tick
from bot.services.energy.readings import ValidReading, store
from models.dispatch import TicketSla, WorkerProfile
from models.energy import Anomaly, Meter, Reading
from models.places import Place
from models.repairs import Ticket, TicketFollower
from tests.energy_support import TZ, electricity_use, register, water_use
from tests.support import make_settings

FIRST = datetime(2026, 10, 26).date()
LAST = FIRST + timedelta(days=34)
NOW = datetime(LAST.year, LAST.month, LAST.day, 23, 30, tzinfo=TZ)


def leak(local: datetime) -> float:
    """A running toilet from the last day on."""
    return 0.12 if local.date() >= LAST else 0.0


def heater(local: datetime) -> float:
    """A 2 kW heater for the last day's 15:00 hour."""
    return 2.0 if local.date() == LAST and local.hour == 15 else 0.0


async def meters(h) -> tuple[Meter, Meter]:
    """A water meter in 3-402 the worker answers for, a power meter in 3-403 nobody does."""
    water = await Meter.create(code="W-3-402", kind="water", unit="m³",
                               place=await Place.get(code="3-402"),
                               responsible=h.people["worker"])
    power = await Meter.create(code="E-3-403", kind="electricity", unit="kWh",
                               place=await Place.get(code="3-403"))
    for meter, profile, extra in ((water, water_use(), leak), (power, electricity_use(), heater)):
        readings = register(FIRST, 35, profile, extra=extra)
        await store([ValidReading(meter, ts, value) for ts, value in readings], "csv")
    return water, power


def alerts_to(h, user: str) -> list:
    """The anomaly alerts (messages with a chart) sent to `user`."""
    return [r for r in h.replies_to(user) if r.image is not None]


async def test_leak_and_spike_are_sent_once_with_a_chart_even_after_a_restart(harness):
    h = harness
    await meters(h)
    assert await energy_tick(h.app.services, NOW) == 2
    worker_alerts = alerts_to(h, "worker")
    assert len(worker_alerts) == 1  # the leak, to the meter's responsible worker
    alert = worker_alerts[0]
    assert "疑似漏水" in alert.text and "W-3-402" in alert.text and "3号楼402" in alert.text
    assert "0.120" in alert.text
    assert [b.label for b in alert.buttons[0]] == ["🛠 生成报修单", "🙅 误报"]
    image = Image.open(io.BytesIO(alert.image))
    image.verify()
    assert image.format == "PNG" and image.size == (800, 320)
    manager_alerts = alerts_to(h, "manager")  # the spike: nobody answers for 3-403
    assert len(manager_alerts) == 1 and "用量异常" in manager_alerts[0].text
    assert "15:00" in manager_alerts[0].text and "E-3-403" in manager_alerts[0].text

    later = NOW + timedelta(hours=1)
    assert await energy_tick(h.app.services, later) == 0
    await h.restart()
    assert await energy_tick(h.app.services, later) == 0
    assert await Anomaly.all().count() == 2
    assert len(alerts_to(h, "worker")) == 1 and len(alerts_to(h, "manager")) == 1


async def test_a_normal_week_raises_nothing(harness):
    h = harness
    water = await Meter.create(code="W-LIB", kind="water", unit="m³",
                               place=await Place.get(code="LIB"))
    readings = register(FIRST, 35, water_use(seed=7))
    await store([ValidReading(water, ts, value) for ts, value in readings], "api")
    for day in range(7):
        assert await energy_tick(h.app.services, NOW - timedelta(days=day)) == 0
    assert await Anomaly.all().count() == 0


async def test_create_repair_ticket_links_and_dispatches_it_once(harness):
    h = harness
    water, _ = await meters(h)
    await energy_tick(h.app.services, NOW)
    anomaly = await Anomaly.get(meter=water)
    replies = await h.press("worker", "生成报修单")
    ticket = await Ticket.get(place__code="3-402")
    assert ticket.category == "plumbing" and ticket.reporter_id == h.people["worker"].id
    assert "W-3-402" in ticket.description
    assert ticket.number in replies[0].text and "派工" in replies[0].text
    await anomaly.refresh_from_db()
    assert anomaly.state == "ticket" and anomaly.ticket_id == ticket.id
    assert anomaly.decided_by_id == h.people["worker"].id and anomaly.decided_at is not None
    assert await TicketSla.exists(ticket_id=ticket.id)  # dispatch took it up as usual

    again = await h.send("worker", callback=f"en:f:{anomaly.id}")
    assert "已由 王师傅" in again[0].text and ticket.number in again[0].text
    other = await h.send("manager", callback=f"en:t:{anomaly.id}")
    assert "已由 王师傅" in other[0].text
    assert await Ticket.all().count() == 1
    await anomaly.refresh_from_db()
    assert anomaly.state == "ticket"


async def test_false_alarm_is_recorded_and_nothing_else_changes(harness):
    h = harness
    _, power = await meters(h)
    await energy_tick(h.app.services, NOW)
    anomaly = await Anomaly.get(meter=power)
    replies = await h.press("manager", "误报")
    assert "误报" in replies[0].text and "阈值不会" in replies[0].text
    await anomaly.refresh_from_db()
    assert anomaly.state == "false_alarm" and anomaly.ticket_id is None
    assert anomaly.decided_by_id == h.people["manager"].id
    assert await Ticket.all().count() == 0
    assert h.app.services.energy.cfg.spike_k == 6.0  # nothing was tuned
    replies = await h.send("manager", callback=f"en:t:{anomaly.id}")
    assert "已由 陈主任" in replies[0].text and "误报" in replies[0].text
    assert await Ticket.all().count() == 0


async def test_who_may_decide(harness):
    h = harness
    water, power = await meters(h)
    await energy_tick(h.app.services, NOW)
    leak_alert = await Anomaly.get(meter=water)
    spike = await Anomaly.get(meter=power)
    replies = await h.send("student", callback=f"en:t:{leak_alert.id}")
    assert "只有收到该提醒的人" in replies[0].text
    replies = await h.send("student2", callback=f"en:f:{spike.id}")
    assert "Only the person this alert went to" in replies[0].text
    replies = await h.send("worker", callback=f"en:f:{spike.id}")  # not sent to the worker
    assert "只有收到该提醒的人" in replies[0].text
    assert await Anomaly.filter(state="open").count() == 2
    replies = await h.send("manager", callback="en:f:999999")
    assert "找不到异常 #999999" in replies[0].text
    replies = await h.send("manager", callback="en:x:1")
    assert "不认识这个按钮" in replies[0].text or replies[0].text == h.app.translator(
        "zh_CN", "errors.unknown_button")


async def test_the_zone_lead_is_told_when_nobody_answers_for_the_meter(harness):
    h = harness
    await Place.filter(code="3").update(zone="east")
    lead = await h.app.services.people.create("赵组长", ["worker"], zone="east", locale="en")
    await h.app.services.people.bind(lead, "test", "lead", "lead")
    await WorkerProfile.create(person=lead, zone_lead=True)
    await meters(h)
    await energy_tick(h.app.services, NOW)
    sent = alerts_to(h, "lead")
    assert len(sent) == 1 and "Unusual consumption" in sent[0].text
    assert "Building 3, Room 403" in sent[0].text
    assert alerts_to(h, "manager") == []
    replies = await h.press("lead", "False alarm")
    assert "recorded as a false alarm" in replies[0].text


async def test_anomaly_summary_for_the_digest(harness):
    h = harness
    await meters(h)
    await energy_tick(h.app.services, NOW)
    await h.press("worker", "生成报修单")
    await h.press("manager", "误报")
    energy = h.app.services.energy
    start = NOW - timedelta(hours=1)
    summary = await energy.anomaly_summary(start, start + timedelta(hours=2))
    assert summary.counts == {"leak": {"ticket": 1}, "spike": {"false_alarm": 1}}
    assert summary.total == 2
    first = summary.items[0]
    assert (first.meter, first.kind, first.state, first.place_en) == (
        "W-3-402", "leak", "ticket", "Building 3, Room 402")
    assert first.ticket is not None and first.decided_by == "王师傅"
    empty = await energy.anomaly_summary(start - timedelta(days=2), start - timedelta(days=1))
    assert empty.total == 0 and empty.counts == {}


async def test_two_presses_at_once_make_one_decision(harness):
    h = harness
    water, _ = await meters(h)
    await energy_tick(h.app.services, NOW)
    anomaly = await Anomaly.get(meter=water)
    energy = h.app.services.energy
    results = await asyncio.gather(
        decide(energy, anomaly.id, h.people["worker"], "ticket", "zh_CN"),
        decide(energy, anomaly.id, h.people["manager"], "false_alarm", "zh_CN"),
    )
    assert sorted(r.decided for r in results) == [False, True]
    winner = next(r for r in results if r.decided)
    await anomaly.refresh_from_db()
    assert anomaly.state == winner.anomaly.state
    assert await Ticket.all().count() == (1 if anomaly.state == "ticket" else 0)


async def test_a_leak_that_goes_on_is_one_alert_a_day(harness):
    h = harness
    water = await Meter.create(code="W-3-402", kind="water", unit="m³",
                               place=await Place.get(code="3-402"),
                               responsible=h.people["worker"])
    readings = register(FIRST, 36, water_use(), extra=leak)
    await store([ValidReading(water, ts, value) for ts, value in readings], "api")
    for hours in range(0, 30, 6):  # the job runs all night and the next day
        await energy_tick(h.app.services, NOW + timedelta(hours=hours))
    days = await Anomaly.filter(meter=water).order_by("day").values_list("day", "kind")
    assert days == [(LAST, "leak"), (LAST + timedelta(days=1), "leak")]
    assert len(alerts_to(h, "worker")) == 2


async def test_a_responsible_person_without_a_chat_is_skipped(harness):
    h = harness
    unbound = await h.app.services.people.create("新师傅", ["worker"])
    water, _ = await meters(h)
    await Meter.filter(id=water.id).update(responsible_id=unbound.id)
    await energy_tick(h.app.services, NOW)
    assert alerts_to(h, "worker") == []
    assert len(alerts_to(h, "manager")) == 2  # the leak and the spike
    anomaly = await Anomaly.get(meter=water)
    assert anomaly.notified == [h.people["manager"].id]


async def test_energy_lists_the_weeks_anomalies_and_shows_one_again(harness):
    h = harness
    _, power = await meters(h)
    await energy_tick(h.app.services, NOW)
    await Anomaly.all().update(detected_at=datetime.now(UTC))  # /energy: the real last week
    replies = await h.send("worker", "/energy")
    assert "W-3-402" in replies[0].text and "E-3-403" not in replies[0].text  # not the worker's
    replies = await h.send("manager", "/energy")
    assert "W-3-402" in replies[0].text and "E-3-403" in replies[0].text
    assert "待处理" in replies[0].text
    spike = await Anomaly.get(meter=power)
    shown = await h.press("manager", "E-3-403")
    assert shown[0].image is not None and "用量异常" in shown[0].text
    await h.press("manager", "误报")
    replies = await h.send("manager", "/energy")
    assert f"#{spike.id} ⚡ 用量异常 · E-3-403" in replies[0].text and "误报" in replies[0].text
    assert all("E-3-403" not in b.label for row in replies[0].buttons for b in row)
    refused = await h.send("student", "/energy")
    assert refused[0].text == h.app.translator("zh_CN", "errors.not_allowed")
    refused = await h.send("worker", callback=f"en:v:{spike.id}")
    assert "只有收到该提醒的人" in refused[0].text
    await Anomaly.all().delete()
    replies = await h.send("worker", "/energy")
    assert "近 7 天没有" in replies[0].text


@pytest.mark.parametrize("hour", [10, 18, 21])  # 18:20, 02:20 and 05:20 in Shanghai
async def test_the_demo_meters_raise_a_leak_and_a_spike(db, tmp_path, hour):
    now = datetime(2026, 11, 30, hour, 20, tzinfo=UTC)
    await seed_demo()
    await Reading.all().delete()  # seeded for the real now: again for this test's
    assert await seed_demo_energy(now) > 1000
    assert await seed_demo_energy(now) == 0  # once
    services = Services.build(make_settings(tmp_path), Notifier({}, Translator()))
    assert await energy_tick(services, now) == 2
    found = await Anomaly.all().order_by("id").values_list("meter__code", "kind")
    assert sorted(found) == [("E-4-101", "spike"), ("W-1-101", "leak")]


async def test_an_open_ticket_on_the_place_is_linked_not_doubled(harness):
    h = harness
    water, _ = await meters(h)
    reported = await h.app.services.repairs.create(
        h.people["student"], await Place.get(code="3-402"), "plumbing", "马桶一直在流水")
    await energy_tick(h.app.services, NOW)
    replies = await h.press("worker", "生成报修单")
    assert "已关联" in replies[0].text and reported.number in replies[0].text
    assert await Ticket.all().count() == 1
    anomaly = await Anomaly.get(meter=water)
    assert anomaly.state == "ticket" and anomaly.ticket_id == reported.id
    assert await TicketFollower.exists(ticket_id=reported.id, person_id=h.people["worker"].id)
