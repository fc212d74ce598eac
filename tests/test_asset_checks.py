"""The monthly asset check (资产回访) on SQLite with a controlled clock: the round goes out on its
day and hour (month and year ends, time zone), each keeper gets their own list once (across a
restart and a second instance), unanswered lists are reminded after 3 days and reported to the
managers after 3 more, answers change the asset's status and history, and what each person may
not do."""

from __future__ import annotations

import asyncio
import csv
from datetime import UTC, datetime, timedelta

import pytest
from tortoise.exceptions import IntegrityError

from bot.core.errors import InvalidState, NotFound, PermissionDenied, ServiceError
from bot.core.i18n import Translator
from bot.delivery.notifier import Notifier
from bot.services.assets import (
    AssetCheckService,
    AssetsDigest,
    export_asset_checks,
    page_view,
    sync_asset,
)
from bot.services.assets.jobs import asset_check_tick
from bot.services.container import Services
from bot.services.digest.more_sections import MoreFigures, lines
from models.assets import (
    Asset,
    AssetCheckItem,
    AssetCheckList,
    AssetCheckRound,
    AssetEvent,
)
from models.people import Person
from models.places import Place, Zone
from models.repairs import Ticket
from tests.dispatch_support import TZ, World
from tests.support import RecordingAdapter

DEC_1_9 = datetime(2026, 12, 1, 9, 0, tzinfo=TZ)


@pytest.fixture
async def world(db, tmp_path):
    w = await World(tmp_path).setup()
    people = w.people
    await Person.filter(id=people["wang"].id).update(department="后勤处")
    place = {p.code: p for p in await Place.all()}
    w.assets = {}
    for code, where, keeper in (("AC-1", "3-402", "wang"), ("AC-2", "3-403", "wang"),
                                ("PC-1", "5-101", "li"), ("TV-1", "3-402", None),
                                ("LAMP-1", "5-101", "zhao"), ("OLD-1", "3-402", "wang")):
        w.assets[code] = await Asset.create(
            code=code, name_zh=f"设备{code}", name_en=f"Device {code}", category="electrical",
            place=place[where], responsible=people[keeper] if keeper else None,
            status="disposed" if code == "OLD-1" else "in_use")
    await Person.filter(id=people["zhao"].id).update(active=False)  # zhao has left
    w.checks = AssetCheckService(w.services)
    yield w
    await w.notifier.stop()


def at(local: datetime) -> datetime:
    return local.astimezone(UTC)


async def items(world, key: str) -> dict[str, AssetCheckItem]:
    sheet = await AssetCheckList.get(person_id=world.people[key].id).order_by("-id").first()
    found = await AssetCheckItem.filter(sheet_id=sheet.id).prefetch_related("asset")
    return {i.asset.code: i for i in found}


def sent_to(world, key: str, needle: str) -> list[str]:
    return [t for t in world.texts(key) if needle in t]


async def test_the_round_goes_out_on_its_day_and_hour_once(world):
    assert await asset_check_tick(world.services, at(DEC_1_9 - timedelta(minutes=1))) == 0
    assert not await AssetCheckRound.exists()
    await asset_check_tick(world.services, at(DEC_1_9))
    check = await AssetCheckRound.get()
    assert (check.key, check.kind) == ("m:2026-12", "monthly")
    [wang_list] = sent_to(world, "wang", "2026-12 资产回访")
    assert "AC-1" in wang_list and "AC-2" in wang_list and "PC-1" not in wang_list
    assert "OLD-1" not in wang_list  # disposed assets are not checked
    assert "3-402室" in wang_list and "3-403室" in wang_list  # grouped by place
    assert [p for p in world.payloads("wang") if p.startswith("ac:")]
    [li_list] = sent_to(world, "li", "资产回访")
    assert "PC-1" in li_list
    # nobody can be asked about TV-1 (no keeper) and LAMP-1 (keeper left): the managers see them
    [orphans] = sent_to(world, "manager", "没有可联系的保管人")
    assert "TV-1" in orphans and "LAMP-1" in orphans and "赵师傅" in orphans
    assert not world.texts("zhao")
    count = len(world.adapter.sent)
    await asset_check_tick(world.services, at(DEC_1_9 + timedelta(hours=2)))
    restarted = Services.build(world.settings, world.notifier)  # a restart: same database
    await asset_check_tick(restarted, at(DEC_1_9 + timedelta(hours=3)))
    assert len(world.adapter.sent) == count and await AssetCheckRound.all().count() == 1


