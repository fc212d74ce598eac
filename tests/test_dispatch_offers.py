"""Dispatch on SQLite with a controlled clock: who gets the offer, decline and time-out chains,
nobody left, concurrent Accept, stale offers, the night, and who may NOT do what."""

from __future__ import annotations

import asyncio

import pytest

from bot.core.errors import InvalidState, PermissionDenied
from models.dispatch import Job
from models.repairs import Ticket, TicketEvent
from tests.dispatch_support import World


@pytest.fixture
async def world(db, tmp_path):
    w = await World(tmp_path).setup()
    yield w
    await w.notifier.stop()


async def offer_of(ticket, key: str, world: World) -> Job:
    return await Job.get(ticket_id=ticket.id, worker_id=world.people[key].id)


async def test_candidates_skill_zone_then_load(world):
    duty = world.services.duty
    await world.on_duty("wang", "li", "zhao")
    names = [w.person.name for w in await duty.candidates("plumbing", "north", set())]
    assert names == ["王师傅", "李师傅"]  # right skill only, own zone first
    names = [w.person.name for w in await duty.candidates("plumbing", "south", set())]
    assert names == ["李师傅", "王师傅"]
    ticket, _ = await world.file("3-402")
    await world.services.offers.accept((await offer_of(ticket, "wang", world)).id,
                                       world.people["wang"], world.now)
    names = [w.person.name for w in await duty.candidates("plumbing", "east", set())]
    assert names == ["李师傅", "王师傅"]  # no zone match: least load first
    await world.services.duty.set_duty(world.people["li"], False, world.now)
    assert [w.person.name for w in await duty.candidates("plumbing", None, set())] == ["王师傅"]
    assert len(await duty.candidates("other", None, set())) == 2  # any skill for "other"


async def test_offer_message_has_the_job_details(world):
    await world.on_duty("wang", "li")
    ticket, outcome = await world.file("3-402", photos=2)
    assert outcome.kind == "offered" and outcome.worker.name == "王师傅"
    assert outcome.response_due is not None and ticket.status == "assigned"
    sent = [r for a, r in world.adapter.sent if a.chat_id == "wang"]
    assert [[m.kind for m in r.album] for r in sent] == [["photo", "photo"], []]  # one album
    card = sent[-1].text
    for part in (ticket.number, "3-402室", "水龙头漏水", "照片：2 张", "张三", "一般", "前接单"):
        assert part in card, part
    job = await offer_of(ticket, "wang", world)
    assert world.payloads("wang") == [f"jb:a:{job.id}", f"jb:d:{job.id}"]
    assert world.texts("li") == []
    kinds = await TicketEvent.filter(ticket_id=ticket.id).values_list("kind", flat=True)
    assert "offered" in kinds


async def test_decline_chain_then_nobody_then_a_new_worker(world):
    await world.on_duty("wang", "li")
    ticket, _ = await world.file("3-402")
    offers = world.services.offers
    await offers.decline((await offer_of(ticket, "wang", world)).id,
                         world.people["wang"], "在忙别的单", world.now)
    assert ticket.number in world.texts("li")[-1]
    await offers.decline((await offer_of(ticket, "li", world)).id,
                         world.people["li"], "太远", world.now)
    assert (await Ticket.get(id=ticket.id)).status == "submitted"
    alert = world.texts("manager")[-1]
    assert ticket.number in alert and "暂无可派" in alert
    notes = await TicketEvent.filter(ticket_id=ticket.id, kind="declined").values_list(
        "note", flat=True)
    assert notes == ["王师傅: 在忙别的单", "李师傅: 太远"]
    newcomer = await world.services.people.create("孙师傅", ["worker"], skills=["plumbing"])
    await world.services.people.bind(newcomer, "test", "sun", "sun")
    await world.services.duty.set_duty(newcomer, True, world.now)
    sent = await world.services.dispatch.on_duty_started(newcomer, world.now)
    assert sent == 1 and ticket.number in world.texts("sun")[-1]
    assert (await Ticket.get(id=ticket.id)).status == "assigned"


async def test_one_no_worker_alert_per_event_with_the_truth_at_send_time(world):
    await world.on_duty("wang")  # the only plumber on duty
    ticket, _ = await world.file("3-402")
    await world.run_due(minutes=11)  # no answer: nobody else to ask, but his offer stays open
    wang_job = await offer_of(ticket, "wang", world)
    assert wang_job.timed_out and wang_job.status == "offered"
    assert not [t for t in world.texts("manager") if "暂无可派" in t]  # he may still answer
    await world.services.offers.decline(wang_job.id, world.people["wang"], "太远", world.now)
    alerts = [t for t in world.texts("manager") if "暂无可派" in t]
    assert len(alerts) == 1 and ticket.number in alerts[0] and "等待" not in alerts[0]
    # the same "nobody left" moment seen again (a deferred run, a second trigger): no repeat
    await world.services.dispatch.dispatch(ticket, world.now)
    assert len([t for t in world.texts("manager") if "暂无可派" in t]) == 1
    # a new event after a new offer: told again
    await world.on_duty("li")
    await world.services.dispatch.on_duty_started(world.people["li"], world.now)
    li_job = await offer_of(ticket, "li", world)
    await world.services.offers.decline(li_job.id, world.people["li"], "忙", world.now)
    assert len([t for t in world.texts("manager") if "暂无可派" in t]) == 2


