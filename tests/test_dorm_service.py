"""Dorm check-in at service level: residents, the checklist becoming tickets, roles, admin tools."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.errors import InvalidState, NotFound, PermissionDenied, ServiceError
from bot.services.dorms import CHECK_ITEMS, CheckResult
from models.dorms import DormAssignment, DormCheckItem, DormReminder
from models.repairs import Attachment, Ticket
from tests.support import png_bytes
from tests.test_dorm_support import answers, small_dorm, window_around


@pytest.fixture
async def world(harness, tmp_path):
    """The harness app with students 张三 and 李四 in D1-203, 王五 in D2-101, window open now."""
    start, end = window_around(datetime.now(UTC))
    students = {"student": harness.people["student"], "student2": harness.people["student2"]}
    made = await small_dorm(tmp_path, students, start, end)
    return harness, made


async def test_residents_of_building(world):
    h, made = world
    dorms = h.app.services.dorms
    student, student2 = h.people["student"], h.people["student2"]
    assert [p.id for p in await dorms.residents_of("D1")] == [student.id, student2.id]
    assert [p.id for p in await dorms.residents_of(" d1 ")] == [student.id, student2.id]
    assert [p.id for p in await dorms.residents_of("D2")] == [made["other"].id]
    assert await dorms.residents_of("NOPE") == []
    assert await dorms.residents_of("D1-203") == []  # a room, not a building
    stay = made["stays"]["student"]
    await dorms.mark_checked_in(made["admin1"], stay.id)
    await dorms.check_out(made["admin1"], stay.id, answers())
    assert [p.id for p in await dorms.residents_of("D1")] == [student2.id]


async def test_every_problem_becomes_a_ticket_with_its_photo(world):
    h, made = world
    dorms, media = h.app.services.dorms, h.app.services.media
    student = h.people["student"]
    stay = made["stays"]["student"]
    photos = {item: await media.store_photo(student, png_bytes(seed=i))
              for i, item in enumerate(CHECK_ITEMS)}
    results = [CheckResult(item, False, f"{item} broken", f"入住检查 — {item}", [photos[item].id])
               for item in CHECK_ITEMS]
    tickets = await dorms.confirm_checkin(student, stay.id, results)
    assert [t.category for t in tickets] == list(CHECK_ITEMS.values())
    assert {t.category for t in tickets} == {"carpentry", "electrical", "plumbing", "hvac",
                                             "network"}
    for ticket in tickets:
        await ticket.fetch_related("place")
        assert ticket.place.code == "D1-203" and ticket.reporter_id == student.id
        assert await Attachment.filter(ticket_id=ticket.id).count() == 1
    items = await DormCheckItem.filter(assignment_id=stay.id).order_by("id")
    assert [(i.item, i.ok, i.ticket_id) for i in items] == [
        (item, False, ticket.id) for item, ticket in zip(CHECK_ITEMS, tickets, strict=True)
    ]
    assignment = await DormAssignment.get(id=stay.id)
    assert assignment.status == "checked_in" and assignment.confirmed_by_id == student.id
    with pytest.raises(InvalidState) as err:
        await dorms.confirm_checkin(student, stay.id, answers())
    assert err.value.key == "dorm.already_checked_in"


async def test_checkin_rules(world):
    h, made = world
    dorms = h.app.services.dorms
    student, student2 = h.people["student"], h.people["student2"]
    stay = made["stays"]["student"]
    early = stay.window_start - timedelta(minutes=1)
    with pytest.raises(InvalidState) as err:
        await dorms.confirm_checkin(student, stay.id, answers(), now=early)
    assert err.value.key == "dorm.window_not_open" and err.value.fields["start"]
    with pytest.raises(ServiceError) as err:
        await dorms.confirm_checkin(student, stay.id, answers()[:5])
    assert err.value.key == "dorm.checklist_incomplete"
    blank = [CheckResult(r.item, r.ok) for r in answers("door")]
    with pytest.raises(ServiceError) as err:
        await dorms.confirm_checkin(student, stay.id, blank)
    assert err.value.key == "dorm.problem_needs_text"
    with pytest.raises(NotFound):
        await dorms.confirm_checkin(student2, stay.id, answers())
    with pytest.raises(NotFound):
        await dorms.start_checkin(student, 99999)
    assert await Ticket.all().count() == 0
    assert (await DormAssignment.get(id=stay.id)).status == "pending"


async def test_student_cannot_see_or_manage_others(world):
    h, made = world
    dorms = h.app.services.dorms
    student, student2 = h.people["student"], h.people["student2"]
    stay = made["stays"]["student"]
    assert (await dorms.visible_stay(student, stay.id)).person.id == student.id
    with pytest.raises(NotFound):
        await dorms.visible_stay(student2, stay.id)
    with pytest.raises(NotFound):
        await dorms.own_stay(student2, stay.id)
    with pytest.raises(NotFound):
        await dorms.defer(student2, stay.id, "late", datetime.now(UTC).date() + timedelta(days=3))
    for call in (
        dorms.progress(student2),
        dorms.find_students(student2, "张三"),
        dorms.building_stays(student2, stay.id),
        dorms.mark_checked_in(student2, stay.id),
        dorms.change_room(student2, stay.id, "D1-204", "1"),
        dorms.start_checkout(student2, stay.id),
        dorms.check_out(student2, stay.id, answers()),
    ):
        with pytest.raises(PermissionDenied):
            await call
    assert [s.person.id for s in await dorms.stays_of(student2)] == [student2.id]


async def test_dorm_admin_acts_only_on_own_buildings(world):
    h, made = world
    dorms = h.app.services.dorms
    admin1, manager = made["admin1"], h.people["manager"]
    other_stay = await DormAssignment.get(person_id=made["other"].id)
    assert [p.building.code for p in await dorms.progress(admin1)] == ["D1"]
    assert await dorms.find_students(admin1, "王五") == []
    assert [s.person.name for s in await dorms.find_students(admin1, "2024001")] == ["张三"]
    with pytest.raises(NotFound):
        await dorms.visible_stay(admin1, other_stay.id)
    building_d2 = (await dorms.visible_stay(manager, other_stay.id)).building
    for call in (
        dorms.mark_checked_in(admin1, other_stay.id),
        dorms.building_stays(admin1, building_d2.id),
        dorms.change_room(admin1, made["stays"]["student"].id, "D2-101", "2"),
    ):
        with pytest.raises(PermissionDenied) as err:
            await call
        assert err.value.key == "dorm.not_your_building"
    with pytest.raises(PermissionDenied):
        await dorms.room_beds(admin1, await dorms.find_place("D2-101"))
    assert [p.building.code for p in await dorms.progress(manager)] == ["D1", "D2"]
    assert (await dorms.mark_checked_in(manager, other_stay.id)).assignment.status == "checked_in"


async def test_progress_counts(world):
    h, made = world
    dorms = h.app.services.dorms
    student, student2 = h.people["student"], h.people["student2"]
    await dorms.confirm_checkin(student, made["stays"]["student"].id, answers())
    soon = datetime.now(UTC).date() + timedelta(days=5)
    await dorms.defer(student2, made["stays"]["student2"].id, "火车晚点", soon)
    progress = await dorms.progress(h.people["manager"])
    counts = {p.building.code: (p.checked_in, p.pending, p.deferred, p.total) for p in progress}
    assert counts == {"D1": (1, 0, 1, 2), "D2": (0, 1, 0, 1)}
    building, stays = await dorms.building_stays(made["admin1"], progress[0].building.id)
    assert building.code == "D1"
    assert [(s.person.name, s.assignment.status) for s in stays] == [
        ("张三", "checked_in"), ("李四", "deferred")
    ]


async def test_defer_rules(world):
    h, made = world
    dorms = h.app.services.dorms
    student = h.people["student"]
    stay = made["stays"]["student"]
    today = datetime.now(UTC).astimezone(dorms.tz).date()
    for reason, day, key in (
        ("  ", today + timedelta(days=2), "dorm.need_reason"),
        ("x" * 501, today + timedelta(days=2), "dorm.reason_too_long"),
        ("late", today, "dorm.bad_date"),
        ("late", today + timedelta(days=61), "dorm.bad_date"),
    ):
        with pytest.raises(ServiceError) as err:
            await dorms.defer(student, stay.id, reason, day)
        assert err.value.key == key
    deferred = await dorms.defer(student, stay.id, " 火车 晚点 ", today + timedelta(days=3))
    assert deferred.assignment.status == "deferred"
    assert deferred.assignment.deferred_reason == "火车 晚点"
    await dorms.confirm_checkin(student, stay.id, answers())
    with pytest.raises(InvalidState) as err:
        await dorms.defer(student, stay.id, "late", today + timedelta(days=3))
    assert err.value.key == "dorm.already_checked_in"


async def test_room_change_and_checkout_with_damage(world):
    h, made = world
    dorms, media = h.app.services.dorms, h.app.services.media
    admin1 = made["admin1"]
    stay, stay2 = made["stays"]["student"], made["stays"]["student2"]
    now = datetime.now(UTC)
    await DormReminder.create(key="s:test", kind="student", assignment_id=stay2.id,
                              due_at=now + timedelta(days=1))
    for room, bed, key in (("D1-999", "1", "dorm.unknown_room"), ("D1-203", "1", "dorm.bed_taken"),
                           ("D1-203", "2", "dorm.same_bed"), ("D1-204", "123456789",
                                                              "dorm.bad_bed")):
        with pytest.raises(ServiceError) as err:
            await dorms.change_room(admin1, stay2.id, room, bed)
        assert err.value.key == key
    moved = await dorms.change_room(admin1, stay2.id, "d1-204", "1")
    assert (moved.room.code, moved.bed.label, moved.assignment.status) == ("D1-204", "1", "pending")
    assert (await DormAssignment.get(id=stay2.id)).status == "moved"
    assert (await DormReminder.get(key="s:test")).assignment_id == moved.id
    with pytest.raises(InvalidState):
        await dorms.change_room(admin1, stay2.id, "D1-203", "3")

    with pytest.raises(InvalidState) as err:
        await dorms.start_checkout(admin1, stay.id)
    assert err.value.key == "dorm.not_checked_in"
    await dorms.mark_checked_in(admin1, stay.id)
    photo = await media.store_photo(admin1, png_bytes(seed=9))
    tickets = await dorms.check_out(admin1, stay.id, answers("furniture", [photo.id]))
    assert len(tickets) == 1 and tickets[0].category == "carpentry"
    assert tickets[0].reporter_id == admin1.id
    assert await Attachment.filter(ticket_id=tickets[0].id).count() == 1
    assert (await DormAssignment.get(id=stay.id)).status == "checked_out"
    item = await DormCheckItem.get(assignment_id=stay.id, phase="checkout", item="furniture")
    assert item.ticket_id == tickets[0].id and item.actor_id == admin1.id
    with pytest.raises(InvalidState):
        await dorms.check_out(admin1, stay.id, answers())
    beds = await dorms.room_beds(admin1, await dorms.find_place("D1-203"))
    assert [(bed.label, s) for bed, s in beds] == [("1", None), ("2", None)]
