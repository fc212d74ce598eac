"""SLA timers run by the periodic job with the clock advanced: reminders, the zone lead, then
the managers; met deadlines stay quiet; the night waits; timers survive a restart."""

from __future__ import annotations

import asyncio

import pytest

from bot.core.i18n import Translator
from bot.delivery.notifier import Notifier
from bot.services.container import Services
from bot.services.repairs.jobs import dispatch_tick
from models.dispatch import DueTask, Job
from models.repairs import TicketEvent
from tests.dispatch_support import World


@pytest.fixture
async def world(db, tmp_path):
    w = await World(tmp_path).setup()
    await w.services.duty.toggle_zone_lead(w.people["manager"], w.people["lead"].id)
    yield w
    await w.notifier.stop()


async def history(ticket) -> list[str]:
    return list(await TicketEvent.filter(ticket_id=ticket.id).order_by("id").values_list(
        "kind", flat=True))


async def test_unanswered_offer_reminded_then_escalated(world):
    await world.on_duty("wang")
    ticket, _ = await world.file("3-402")  # normal, 10:00: accept by 11:00
    await world.run_due(minutes=44)
    assert not any("提醒" in t for t in world.texts("wang"))
    await world.run_due(minutes=1)  # 10:45
    assert "提醒" in world.texts("wang")[-1] and ticket.number in world.texts("wang")[-1]
    assert world.texts("lead") == []
    await world.run_due(minutes=15)  # 11:00: the zone lead of "north"
    assert "未在 11-23 11:00 前接单" in world.texts("lead")[-1]
    assert not any(ticket.number in t and "未在" in t for t in world.texts("manager"))
    await world.run_due(minutes=30)  # 11:30: the managers
    assert "未在 11-23 11:00 前接单" in world.texts("manager")[-1]
    assert f"mg:v:{ticket.id}" in world.payloads("manager")
    assert f"tk:v:{ticket.number}" in world.payloads("lead")  # a lead without manager tools
    kinds = await history(ticket)
    assert kinds.count("sla_response_lead") == 1 and kinds.count("sla_response_manager") == 1
    listed = await world.services.manage.open_tickets(world.people["manager"], now=world.now)
    assert [line.overdue for line in listed] == [True]


async def test_no_zone_lead_goes_straight_to_managers(world):
    await world.on_duty("li")
    ticket, _ = await world.file("5-101")  # zone south has no lead
    await world.run_due(hours=1)
    assert ticket.number in world.texts("manager")[-1]
    assert "sla_response_manager" in await history(ticket)


async def test_met_deadlines_stay_quiet(world):
    await world.on_duty("wang")
    ticket, _ = await world.file("3-402")
    job = await Job.get(ticket_id=ticket.id)
    await world.services.offers.accept(job.id, world.people["wang"],
                                       world.tick(minutes=20))
    before = len(world.adapter.sent)
    await world.run_due(minutes=70)  # past the response deadline
    assert len(world.adapter.sent) == before
    outcomes = await DueTask.filter(kind="lead_response").values_list("outcome", flat=True)
    assert outcomes == ["met"]


async def test_resolution_waits_for_the_morning_for_normal_tickets(world):
    await world.on_duty("wang")
    ticket, _ = await world.file("3-402")
    job = await Job.get(ticket_id=ticket.id)
    await world.services.offers.accept(job.id, world.people["wang"], world.now)
    await world.run_due(hours=11, minutes=45)  # 21:45: to be done by 22:00
    assert "22:00 前完工" in world.texts("wang")[-1]
    await world.run_due(hours=3)  # 00:45: night, nobody is disturbed
    assert world.texts("lead") == []
    await world.run_due(hours=7, minutes=15)  # 08:00: the zone lead
    assert "未在 11-23 22:00 前完工" in world.texts("lead")[-1]
    await world.run_due(minutes=30)
    assert "未在 11-23 22:00 前完工" in world.texts("manager")[-1]


async def test_urgency_change_retimes_and_old_timers_lapse(world):
    await world.on_duty("wang")
    ticket, _ = await world.file("3-402")
    await world.services.manage.change_urgency(world.people["manager"],
                                               ticket.id, "low", world.tick(minutes=5))
    await world.run_due(hours=2)  # the normal response deadline (11:00) no longer applies
    assert "sla_response_lead" not in await history(ticket)
    stale = await DueTask.filter(kind="lead_response", outcome="stale").count()
    assert stale == 1
    assert "不急" in world.texts("wang")[-1]


async def test_timers_survive_a_restart_and_run_once(world, tmp_path):
    await world.on_duty("wang")
    ticket, _ = await world.file("3-402")
    await world.notifier.stop()
    notifier = Notifier({"test": world.adapter}, Translator())
    fresh = Services.build(world.settings, notifier)  # a new process on the same database
    world.tick(hours=1, minutes=31)
    try:
        ran = await asyncio.gather(dispatch_tick(fresh, world.now),
                                   dispatch_tick(fresh, world.now))
    finally:
        await notifier.stop()
        world.notifier = Notifier({"test": world.adapter}, Translator())
    assert sum(ran) == await DueTask.filter(done_at__not_isnull=True).count()
    kinds = await history(ticket)
    assert kinds.count("sla_response_lead") == 1 and kinds.count("sla_response_manager") == 1
