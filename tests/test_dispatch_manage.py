"""Manager tools on SQLite: /open filters, reassign, urgency, close as duplicate or invalid with
the reason sent to the reporter; zone leads; and what non-managers may not do."""

from __future__ import annotations

import pytest

from bot.core.errors import InvalidState, NotFound, PermissionDenied, ServiceError
from bot.services.repairs.manage import OpenFilter
from models.dispatch import Job
from models.repairs import Ticket, TicketEvent, TicketFollower
from tests.dispatch_support import World


@pytest.fixture
async def world(db, tmp_path):
    w = await World(tmp_path).setup()
    yield w
    await w.notifier.stop()


async def test_open_filters(world):
    await world.on_duty("wang")
    north, _ = await world.file("3-402")
    south, _ = await world.file("5-101", category="electrical", description="灯不亮")
    manage, boss = world.services.manage, world.people["manager"]

    def numbers(lines):
        return [line.ticket.number for line in lines]

    assert numbers(await manage.open_tickets(boss, now=world.now)) == [north.number, south.number]
    assert numbers(await manage.open_tickets(boss, OpenFilter(zone="south"))) == [south.number]
    assert numbers(await manage.open_tickets(boss, OpenFilter(status="assigned"))) == [
        north.number]
    assert await manage.open_tickets(boss, OpenFilter(overdue=True), now=world.now) == []
    late = await manage.open_tickets(boss, OpenFilter(overdue=True), now=world.tick(hours=2))
    assert numbers(late) == [north.number, south.number]
    with pytest.raises(ServiceError):
        await manage.open_tickets(boss, OpenFilter(status="exploded"))
    assert await manage.zones() == ["north", "south"]
    line = (await manage.open_tickets(world.people["wang"], now=world.now))[0]
    assert line.worker is None and line.zone == "north"  # offered, not accepted yet
    assert line.offered_to == [world.people["wang"].name]


async def test_reassign_an_accepted_job(world):
    await world.on_duty("wang", "li")
    ticket, _ = await world.file("3-402")
    job = await Job.get(ticket_id=ticket.id)
    await world.services.offers.accept(job.id, world.people["wang"], world.now)
    manage, boss = world.services.manage, world.people["manager"]
    choices = await manage.reassign_choices(boss, ticket.id)
    assert next(c.person.name for c in choices) == "李师傅"  # the current worker is left out
    with pytest.raises(InvalidState):
        await manage.reassign(boss, ticket.id, world.people["wang"].id)
    with pytest.raises(NotFound):
        await manage.reassign(boss, ticket.id, world.people["student"].id)
    await manage.reassign(boss, ticket.id, world.people["li"].id, world.now)
    assert (await Job.get(id=job.id)).status == "released"
    assert (await Ticket.get(id=ticket.id)).status == "assigned"
    assert "改派" in world.texts("wang")[-1] and ticket.number in world.texts("li")[-1]
    assert "其他师傅" in world.texts("student")[-1]
    new = await Job.get(ticket_id=ticket.id, worker_id=world.people["li"].id)
    assert new.offered_by_id == boss.id
    await world.services.offers.accept(new.id, world.people["li"], world.now)
    assert (await world.services.dispatch.assignee(ticket)).name == "李师傅"


async def test_close_as_duplicate_moves_followers(world):
    original, _ = await world.file("3-402")
    copy, _ = await world.file("3-402", reporter="student2", description="tap leaking")
    manage, boss = world.services.manage, world.people["manager"]
    with pytest.raises(ServiceError):
        await manage.close(boss, copy.id, "duplicate", "  ")
    with pytest.raises(NotFound):
        await manage.close(boss, copy.id, "duplicate", f"同 {copy.number}")
    found = await manage.close(boss, copy.id, "duplicate",
                               f"与 {original.number} 是同一个水龙头")
    assert found.id == original.id
    assert (await Ticket.get(id=copy.id)).status == "closed"
    text = world.texts("student2")[-1]
    assert "duplicate" in text and original.number in text and "同一个水龙头" in text
    assert await TicketFollower.exists(ticket_id=original.id, person_id=world.people["student2"].id)
    with pytest.raises(InvalidState):
        await manage.close(boss, copy.id, "invalid", "again")


async def test_close_invalid_withdraws_offers(world):
    await world.on_duty("wang")
    ticket, _ = await world.file("3-402")
    await world.services.manage.close(world.people["manager"], ticket.id,
                                      "invalid", "测试单，无需处理")
    assert "测试单，无需处理" in world.texts("student")[-1]
    assert "已关闭" in world.texts("wang")[-1]
    assert (await Job.get(ticket_id=ticket.id)).status == "withdrawn"
    kinds = await TicketEvent.filter(ticket_id=ticket.id).values_list("kind", flat=True)
    assert "closed_invalid" in kinds


async def test_urgent_upgrade_dispatches_a_held_ticket(world):
    world.tick(hours=13)  # 23:00: a normal ticket waits for the morning
    await world.on_duty("wang")
    ticket, outcome = await world.file("3-402")
    assert outcome.kind == "deferred"
    await world.services.manage.change_urgency(world.people["manager"],
                                               ticket.id, "urgent", world.now)
    assert ticket.number in world.texts("wang")[-1]
    assert "紧急" in world.texts("student")[-1]
    with pytest.raises(InvalidState):
        await world.services.manage.change_urgency(world.people["manager"],
                                                   ticket.id, "urgent", world.now)
    with pytest.raises(ServiceError):
        await world.services.manage.change_urgency(world.people["manager"],
                                                   ticket.id, "whenever", world.now)


async def test_only_managers_use_manager_tools(world):
    ticket, _ = await world.file("3-402")
    manage = world.services.manage
    for key in ("student", "wang", "keeper"):
        person = world.people[key]
        with pytest.raises(PermissionDenied):
            await manage.change_urgency(person, ticket.id, "urgent")
        with pytest.raises(PermissionDenied):
            await manage.close(person, ticket.id, "invalid", "no")
        with pytest.raises(PermissionDenied):
            await manage.reassign_choices(person, ticket.id)
        with pytest.raises(PermissionDenied):
            await world.services.duty.toggle_zone_lead(person, world.people["wang"].id)
        with pytest.raises(PermissionDenied):
            await world.services.duty.overview(person)
    assert (await Ticket.get(id=ticket.id)).urgency == "normal"


async def test_zone_leads(world):
    duty, boss = world.services.duty, world.people["manager"]
    info = await duty.toggle_zone_lead(boss, world.people["wang"].id)
    assert info.zone_lead and [p.name for p in await duty.zone_leads("north")] == ["王师傅"]
    with pytest.raises(InvalidState):  # the manager has no zone
        await duty.toggle_zone_lead(boss, world.people["manager"].id)
    with pytest.raises(NotFound):
        await duty.toggle_zone_lead(boss, world.people["student"].id)
    assert not (await duty.toggle_zone_lead(boss, world.people["wang"].id)).zone_lead