async def test_timeout_passes_on_and_the_first_accept_wins(world):
    await world.on_duty("wang", "li")
    ticket, _ = await world.file("3-402")
    await world.run_due(minutes=9)
    assert world.texts("li") == []
    await world.run_due(minutes=2)  # 11 minutes: no answer from 王师傅
    assert ticket.number in world.texts("li")[-1]
    wang_job = await offer_of(ticket, "wang", world)
    assert wang_job.status == "offered" and wang_job.timed_out
    await world.services.offers.accept(wang_job.id, world.people["wang"],
                                       world.now)
    li_job = await offer_of(ticket, "li", world)
    assert li_job.status == "withdrawn"
    assert "已被其他同事接走" in world.texts("li")[-1]
    with pytest.raises(InvalidState) as late:
        await world.services.offers.accept(li_job.id, world.people["li"],
                                           world.now)
    assert late.value.key == "dispatch.taken"
    assert "王师傅 已接下" in world.texts("student")[-1]
    assert (await world.services.dispatch.tracker.get(ticket.id)).responded_at == world.now


async def test_two_workers_accept_at_once_exactly_one_wins(world):
    await world.on_duty("wang", "li")
    ticket, _ = await world.file("3-402", urgency="urgent")
    await world.run_due(minutes=4)  # urgent: 3 minutes, then 李师傅 is asked too
    jobs = [await offer_of(ticket, k, world) for k in ("wang", "li")]
    results = await asyncio.gather(
        *[world.services.offers.accept(job.id, world.people[k], world.now)
          for job, k in zip(jobs, ("wang", "li"), strict=True)],
        return_exceptions=True,
    )
    wins = [r for r in results if isinstance(r, Job)]
    losses = [r for r in results if isinstance(r, InvalidState)]
    assert len(wins) == 1 and len(losses) == 1, results
    assert losses[0].key == "dispatch.taken"
    states = sorted(await Job.filter(ticket_id=ticket.id).values_list("status", flat=True))
    assert states == ["accepted", "withdrawn"]
    assert (await Ticket.get(id=ticket.id)).status == "accepted"
    accepted = await TicketEvent.filter(ticket_id=ticket.id, to_status="accepted").count()
    assert accepted == 1


async def test_offer_pressed_days_later_changes_nothing(world):
    await world.on_duty("wang")
    ticket, _ = await world.file("3-402")
    job = await offer_of(ticket, "wang", world)
    await world.run_due(days=2)
    with pytest.raises(InvalidState) as stale:
        await world.services.offers.accept(job.id, world.people["wang"],
                                           world.now)
    assert stale.value.key == "dispatch.offer_expired"
    assert (await Job.get(id=job.id)).status == "offered"
    assert (await Ticket.get(id=ticket.id)).status == "assigned"


async def test_cancelled_and_reassigned_offers_answer_clearly(world):
    await world.on_duty("wang", "li")
    ticket, _ = await world.file("3-402")
    job = await offer_of(ticket, "wang", world)
    await world.services.manage.reassign(world.people["manager"], ticket.id,
                                         world.people["li"].id, world.now)
    assert "改派" in world.texts("wang")[-1]
    with pytest.raises(InvalidState) as err:
        await world.services.offers.accept(job.id, world.people["wang"],
                                           world.now)
    assert err.value.key == "dispatch.job_withdrawn"
    cancelled, _ = await world.file("3-403", description="门锁坏了", category="carpentry")
    offer = await offer_of(cancelled, "wang", world)
    await world.services.repairs.cancel(cancelled.number, world.people["student"])
    await world.services.dispatch.on_ticket_cancelled(cancelled, world.now)
    assert "撤销" in world.texts("wang")[-1]
    with pytest.raises(InvalidState) as err:
        await world.services.offers.decline(offer.id, world.people["wang"],
                                            "x", world.now)
    assert err.value.key == "dispatch.job_cancelled"
    assert (await Job.get(id=offer.id)).status == "withdrawn"


async def test_who_may_not(world):
    await world.on_duty("wang", "li")
    ticket, _ = await world.file("3-402")
    job = await offer_of(ticket, "wang", world)
    offers, work = world.services.offers, world.services.work
    for outsider in ("student", "li", "manager"):
        with pytest.raises(PermissionDenied):
            await offers.accept(job.id, world.people[outsider], world.now)
        with pytest.raises(PermissionDenied):
            await offers.decline(job.id, world.people[outsider], "x", world.now)
    await offers.accept(job.id, world.people["wang"], world.now)
    with pytest.raises(PermissionDenied):
        await work.advance(job.id, world.people["li"], "w")
    with pytest.raises(PermissionDenied):
        await work.complete(job.id, world.people["student"], "好了", [], [])
    with pytest.raises(PermissionDenied):
        await world.services.manage.reassign(world.people["wang"], ticket.id,
                                             world.people["li"].id)
    with pytest.raises(PermissionDenied):
        await world.services.duty.set_duty(world.people["student"], True)
    with pytest.raises(PermissionDenied):
        await work.my_jobs(world.people["student"])
    with pytest.raises(PermissionDenied):
        await world.services.manage.open_tickets(world.people["student"])
    assert (await Job.get(id=job.id)).worker_id == world.people["wang"].id


async def test_night_holds_normal_tickets_for_the_morning(world):
    world.tick(hours=13)  # Monday 23:00
    await world.on_duty("wang")
    ticket, outcome = await world.file("3-402")
    assert outcome.kind == "deferred" and outcome.when.astimezone(world.now.tzinfo).hour == 8
    assert world.texts("wang") == []
    assert "08:00" in world.texts("manager")[-1]
    _urgent, outcome = await world.file("3-403", urgency="urgent", description="水管爆了")
    assert outcome.kind == "offered"  # the night shift takes urgent ones
    await world.run_due(hours=8)  # 07:00: still night
    assert all(ticket.number not in t for t in world.texts("wang"))
    await world.run_due(hours=1)  # 08:00
    assert ticket.number in world.texts("wang")[-1]