async def test_month_and_year_ends_in_local_time(world):
    # 30 Nov 23:59 Shanghai is 15:59 UTC: still November, whose day has not come in this test
    late_nov = datetime(2026, 11, 30, 23, 59, tzinfo=TZ)
    assert await world.checks.open_month(at(late_nov)) is None  # Nov 1 + 3 days grace passed
    december = await world.checks.open_month(at(DEC_1_9))
    assert december.key == "m:2026-12"
    # 1 Jan 09:00 Shanghai is 31 Dec 01:00 UTC
    assert await world.checks.open_month(datetime(2027, 1, 1, 0, 59, tzinfo=UTC)) is None
    january = await world.checks.open_month(datetime(2027, 1, 1, 1, 0, tzinfo=UTC))
    assert january.key == "m:2027-01"
    assert (await AssetCheckRound.get(id=december.id)).closed_at is not None
    assert (await AssetCheckRound.get(id=january.id)).closed_at is None
    # killed after opening January but before closing December: the next tick closes it
    await AssetCheckRound.filter(id=december.id).update(closed_at=None)
    await world.checks.tick(datetime(2027, 1, 1, 1, 5, tzinfo=UTC))
    assert (await AssetCheckRound.get(id=december.id)).closed_at is not None
    assert (await AssetCheckRound.get(id=january.id)).closed_at is None


async def test_no_assets_no_round(world):
    await Asset.all().delete()
    assert await world.checks.tick(at(DEC_1_9)) == 0
    assert not await AssetCheckRound.exists() and not world.adapter.sent


async def test_a_bot_that_was_off_sends_late_but_not_a_month_late(world):
    assert await world.checks.open_month(at(DEC_1_9 + timedelta(days=2, hours=23))) is not None
    await AssetCheckRound.all().delete()
    assert await world.checks.open_month(at(DEC_1_9 + timedelta(days=3))) is None


async def test_two_instances_open_one_round(world, tmp_path):
    other_notifier = Notifier({"test": RecordingAdapter()}, Translator())
    other = AssetCheckService(Services.build(world.settings, other_notifier))
    made = await asyncio.gather(world.checks.open_month(at(DEC_1_9)),
                                other.open_month(at(DEC_1_9)))
    assert len([m for m in made if m is not None]) == 1
    assert await AssetCheckRound.filter(key="m:2026-12").count() == 1
    with pytest.raises(IntegrityError):  # the database refuses a second round of the month
        await AssetCheckRound.create(key="m:2026-12", started_at=at(DEC_1_9))
    await other_notifier.stop()


async def test_restart_mid_fan_out_sends_each_list_once(world):
    check = await world.checks.open_month(at(DEC_1_9))  # killed before anything was sent
    assert not world.adapter.sent
    restarted = AssetCheckService(Services.build(world.settings, world.notifier))
    await restarted.tick(at(DEC_1_9 + timedelta(minutes=5)))
    assert len(sent_to(world, "wang", "资产回访")) == 1
    # killed after wang's list went out but before it was marked sent: not sent again
    await AssetCheckList.filter(round_id=check.id, person_id=world.people["wang"].id) \
        .update(sent_at=None)
    await restarted.tick(at(DEC_1_9 + timedelta(minutes=10)))
    assert len(sent_to(world, "wang", "资产回访")) == 1
    assert len(sent_to(world, "manager", "没有可联系的保管人")) == 1


