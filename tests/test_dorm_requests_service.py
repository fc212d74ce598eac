"""Dorm request rules against the real database: typed times and dates, who may file and decide,
one decision wins, the room move is one transaction (two approvals racing for the last bed),
and the digest's counts."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.core.errors import InvalidState, NotFound, PermissionDenied, ServiceError
from bot.core.i18n import Translator
from bot.delivery.notifier import Notifier
from bot.services.dorm_requests.rules import (
    Preference,
    check_span,
    expected_moment,
    find_preference,
    parse_clock,
    parse_date,
)
from bot.services.dorm_requests.service import DormRequestService
from bot.services.dorms import DormService
from bot.services.repairs.tickets import RepairService
from models.dorm_requests import DormRequest
from models.dorms import ACTIVE_STATUSES, DormAssignment
from models.places import Place
from tests.dorm_requests_support import TZ, spare_beds
from tests.support import seed_small_campus
from tests.test_dorm_support import small_dorm, window_around


@pytest.fixture
async def world(db, tmp_path):
    """张三 and 李四 in D1-203 (admin1), 王五 in D2-101 (admin2), one free bed in D1-204."""
    people = await seed_small_campus()
    start, end = window_around(datetime.now(UTC))
    made = await small_dorm(tmp_path, {"student": people["student"],
                                       "student2": people["student2"]}, start, end)
    made.update(people)
    notifier = Notifier({}, Translator())  # these decisions push nothing
    made["service"] = DormRequestService(DormService(RepairService(), notifier=notifier), notifier)
    made["bed"] = (await spare_beds())[0]
    return made


def test_typed_times_and_dates():
    assert parse_clock("23:30") == time(23, 30)
    assert parse_clock("23：05") == time(23, 5)
    assert parse_clock("23点半") == time(23, 30)
    assert parse_clock("0") == time(0, 0)
    for bad in ("24:00", "23:60", "tonight", "", "12:3:4"):
        assert parse_clock(bad) is None, bad
    evening = datetime(2026, 11, 30, 22, 0, tzinfo=TZ)
    assert expected_moment(time(23, 30), evening, TZ) == datetime(2026, 11, 30, 23, 30, tzinfo=TZ)
    assert expected_moment(time(0, 30), evening, TZ) == datetime(2026, 12, 1, 0, 30, tzinfo=TZ)
    with pytest.raises(ServiceError) as err:
        expected_moment(time(21, 0), evening, TZ)
    assert err.value.key == "dorm_requests.time_passed"
    today = date(2026, 11, 30)
    assert parse_date("12-05", today) == date(2026, 12, 5)
    assert parse_date("1月3日", today) == date(2027, 1, 3)
    assert parse_date("11/30", today) == today
    assert parse_date("11/30", today, after_today=True) == date(2027, 11, 30)
    assert parse_date("2-30", today) is None and parse_date("next week", today) is None
    check_span(today, today + timedelta(days=30), today)
    for start, end, key in ((today - timedelta(days=1), today, "date_past"),
                            (today + timedelta(days=2), today + timedelta(days=1),
                             "date_before_from"),
                            (today, today + timedelta(days=31), "span_too_long"),
                            (today + timedelta(days=61), today + timedelta(days=62),
                             "date_too_far")):
        with pytest.raises(ServiceError) as err:
            check_span(start, end, today)
        assert err.value.key == f"dorm_requests.{key}"


async def test_preferences_are_checked_against_the_roster(world):
    pref = await find_preference("d1-204")
    assert pref.room is not None and pref.room.code == "D1-204" and pref.building.code == "D1"
    assert (await find_preference("D2")).room is None
    with pytest.raises(ServiceError) as err:
        await find_preference("D1-2O4")
    assert "D1-204" in err.value.fields["suggestions"]
    with pytest.raises(ServiceError):
        await find_preference("3-402")  # a room, but not a dorm room


async def test_who_may_file_and_decide(world):
    service, student = world["service"], world["student"]
    evening = datetime(2026, 11, 30, 20, 0, tzinfo=TZ)
    with pytest.raises(NotFound) as err:
        await service.file_late_return(world["worker"], time(23, 0), "加班", evening)
    assert err.value.key == "dorm_requests.not_resident"
    request = await service.file_late_return(student, time(23, 0), "  实验 \n 加班 ", evening)
    assert request.reason == "实验 加班" and request.building_id == (await Place.get(code="D1")).id
    with pytest.raises(InvalidState):
        await service.file_late_return(student, time(23, 30), "再来一次", evening)
    with pytest.raises(ServiceError) as err:
        await service.file_stay_out(world["student2"], evening.date(), evening.date(), "家",
                                    "not a phone", now=evening)
    assert err.value.key == "dorm_requests.bad_phone"
    with pytest.raises(ServiceError) as err:
        await service.file_room_change(world["student2"], "x" * 301)
    assert err.value.key == "dorm_requests.text_too_long"
    for outsider in (student, world["admin2"], world["worker"]):
        with pytest.raises(PermissionDenied):
            await service.approve(outsider, request.id)
        with pytest.raises(PermissionDenied):
            await service.reject(outsider, request.id, "不行")
    with pytest.raises(NotFound):
        await service.withdraw(world["student2"], request.id)
    results = await asyncio.gather(
        service.approve(world["admin1"], request.id),
        service.reject(world["manager"], request.id, "不批"),
        service.approve(world["manager"], request.id),
        return_exceptions=True,
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert all(isinstance(r, InvalidState) for r in results if isinstance(r, BaseException))
    with pytest.raises(InvalidState):
        await service.withdraw(student, request.id)


async def test_a_request_of_a_student_who_left_is_cancelled(world):
    service = world["service"]
    request = await service.file_room_change(world["student2"], "想换")
    await DormAssignment.filter(person_id=world["student2"].id).update(status="checked_out")
    with pytest.raises(InvalidState) as err:
        await service.free_beds(world["admin1"], request.id)
    assert err.value.key == "dorm_requests.no_longer_resident"
    assert (await DormRequest.get(id=request.id)).state == "cancelled"


async def test_two_approvals_race_for_the_last_bed(world):
    service, bed = world["service"], world["bed"]
    pref = await find_preference("D1-204")
    first = await service.file_room_change(world["student"], "太吵", pref)
    second = await service.file_room_change(world["student2"], "想和同学住", pref)
    beds, _, _ = await service.free_beds(world["admin1"], first.id)
    assert [b.id for b in beds] == [bed.id]
    results = await asyncio.wait_for(asyncio.gather(
        service.approve_move(world["admin1"], first.id, bed.id),
        service.approve_move(world["manager"], second.id, bed.id),
        return_exceptions=True,
    ), 60)
    failed = [r for r in results if isinstance(r, BaseException)]
    assert len(failed) == 1 and isinstance(failed[0], InvalidState)
    assert failed[0].key == "dorm_requests.bed_taken"
    states = sorted((await DormRequest.all().order_by("id")).__iter__(), key=lambda r: r.state)
    assert [r.state for r in states] == ["approved", "pending"]
    assert await DormAssignment.filter(bed_id=bed.id, status__in=ACTIVE_STATUSES).count() == 1
    loser = states[1]
    assert (await DormAssignment.get(id=loser.assignment_id)).status == "pending"  # untouched
    for person in (world["student"], world["student2"]):  # nobody without a bed or with two
        assert await DormAssignment.filter(person_id=person.id,
                                           status__in=ACTIVE_STATUSES).count() == 1
    winner = states[0]
    assert (await DormAssignment.get(id=winner.assignment_id)).status == "moved"
    assert winner.new_bed_id == bed.id


async def test_one_request_approved_twice_at_once_moves_once(world):
    service, bed = world["service"], world["bed"]
    other = (await spare_beds("D1-204", ("2",)))[0]
    request = await service.file_room_change(world["student"], "太吵",
                                             Preference(await Place.get(code="D1")))
    results = await asyncio.gather(
        service.approve_move(world["admin1"], request.id, bed.id),
        service.approve_move(world["manager"], request.id, other.id),
        return_exceptions=True,
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert await DormAssignment.filter(person_id=world["student"].id,
                                       status__in=ACTIVE_STATUSES).count() == 1
    with pytest.raises(PermissionDenied):  # D2 is not admin1's
        d2 = await DormAssignment.get(person_id=world["other"].id).prefetch_related("bed")
        req2 = await service.file_room_change(world["student2"], "换")
        await service.approve_move(world["admin1"], req2.id, d2.bed.id)


async def test_requests_summary_counts_per_kind_and_state(world):
    service = world["service"]
    evening = datetime.now(UTC)
    late = await service.file_late_return(world["student"], time(3, 0), "夜班", evening)
    await service.file_room_change(world["student2"], "换")
    await service.approve(world["admin1"], late.id)
    start, end = evening - timedelta(hours=1), evening + timedelta(hours=1)
    summary = await service.requests_summary(start, end)
    assert summary["late_return"]["approved"] == 1 and summary["room_change"]["pending"] == 1
    assert summary["stay_out"] == dict.fromkeys(summary["stay_out"], 0)
    d2 = (await Place.get(code="D2")).id
    assert sum(sum(v.values()) for v in (await service.requests_summary(
        start, end, [d2])).values()) == 0
    assert sum(sum(v.values()) for v in (await service.requests_summary(
        end, end + timedelta(hours=1))).values()) == 0
