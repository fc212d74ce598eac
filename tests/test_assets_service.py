"""The asset register on SQLite: lifecycle history, roles, under_repair while a ticket is open,
repeat failures per asset."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.errors import InvalidState, NotFound, PermissionDenied, ServiceError
from models.assets import Asset, AssetEvent, AssetRepeatFailure
from models.dispatch import Job
from models.followup import FollowUp, RepeatFailure
from models.places import Place
from models.repairs import Ticket
from tests.dispatch_support import World
from tests.support import png_bytes


@pytest.fixture
async def world(db, tmp_path):
    w = await World(tmp_path).setup()
    await w.on_duty("wang")
    yield w
    await w.notifier.stop()


async def make_asset(world: World, code: str = "AC-01", place: str = "3-402") -> Asset:
    return await world.services.assets.create(
        world.people["manager"], code, "空调", await Place.get(code=place), name_en="Air con",
        category="hvac", purchase_date=date(2024, 3, 1), warranty_end=date(2027, 3, 1),
        now=world.now,
    )


async def kinds(asset: Asset) -> list[str]:
    return list(await AssetEvent.filter(asset_id=asset.id).order_by("id")
                .values_list("kind", flat=True))


async def file_on(world: World, asset: Asset, category: str = "plumbing") -> Ticket:
    place = await Place.get(id=asset.place_id)
    ticket = await world.services.repairs.create(
        world.people["student"], place, category, "坏了", "normal", [], world.now, asset=asset)
    await world.services.dispatch.on_ticket_created(ticket, world.now)
    return await Ticket.get(id=ticket.id)


async def repair(world: World, ticket: Ticket) -> None:
    job = await Job.get(ticket_id=ticket.id, status="offered")
    wang = world.people["wang"]
    await world.services.offers.accept(job.id, wang, world.now)
    pid = (await world.services.media.store_photo(wang, png_bytes(seed=ticket.id))).id
    await world.services.work.complete(job.id, wang, "修好了", [pid], [],
                                       world.now)


async def test_lifecycle_history_with_who_when_why(world):
    assets, manager = world.services.assets, world.people["manager"]
    asset = await make_asset(world)
    world.tick(days=1)
    await assets.move(manager, "ac-01", await Place.get(code="3-403"), "调整", world.now)
    await assets.set_status(manager, "AC-01", "idle", "放假", world.now)
    with pytest.raises(ServiceError) as err:
        await assets.dispose(manager, "AC-01", "   ")
    assert err.value.key == "assets.need_reason"
    await assets.dispose(manager, "AC-01", "压缩机损坏 无法修复", world.now)
    events = await AssetEvent.filter(asset_id=asset.id).order_by("id").prefetch_related(
        "actor", "to_place")
    assert [e.kind for e in events] == ["created", "moved", "status", "disposed"]
    assert all(e.actor.id == manager.id for e in events)
    assert events[1].to_place.code == "3-403" and events[1].note == "调整"
    assert events[1].created_at > events[0].created_at
    assert (events[3].from_status, events[3].to_status) == ("idle", "disposed")
    assert events[3].note == "压缩机损坏 无法修复"
    with pytest.raises(InvalidState) as err:
        await assets.move(manager, "AC-01", await Place.get(code="3-402"))
    assert err.value.key == "assets.already_disposed"
    with pytest.raises(InvalidState) as err:
        await assets.scanned("asset", "AC-01")
    assert err.value.key == "qr.retired_asset"
    with pytest.raises(InvalidState):  # no new tickets on a retired asset
        await file_on(world, await Asset.get(id=asset.id))


async def test_roles_reporter_and_worker_cannot_edit(world):
    asset = await make_asset(world)
    assets, room = world.services.assets, await Place.get(code="3-403")
    student, wang = world.people["student"], world.people["wang"]
    for person in (student, wang):
        with pytest.raises(PermissionDenied):
            await assets.move(person, asset.code, room)
        with pytest.raises(PermissionDenied):
            await assets.set_status(person, asset.code, "idle")
        with pytest.raises(PermissionDenied):
            await assets.dispose(person, asset.code, "broken")
        with pytest.raises(PermissionDenied):
            await assets.create(person, "X-1", "桌子", room)
    with pytest.raises(PermissionDenied):
        await assets.card(asset.code, student)
    card = await assets.card(asset.code, wang)
    assert card.place.code == "3-402" and not card.may_edit
    assert (await assets.card(asset.code, world.people["manager"])).may_edit
    assert await kinds(asset) == ["created"]
    with pytest.raises(NotFound):
        await assets.card("NOPE", wang)


async def test_under_repair_while_a_ticket_is_open(world):
    asset = await make_asset(world)
    ticket = await file_on(world, asset)
    assert (await Asset.get(id=asset.id)).status == "under_repair"
    with pytest.raises(InvalidState) as err:  # a manager cannot paper over an open repair
        await world.services.assets.set_status(world.people["manager"], asset.code, "in_use")
    assert err.value.key == "assets.repair_open"
    second = await file_on(world, asset, "carpentry")
    await repair(world, ticket)
    assert (await Asset.get(id=asset.id)).status == "under_repair"  # the second is still open
    await world.services.repairs.cancel(second.number, world.people["student"])
    assert (await Asset.get(id=asset.id)).status == "in_use"
    fu = await FollowUp.get(ticket_id=ticket.id)
    await world.services.followup.not_fixed(fu.id, world.people["student"],
                                            world.now)
    assert (await Asset.get(id=asset.id)).status == "under_repair"  # reopened
    assert await kinds(asset) == ["created", "repair_opened", "repaired", "repair_opened"]
    opened = await AssetEvent.filter(asset_id=asset.id, kind="repair_opened").first()
    assert opened.ticket_id == ticket.id and opened.note == ticket.number
    with pytest.raises(ServiceError) as err:  # a ticket names only an asset of its place
        await world.services.repairs.create(
            world.people["student"], await Place.get(code="3-403"), "plumbing", "x",
            asset=asset)
    assert err.value.key == "assets.not_here"


async def test_same_asset_repaired_three_times_in_30_days_is_flagged(world):
    asset = await make_asset(world)
    other = await make_asset(world, "AC-02")
    categories = ("plumbing", "carpentry", "plumbing")  # never 3× the same place+category
    for round_, category in enumerate(categories):
        ticket = await file_on(world, asset, category)
        await repair(world, ticket)
        flagged = await AssetRepeatFailure.exists(ticket_id=ticket.id)
        assert flagged == (round_ == 2)
        assert not await RepeatFailure.exists(ticket_id=ticket.id)
        world.tick(days=10)
    flag = await AssetRepeatFailure.get(asset_id=asset.id)
    assert (flag.count, flag.window_days) == (3, 30)
    alert = [t for t in world.texts("manager") if "AC-01" in t and "可能需要更换" in t]
    assert alert and "3 次" in alert[-1] and "空调" in alert[-1]
    assert f"as:v:{asset.id}" in world.payloads("manager")
    ticket = await file_on(world, other)  # a different asset at the same place: no flag
    await repair(world, ticket)
    assert not await AssetRepeatFailure.exists(asset_id=other.id)
    world.tick(days=25)  # the first two are now older than 30 days
    ticket = await file_on(world, asset, "carpentry")
    await repair(world, ticket)
    assert not await AssetRepeatFailure.exists(ticket_id=ticket.id)