async def test_reminder_after_three_days_then_the_managers_report(world):
    await asset_check_tick(world.services, at(DEC_1_9))
    wang = await items(world, "wang")
    sheet_id = wang["AC-1"].sheet_id
    assert await world.checks.all_in_place(world.people["wang"], sheet_id, 1, at(DEC_1_9)) == 2
    assert (await AssetCheckList.get(id=sheet_id)).done_at is not None
    await asset_check_tick(world.services, at(DEC_1_9 + timedelta(days=3, minutes=-1)))
    assert not sent_to(world, "li", "提醒")
    await asset_check_tick(world.services, at(DEC_1_9 + timedelta(days=3)))
    [reminder] = sent_to(world, "li", "提醒")
    assert "PC-1" in reminder and not sent_to(world, "wang", "提醒")
    await asset_check_tick(world.services, at(DEC_1_9 + timedelta(days=3, hours=1)))
    assert len(sent_to(world, "li", "提醒")) == 1
    assert not sent_to(world, "manager", "已答")
    await Zone.create(code="south", name_zh="南区", name_en="South campus")
    await asset_check_tick(world.services, at(DEC_1_9 + timedelta(days=6)))
    [summary] = sent_to(world, "manager", "已答")
    assert "5 件资产已答 2 件（40%）" in summary
    assert "后勤处：已答 2/2" in summary and "南区：已答 0/2" in summary  # a zone by its name
    assert "north：已答 0/1" in summary  # TV-1 has no keeper: its building's zone
    assert "提醒后仍未回答：李师傅（1 件）" in summary
    await asset_check_tick(world.services, at(DEC_1_9 + timedelta(days=7)))
    assert len(sent_to(world, "manager", "已答")) == 1
    li_sheet = await AssetCheckList.get(person_id=world.people["li"].id)
    assert li_sheet.reported_at is not None


async def test_summary_comes_early_when_everyone_answered(world):
    await asset_check_tick(world.services, at(DEC_1_9))
    for key in ("wang", "li"):
        sheet_id = next(iter((await items(world, key)).values())).sheet_id
        await world.checks.all_in_place(world.people[key], sheet_id, 1, at(DEC_1_9))
    await asset_check_tick(world.services, at(DEC_1_9 + timedelta(hours=1)))
    [summary] = sent_to(world, "manager", "已答")
    assert "（60%）" in summary and "2 份清单无人可问" in summary


async def test_missing_damaged_and_found_update_status_and_history(world):
    await asset_check_tick(world.services, at(DEC_1_9))
    li = world.people["li"]
    pc = (await items(world, "li"))["PC-1"]
    await world.checks.answer(li, pc.id, "missing", now=at(DEC_1_9))
    assert (await Asset.get(code="PC-1")).status == "missing"
    await world.checks.answer(li, pc.id, "in_place", now=at(DEC_1_9))  # found after all
    assert (await Asset.get(code="PC-1")).status == "in_use"
    kinds = await AssetEvent.filter(asset_id=pc.asset.id).order_by("id") \
        .values_list("kind", flat=True)
    assert kinds[-2:] == ["missing", "found"]
    wang = world.people["wang"]
    ac1 = (await items(world, "wang"))["AC-1"]
    with pytest.raises(ServiceError) as refused:
        await world.checks.answer(wang, ac1.id, "damaged", "  ", now=at(DEC_1_9))
    assert refused.value.key == "asset_check.need_evidence"
    answered = await world.checks.answer(wang, ac1.id, "damaged", "外壳裂了", now=at(DEC_1_9))
    ticket = await Ticket.get(id=answered.ticket_id)
    assert ticket.asset_id == ac1.asset.id and "外壳裂了" in ticket.description
    assert (await Asset.get(code="AC-1")).status == "damaged"  # shown so while repaired
    event = await AssetEvent.filter(asset_id=ac1.asset.id, kind="damaged").first()
    assert event.note == "外壳裂了" and event.actor_id == wang.id
    with pytest.raises(InvalidState):  # one ticket per damaged answer
        await world.checks.answer(wang, ac1.id, "damaged", "again", now=at(DEC_1_9))
    ac2 = (await items(world, "wang"))["AC-2"]
    twice = await asyncio.gather(  # a double tap on Damaged
        world.checks.answer(wang, ac2.id, "damaged", "屏幕碎了", now=at(DEC_1_9)),
        world.checks.answer(wang, ac2.id, "damaged", "屏幕碎了", now=at(DEC_1_9)),
        return_exceptions=True)
    assert len([r for r in twice if isinstance(r, InvalidState)]) == 1
    assert await Ticket.filter(asset_id=ac2.asset.id).count() == 1
    await Ticket.filter(id=ticket.id).update(status="closed")
    await sync_asset(await Ticket.get(id=ticket.id), None)  # what closing a ticket does
    assert (await Asset.get(code="AC-1")).status == "in_use"


