"""The worker's flow on SQLite: progress taps, done with note/photos/materials, need parts,
need help, can't fix; each change told to the reporter and followers in their language."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.core.errors import InvalidState, ServiceError
from bot.services.repairs.materials import parse_materials
from models.dispatch import Job
from models.followup import TicketMaterial
from models.repairs import Attachment, Ticket, TicketEvent
from tests.dispatch_support import World
from tests.support import png_bytes


@pytest.fixture
async def world(db, tmp_path):
    w = await World(tmp_path).setup()
    await w.on_duty("wang", "li")
    yield w
    await w.notifier.stop()


async def accepted(world: World, place: str = "3-402", **kw):
    ticket, _ = await world.file(place, **kw)
    job = await Job.get(ticket_id=ticket.id, status="offered")
    worker = next(p for p in world.people.values() if p.id == job.worker_id)
    await world.services.offers.accept(job.id, worker, world.now)
    return ticket, job, worker


async def photo(world: World, worker, seed: int = 1) -> int:
    return (await world.services.media.store_photo(worker, png_bytes(seed=seed))).id


async def test_progress_taps_tell_reporter_and_followers(world):
    ticket, job, wang = await accepted(world)
    await world.services.repairs.follow(ticket.id, world.people["student2"])
    work = world.services.work
    await work.advance(job.id, wang, "w")
    assert "王师傅 已出发" in world.texts("student")[-1]
    assert "is on the way" in world.texts("student2")[-1]  # the follower reads English
    with pytest.raises(InvalidState) as err:
        await work.advance(job.id, wang, "w")  # an old button pressed again
    assert err.value.key == "dispatch.stage_passed"
    await work.advance(job.id, wang, "a")
    await work.advance(job.id, wang, "p")
    assert (await Ticket.get(id=ticket.id)).status == "in_progress"
    assert (await Job.get(id=job.id)).stage == "in_progress"
    statuses = await TicketEvent.filter(ticket_id=ticket.id, kind="status").values_list(
        "to_status", flat=True)
    assert statuses[-4:] == ["accepted", "on_the_way", "arrived", "in_progress"]
    with pytest.raises(ServiceError):
        await work.advance(job.id, wang, "zz")


async def test_done_needs_note_and_photo_then_records_materials(world):
    ticket, job, wang = await accepted(world)
    work = world.services.work
    with pytest.raises(ServiceError) as err:
        await work.complete(job.id, wang, "换了阀芯", [], [], world.now)
    assert err.value.key == "dispatch.done_need_photo"
    pid = await photo(world, wang)
    with pytest.raises(ServiceError) as err:
        await work.complete(job.id, wang, "   ", [pid], [], world.now)
    assert err.value.key == "dispatch.done_need_note"
    other = await photo(world, world.people["li"], seed=7)  # not his photo: does not count
    with pytest.raises(ServiceError):
        await work.complete(job.id, wang, "换了阀芯", [other], [], world.now)
    lines = parse_materials("水龙头阀芯 x1\nPVC管 1.5米；生料带")
    await work.complete(job.id, wang, "换了阀芯", [pid], lines, world.now)
    assert (await Ticket.get(id=ticket.id)).status == "done"
    assert (await Attachment.get(id=pid)).kind == "result"
    used = [(m.item, m.quantity, m.unit) for m in await TicketMaterial.filter(
        ticket_id=ticket.id).order_by("id")]
    assert used == [("水龙头阀芯", Decimal("1"), None), ("PVC管", Decimal("1.5"), "米"),
                    ("生料带", Decimal("1"), None)]
    assert "换了阀芯" in world.texts("student")[-1]  # the follow-up question with the note
    with pytest.raises(InvalidState) as err:
        await work.complete(job.id, wang, "again", [pid], [], world.now)
    assert err.value.key == "dispatch.already_done"


async def test_photos_optional_when_configured(db, tmp_path):
    path = tmp_path / "sla.toml"
    path.write_text("[dispatch]\ndone_photos_required = 0\n", encoding="utf-8")
    world = await World(tmp_path, sla_file=str(path)).setup()
    try:
        await world.on_duty("wang")
        ticket, job, wang = await accepted(world)
        await world.services.work.complete(job.id, wang, "修好了", [], [])
        assert (await Ticket.get(id=ticket.id)).status == "done"
    finally:
        await world.notifier.stop()


def test_material_lines():
    assert parse_materials("") == []
    assert [(m.item, str(m.quantity)) for m in parse_materials("螺丝*10, fuse x2")] == [
        ("螺丝", "10"), ("fuse", "2")]
    with pytest.raises(ServiceError):
        parse_materials("胶水 0")
    with pytest.raises(ServiceError):
        parse_materials("\n".join(f"item{i} x1" for i in range(30)))


async def test_need_parts_and_help(world):
    ticket, job, wang = await accepted(world)
    work = world.services.work
    await work.need_parts(job.id, wang, "DN15 阀芯 1 个")
    assert "DN15 阀芯" in world.texts("keeper")[-1] and "DN15" in world.texts("manager")[-1]
    assert "需要配件" in world.texts("student")[-1]
    helper = await work.need_help(job.id, wang, world.now)
    assert helper.name == "李师傅" and ticket.number in world.texts("li")[-1]
    with pytest.raises(InvalidState):
        await work.need_help(job.id, wang, world.now)  # one request at a time
    help_job = await Job.get(ticket_id=ticket.id, role="helper")
    await world.services.offers.accept(help_job.id, world.people["li"], world.now)
    assert "李师傅" in world.texts("wang")[-1]
    with pytest.raises(InvalidState) as err:  # the helper does not drive the ticket
        await work.advance(help_job.id, world.people["li"], "w")
    assert err.value.key == "dispatch.helper_cannot"
    await work.complete(job.id, wang, "好了", [await photo(world, wang)], [])
    assert (await Job.get(id=help_job.id)).status == "done"


async def test_no_helper_tells_managers(world):
    ticket, job, wang = await accepted(world, "3-402")
    await world.services.duty.set_duty(world.people["li"], False)
    assert await world.services.work.need_help(job.id, wang, world.now) is None
    assert ticket.number in world.texts("manager")[-1]
    assert "没有人能协助" in world.texts("wang")[-1]


async def test_cant_fix_goes_back_to_managers(world):
    ticket, job, wang = await accepted(world)
    work = world.services.work
    with pytest.raises(ServiceError):
        await work.cant_fix(job.id, wang, "  ")
    await work.cant_fix(job.id, wang, "墙内水管破裂，需要土建", world.now)
    assert (await Ticket.get(id=ticket.id)).status == "submitted"
    assert (await Job.get(id=job.id)).status == "escalated"
    assert "墙内水管破裂" in world.texts("manager")[-1]
    assert "主管正在安排" in world.texts("student")[-1]
    assert f"mg:v:{ticket.id}" in world.payloads("manager")
    with pytest.raises(InvalidState):
        await work.advance(job.id, wang, "w")
    kinds = await TicketEvent.filter(ticket_id=ticket.id).values_list("kind", flat=True)
    assert "cant_fix" in kinds


async def test_my_jobs_oldest_first_without_stale_offers(world):
    first, _job1, wang = await accepted(world, "3-402")
    world.tick(minutes=5)
    second, _ = await world.file("3-403", category="carpentry", description="门锁坏了")
    views = await world.services.work.my_jobs(wang, world.now)
    assert [v.ticket.number for v in views] == [first.number, second.number]
    assert [v.job.status for v in views] == ["accepted", "offered"]
    later = await world.services.work.my_jobs(wang, world.tick(days=1))
    assert [v.ticket.number for v in later] == [first.number]
