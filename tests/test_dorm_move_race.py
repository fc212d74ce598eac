"""The dorm admin's room change locks and re-checks the bed like an approved room-change
request: two moves racing (asyncio tasks) for the last free bed — two admin moves, or an admin
move against a request approval — exactly one wins, the other gets a clear error, nothing else
changes; a student's pending requests follow an admin move."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bot.core.errors import InvalidState
from bot.core.i18n import Translator
from bot.delivery.notifier import Notifier
from bot.services.dorm_requests.rules import find_preference
from bot.services.dorm_requests.service import DormRequestService
from bot.services.dorms import DormService
from bot.services.repairs.tickets import RepairService
from models.dorm_requests import DormRequest
from models.dorms import ACTIVE_STATUSES, DormAssignment
from tests.dorm_requests_support import spare_beds
from tests.support import seed_small_campus
from tests.test_dorm_support import small_dorm, window_around


@pytest.fixture
async def world(db, tmp_path):
    """张三 and 李四 in D1-203 (admin1), one free bed (D1-204 bed 1) left in D1."""
    people = await seed_small_campus()
    start, end = window_around(datetime.now(UTC))
    made = await small_dorm(tmp_path, {"student": people["student"],
                                       "student2": people["student2"]}, start, end)
    made.update(people)
    notifier = Notifier({}, Translator())  # the moves push nothing
    made["dorms"] = DormService(RepairService(), notifier=notifier)
    made["requests"] = DormRequestService(made["dorms"], notifier)
    made["bed"] = (await spare_beds())[0]
    return made


async def _race(*coros):
    """Run the moves as concurrent asyncio tasks; their results or errors, in order."""
    tasks = [asyncio.create_task(c) for c in coros]
    return await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 60)


async def _active(person_id: int) -> list[DormAssignment]:
    return list(await DormAssignment.filter(person_id=person_id, status__in=ACTIVE_STATUSES))


async def _assert_one_move_won(world, results) -> tuple[int, int]:
    """Exactly one result is a move; the other an InvalidState; the bed has one occupant and
    each student one active bed. Returns (winner index, loser index)."""
    failed = [i for i, r in enumerate(results) if isinstance(r, BaseException)]
    assert len(failed) == 1, results
    loser = failed[0]
    assert isinstance(results[loser], InvalidState)
    assert await DormAssignment.filter(bed_id=world["bed"].id,
                                       status__in=ACTIVE_STATUSES).count() == 1
    for key in ("student", "student2"):
        assert len(await _active(world[key].id)) == 1
    return 1 - loser, loser


async def test_two_admin_moves_into_the_last_free_bed(world):
    dorms, admin = world["dorms"], world["admin1"]
    stays = world["stays"]
    before = {key: (await _active(world[key].id))[0] for key in ("student", "student2")}
    results = await _race(
        dorms.change_room(admin, stays["student"].id, "D1-204", "1"),
        dorms.change_room(world["manager"], stays["student2"].id, "D1-204", "1"),
    )
    winner, loser = await _assert_one_move_won(world, results)
    error = results[loser]
    assert error.key == "dorm.bed_taken"
    keys = ("student", "student2")
    assert error.fields["name"] == world[keys[winner]].name  # who is in the bed now
    kept = await DormAssignment.get(id=before[keys[loser]].id)
    assert kept.status == before[keys[loser]].status and kept.bed_id == before[keys[loser]].bed_id
    assert (await DormAssignment.get(id=before[keys[winner]].id)).status == "moved"
    assert results[winner].bed.id == world["bed"].id


@pytest.mark.parametrize("admin_first", [False, True])
async def test_an_admin_move_races_an_approved_room_change(world, admin_first):
    dorms, requests, bed = world["dorms"], world["requests"], world["bed"]
    request = await requests.file_room_change(world["student"], "太吵",
                                              await find_preference("D1-204"))
    moves = [requests.approve_move(world["admin1"], request.id, bed.id),
             dorms.change_room(world["admin1"], world["stays"]["student2"].id, "D1-204", "1")]
    results = await _race(*(reversed(moves) if admin_first else moves))
    if admin_first:
        results = results[::-1]  # index 0: the approval, 1: the admin's move
    winner, loser = await _assert_one_move_won(world, results)
    expected = ("dorm_requests.bed_taken", "dorm.bed_taken")[loser]
    assert results[loser].key == expected
    state = (await DormRequest.get(id=request.id)).state
    assert state == ("approved" if winner == 0 else "pending")  # a lost approval decides nothing


async def test_pending_requests_follow_an_admin_move(world):
    dorms, requests = world["dorms"], world["requests"]
    request = await requests.file_room_change(world["student2"], "想换到朝南的房间")
    moved = await dorms.change_room(world["admin1"], world["stays"]["student2"].id, "D1-204",
                                    "1")
    follows = await DormRequest.get(id=request.id)
    assert follows.state == "pending" and follows.assignment_id == moved.id