async def test_a_person_answers_only_their_own_list(world):
    await asset_check_tick(world.services, at(DEC_1_9))
    wang_items = await items(world, "wang")
    ac1 = wang_items["AC-1"]
    li, student = world.people["li"], world.people["student"]
    for person in (li, student):
        with pytest.raises(PermissionDenied):  # a forged ac:x:<id> for someone else's asset
            await world.checks.answer(person, ac1.id, "missing", now=at(DEC_1_9))
        with pytest.raises(PermissionDenied):
            await world.checks.all_in_place(person, ac1.sheet_id, 1, at(DEC_1_9))
        with pytest.raises(PermissionDenied):
            await world.checks.page(person, ac1.sheet_id)
    assert (await AssetCheckItem.get(id=ac1.id)).answer is None
    assert (await Asset.get(code="AC-1")).status == "in_use"
    with pytest.raises(NotFound):
        await world.checks.answer(li, 999_999, "missing", now=at(DEC_1_9))
    with pytest.raises(ServiceError):
        await world.checks.answer(world.people["wang"], ac1.id, "stolen", now=at(DEC_1_9))


async def test_an_asset_moved_during_the_round(world):
    await asset_check_tick(world.services, at(DEC_1_9))
    await world.services.assets.move(world.people["manager"], "AC-2",
                                     await Place.get(code="5-101"))
    wang = world.people["wang"]
    ac2 = (await items(world, "wang"))["AC-2"]
    page = await world.checks.page_with(wang, ac2)
    line = next(line for line in page.lines if line.asset.code == "AC-2")
    assert line.place.code == "5-101"  # the page shows where it is now
    await world.checks.answer(wang, ac2.id, "missing", now=at(DEC_1_9))
    assert (await Asset.get(code="AC-2")).status == "missing"


async def test_an_answer_to_last_months_round_is_refused(world):
    await asset_check_tick(world.services, at(DEC_1_9))
    december = await items(world, "wang")
    await asset_check_tick(world.services, datetime(2027, 1, 1, 1, 0, tzinfo=UTC))
    wang = world.people["wang"]
    with pytest.raises(InvalidState) as closed:
        await world.checks.answer(wang, december["AC-1"].id, "missing",
                                  now=datetime(2027, 1, 1, 2, 0, tzinfo=UTC))
    assert closed.value.key == "asset_check.closed_answer"
    with pytest.raises(InvalidState):
        await world.checks.all_in_place(wang, december["AC-1"].sheet_id, 1)
    assert (await AssetCheckItem.get(id=december["AC-1"].id)).answer is None
    assert (await Asset.get(code="AC-1")).status == "in_use"
    old = await world.checks.page(wang, december["AC-1"].sheet_id)
    assert old.closed  # shown, without answer buttons


async def test_ad_hoc_round_for_a_place_or_department(world):
    manager = world.people["manager"]
    with pytest.raises(PermissionDenied):
        await world.checks.start_adhoc(world.people["student"], place=await Place.get(code="3"))
    with pytest.raises(PermissionDenied):
        await world.checks.start_adhoc(world.people["wang"], department="后勤处")
    building = await world.checks.start_adhoc(manager, place=await Place.get(code="3"),
                                              now=at(DEC_1_9))
    codes = set(await AssetCheckItem.filter(round_id=building.id)
                .values_list("asset__code", flat=True))
    assert codes == {"AC-1", "AC-2", "TV-1"}  # the building's rooms, not 5-101
    assert await world.checks.started(building) == (3, 1, 1)
    assert sent_to(world, "wang", "资产回访 #")
    south = await world.checks.start_adhoc(manager, department="South", now=at(DEC_1_9))
    codes = set(await AssetCheckItem.filter(round_id=south.id)
                .values_list("asset__code", flat=True))
    assert codes == {"PC-1", "LAMP-1"}  # no department: the place's zone (its building's)
    await Zone.create(code="north", name_zh="北区", name_en="North campus")
    world.services.places.forget_zone_names()  # as a places import does
    north = await world.checks.start_adhoc(manager, department="北区", now=at(DEC_1_9))
    assert set(await AssetCheckItem.filter(round_id=north.id)
               .values_list("asset__code", flat=True)) == {"TV-1"}  # by the zone's name
    with pytest.raises(NotFound):
        await world.checks.start_adhoc(manager, department="没有这个部门", now=at(DEC_1_9))


