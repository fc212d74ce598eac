"""Follow-up (回访) on SQLite: rating closes the ticket, bad scores and stale answers are refused,
"not fixed" reopens to the same worker with priority, silence closes after 48 h, low ratings and
repeat failures reach the managers."""

from __future__ import annotations

import pytest

from bot.core.errors import InvalidState, PermissionDenied, ServiceError
from models.dispatch import Job, TicketSla
from models.followup import FollowUp, RepeatFailure
from models.repairs import Ticket, TicketEvent
from tests.dispatch_support import World
from tests.support import png_bytes


@pytest.fixture
async def world(db, tmp_path):
    w = await World(tmp_path).setup()
    await w.on_duty("wang")
    yield w
    await w.notifier.stop()


async def finished(world: World, place: str = "3-402", follower: str | None = None
                   ) -> tuple[Ticket, Job, FollowUp]:
    ticket, _ = await world.file(place)
    if follower:
        await world.services.repairs.follow(ticket.id, world.people[follower])
    job = await Job.get(ticket_id=ticket.id, status="offered")
    wang = world.people["wang"]
    await world.services.offers.accept(job.id, wang, world.now)
    pid = (await world.services.media.store_photo(wang, png_bytes(seed=ticket.id))).id
    await world.services.work.complete(job.id, wang, "换了阀芯", [pid], [],
                                       world.now)
    return ticket, job, await FollowUp.get(ticket_id=ticket.id)


async def test_rating_closes_and_checks_input(world):
    ticket, _, fu = await finished(world, follower="student2")
    assert "was repaired" in world.texts("student2")[-1]
    assert f"fu:r:{fu.id}:5" in world.payloads("student")
    assert not any(p.startswith("fu:") for p in world.payloads("student2"))
    assert f"fu:no:{fu.id}" in world.payloads("student")
    followup, student = world.services.followup, world.people["student"]
    for bad in ("0", "6", "-1", "five", "99999999999999999999"):
        with pytest.raises(ServiceError) as err:
            await followup.rate(fu.id, student, bad, world.now)
        assert err.value.key == "followup.bad_score"
    with pytest.raises(PermissionDenied):
        await followup.rate(fu.id, world.people["student2"], 5, world.now)
    with pytest.raises(PermissionDenied):
        await followup.rate(fu.id, world.people["wang"], 5, world.now)
    assert (await Ticket.get(id=ticket.id)).status == "done"
    await followup.rate(fu.id, student, "5", world.now)
    assert (await Ticket.get(id=ticket.id)).status == "closed"
    assert (await FollowUp.get(id=fu.id)).score == 5
    assert "confirmed fixed" in world.texts("student2")[-1]
    assert "★★★★★" in world.texts("wang")[-1]
    with pytest.raises(InvalidState) as err:
        await followup.rate(fu.id, student, 3, world.now)
    assert err.value.key == "followup.already_rated"
    with pytest.raises(InvalidState):
        await followup.not_fixed(fu.id, student, world.now)
    await followup.comment(fu.id, student, "师傅很专业")
    with pytest.raises(InvalidState):
        await followup.comment(fu.id, student, "again")
    assert not any("评价较低" in t for t in world.texts("manager"))


async def test_low_rating_and_its_comment_go_to_managers(world):
    _ticket, _, fu = await finished(world)
    student = world.people["student"]
    await world.services.followup.rate(fu.id, student, 2, world.now)
    assert "评价较低" in world.texts("manager")[-1] and "★★" in world.texts("manager")[-1]
    await world.services.followup.comment(fu.id, student, "拖了一整天")
    assert "拖了一整天" in world.texts("manager")[-1]


async def test_not_fixed_reopens_to_the_same_worker_with_priority(world):
    ticket, job, fu = await finished(world)
    await world.services.followup.not_fixed(fu.id, world.people["student"],
                                            world.tick(hours=1))
    assert (await Ticket.get(id=ticket.id)).status == "reopened"
    job = await Job.get(id=job.id)
    assert job.status == "accepted" and job.priority and job.stage == "accepted"
    assert "优先处理" in world.texts("wang")[-1]
    sla = await TicketSla.get(ticket_id=ticket.id)
    assert sla.resolution_due == world.now + world.services.dispatch.policy.rule(
        "plumbing", "urgent").resolution
    views = await world.services.work.my_jobs(world.people["wang"], world.now)
    assert views[0].job.id == job.id
    await world.services.work.advance(job.id, world.people["wang"], "a")
    with pytest.raises(InvalidState) as err:  # the old question cannot be answered again
        await world.services.followup.rate(fu.id, world.people["student"], 5)
    assert err.value.key == "followup.was_not_fixed"
    wang = world.people["wang"]
    pid = (await world.services.media.store_photo(wang, png_bytes(seed=42))).id
    await world.services.work.complete(job.id, wang, "这次换了整个龙头", [pid], [])
    second = await FollowUp.filter(ticket_id=ticket.id).order_by("-id").first()
    assert second.id != fu.id and not (await Job.get(id=job.id)).priority


async def test_silence_closes_after_48_hours(world):
    ticket, _, fu = await finished(world, follower="student2")
    await world.run_due(hours=47)
    assert (await Ticket.get(id=ticket.id)).status == "done"
    await world.run_due(hours=1)
    assert (await Ticket.get(id=ticket.id)).status == "closed"
    assert (await FollowUp.get(id=fu.id)).answer == "auto"
    assert "未收到答复" in world.texts("student")[-1]
    assert "confirmed fixed" in world.texts("student2")[-1]
    assert "auto_closed" in await TicketEvent.filter(ticket_id=ticket.id).values_list(
        "kind", flat=True)
    with pytest.raises(InvalidState) as err:  # a star pressed days later
        await world.services.followup.rate(fu.id, world.people["student"], 4,
                                           world.tick(days=3))
    assert err.value.key == "followup.auto_closed_already"
    assert (await FollowUp.get(id=fu.id)).score is None


async def test_third_repair_in_30_days_is_flagged(world):
    for round_ in range(3):
        ticket, _, fu = await finished(world)
        await world.services.followup.rate(fu.id, world.people["student"], 4,
                                           world.now)
        flagged = await RepeatFailure.exists(ticket_id=ticket.id)
        assert flagged == (round_ == 2)
        world.tick(days=10)
    assert "3 次" in [t for t in world.texts("manager") if "可能需要更换" in t][-1]
    assert "repeat_failure" in await TicketEvent.filter(ticket_id=ticket.id).values_list(
        "kind", flat=True)
    world.tick(days=15)  # the first two are now older than 30 days
    ticket, _, _ = await finished(world)
    assert not await RepeatFailure.exists(ticket_id=ticket.id)
    other, _, _ = await finished(world, "3-403")
    assert not await RepeatFailure.exists(ticket_id=other.id)