async def test_digest_line_and_the_auditors_export(world, tmp_path):
    await asset_check_tick(world.services, at(DEC_1_9))
    wang = world.people["wang"]
    ac1 = (await items(world, "wang"))["AC-1"]
    await world.checks.answer(wang, ac1.id, "missing", "不见了", now=at(DEC_1_9))
    summary = await AssetsDigest().assets_summary(at(DEC_1_9 - timedelta(hours=9)),
                                                 at(DEC_1_9 + timedelta(days=1)))
    [check] = summary.checks
    assert (check.total, check.answered, len(check.missing)) == (5, 1, 1)
    translate = Translator()
    text = "\n".join(lines(MoreFigures(assets=summary),
                           lambda key, **f: translate("en", key, **f), "en"))
    assert "Asset checks: asset check 2026-12 20% answered (1/5), 1 missing" in text
    out = tmp_path / "checks.csv"
    assert await export_asset_checks(out, world.settings.timezone) == 5
    rows = {r["asset"]: r for r in csv.DictReader(out.open(encoding="utf-8-sig"))}
    assert rows["AC-1"]["answer"] == "missing" and rows["AC-1"]["note"] == "不见了"
    assert rows["AC-1"]["answered_at"].startswith("2026-12-01T09:00:00+08:00")
    assert rows["AC-2"]["answer"] == "unanswered" and rows["TV-1"]["answer"] == "no_keeper"
    assert rows["LAMP-1"]["keeper_name"] == "赵师傅" and rows["AC-1"]["round"] == "m:2026-12"


async def test_a_long_list_is_paged_and_all_in_place_takes_one_page(world):
    world.checks.settings = world.settings.model_copy(update={"asset_check_page_size": 1})
    await world.checks.tick(at(DEC_1_9))
    wang = world.people["wang"]
    sheet_id = (await items(world, "wang"))["AC-1"].sheet_id
    first = await world.checks.page(wang, sheet_id, 1)
    assert (first.page, first.pages, [x.asset.code for x in first.lines]) == (1, 2, ["AC-1"])
    translate = Translator()
    text, buttons = page_view(first, lambda key, **f: translate("en", key, **f), "en")
    labels = [b.label for row in buttons for b in row]
    assert "page 1/2" in text and "Next ▶" in labels and "◀ Previous" not in labels
    assert await world.checks.all_in_place(wang, sheet_id, 2, at(DEC_1_9)) == 1
    answers = {code: i.answer for code, i in (await items(world, "wang")).items()}
    assert answers == {"AC-1": None, "AC-2": "in_place"}
    second = await world.checks.page(wang, sheet_id, 9)  # past the end: the last page
    text, buttons = page_view(second, lambda key, **f: translate("en", key, **f), "en")
    assert second.page == 2 and "AC-2 Device AC-2 — in place" in text
    assert [b.label for row in buttons for b in row] == ["◀ Previous"]


async def test_a_keeper_without_a_chat_is_listed_to_the_managers(world):
    unbound = await world.services.people.create("孙老师", ["reporter"])  # never signed in
    await Asset.create(code="FAN-1", name_zh="风扇", name_en="Fan", place=await Place.get(
        code="5-101"), responsible=unbound)
    check = await world.checks.start_adhoc(world.people["manager"],
                                           place=await Place.get(code="5-101"), now=at(DEC_1_9))
    assert await world.checks.started(check) == (3, 1, 2)  # li asked; zhao left, 孙老师 unbound
    [orphans] = sent_to(world, "manager", "没有可联系的保管人")
    assert "FAN-1 风扇" in orphans and "孙老师" in orphans and "PC-1" not in orphans
    await Person.filter(id=world.people["li"].id).update(active=False)  # li leaves too
    await world.checks.remind(at(DEC_1_9 + timedelta(days=3)))
    assert not sent_to(world, "li", "提醒")
