"""Inspection rounds against the real database with a controlled clock: generation (once, across
restarts and concurrent runs), pushes, answers becoming tickets, reminders then the zone lead,
reassignment, roles, the digest numbers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.errors import InvalidState, PermissionDenied, ServiceError
from bot.services.inspections import InspectionService, parse_reading
from bot.services.inspections.jobs import inspection_tick
from models.inspections import InspectionAnswer, InspectionRound, InspectionSchedule
from models.places import Place
from models.repairs import Attachment, Ticket
from tests.inspection_support import import_checklist, rounds_of
from tests.support import png_bytes

T0 = datetime(2027, 1, 30, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
BEFORE = T0 - timedelta(hours=1)


def texts_to(h, user: str) -> list[str]:
    return [r.text for r in h.replies_to(user)]


async def test_rounds_are_created_once_across_restarts_and_concurrent_runs(harness, tmp_path):
    h = harness
    schedule = await import_checklist(tmp_path, now=BEFORE)
    service = h.app.services.inspections
    other = InspectionService(service.repairs, service.duty, "Asia/Shanghai",
                              notifier=service.notifier)
    assert await service.generate(T0 - timedelta(seconds=1)) == 0
    assert sum(await asyncio.gather(service.generate(T0), other.generate(T0))) == 1
    assert await service.generate(T0 + timedelta(minutes=5)) == 0
    # a restarted app (fresh services) and two instances at once: still one round
    await h.restart()
    fresh = h.app.services.inspections
    other = InspectionService(fresh.repairs, fresh.duty, "Asia/Shanghai",
                              notifier=fresh.notifier)
    # the cursor not moved (a crash after the insert), given in another time zone
    await InspectionSchedule.filter(id=schedule.id).update(
        next_due_at=T0.astimezone(ZoneInfo("Asia/Shanghai")))
    assert sum(await asyncio.gather(fresh.generate(T0), other.generate(T0))) == 0
    assert [r.due_at for r in await rounds_of(schedule)] == [T0]
    # the next day, and after a three-day stop only the latest fire time
    assert await fresh.generate(T0 + timedelta(days=1)) == 1
    assert await fresh.generate(T0 + timedelta(days=4, hours=3)) == 1
    assert [r.due_at for r in await rounds_of(schedule)] == [
        T0, T0 + timedelta(days=1), T0 + timedelta(days=4)]


async def test_new_round_pushed_once_to_its_worker_with_start(harness, tmp_path):
    h = harness
    await import_checklist(tmp_path, now=BEFORE)
    assert await inspection_tick(h.app.services, T0) == (1, 1, 0, 0)
    assert await inspection_tick(h.app.services, T0) == (0, 0, 0, 0)
    pushes = [r for r in h.replies_to("worker") if "巡检任务：消防通道" in r.text]
    assert len(pushes) == 1
    assert "3号楼" in pushes[0].text and "01-30 08:00" in pushes[0].text
    assert pushes[0].buttons[0][0].payload.startswith("ir:s:")


async def test_zone_schedule_goes_to_the_on_duty_worker_of_the_zone(harness, tmp_path):
    h = harness
    people = h.app.services.people
    await Place.filter(code="3").update(zone="north")
    north = await people.create("赵师傅", ["worker"], zone="north")
    south = await people.create("钱师傅", ["worker"], zone="south")
    for person in (north, south):
        await h.app.services.duty.set_duty(person, True)
    schedule = await import_checklist(tmp_path, worker="", now=BEFORE)
    assert schedule.worker_id is None
    await h.app.services.inspections.generate(T0)
    assert (await rounds_of(schedule))[0].worker_id == north.id


async def test_problem_becomes_ticket_with_photo_and_safety_alerts_managers(harness, tmp_path):
    h = harness
    worker, manager = h.people["worker"], h.people["manager"]
    await import_checklist(tmp_path, now=BEFORE)
    await h.app.services.inspections.generate(T0)
    rnd = await InspectionRound.get()
    service = h.app.services.inspections
    view = await service.start(worker, rnd.id, T0)
    first, second, reading = view.items
    with pytest.raises(ServiceError) as err:  # the item requires a photo on a problem
        await service.answer(worker, rnd.id, first.id, ok=False, note="堆了纸箱")
    assert err.value.key == "inspections.photo_required"
    photo = await h.app.services.media.store_photo(worker, png_bytes(seed=3))
    done = await service.answer(worker, rnd.id, first.id, ok=False, note="堆了纸箱",
                                photo_ids=[photo.id], description="消防通道：堆了纸箱", now=T0)
    assert done.ticket is not None and done.ticket.urgency == "urgent"
    assert (await Attachment.get(id=photo.id)).ticket_id == done.ticket.id
    ticket = await Ticket.get(id=done.ticket.id).prefetch_related("place")
    assert ticket.place.code == "3" and ticket.reporter_id == worker.id
    assert await service.alert_safety(worker, done) == 1
    assert any("安全隐患" in t and ticket.number in t for t in texts_to(h, "manager"))
    with pytest.raises(InvalidState):  # a double tap does not answer twice
        await service.answer(worker, rnd.id, first.id, ok=True)
    await service.answer(worker, rnd.id, second.id, ok=True, now=T0)
    # an out-of-range reading is a problem even when sent as OK, and needs a note or photo
    with pytest.raises(ServiceError):
        await service.answer(worker, rnd.id, reading.id, ok=True, value=0.3)
    last = await service.answer(worker, rnd.id, reading.id, ok=True, value=0.3,
                                note="压力不足", now=T0)
    assert last.ticket is not None and not last.answer.ok and last.finished
    assert (await InspectionRound.get(id=rnd.id)).state == "done"
    assert manager.id != worker.id


def test_reading_parser() -> None:
    assert parse_reading("0.35") == 0.35
    assert parse_reading("０.３５") == 0.35
    assert parse_reading("1,2 MPa", "MPa") == 1.2
    assert parse_reading("-3") == -3
    for bad in ("abc", "", "1.2.3", "12 kg", "一点二"):
        with pytest.raises(ServiceError) as err:
            parse_reading(bad, "MPa")
        assert err.value.key == "inspections.not_a_number"


async def test_reminder_then_zone_lead_then_missed(harness, tmp_path):
    h = harness
    services = h.app.services
    people = services.people
    await Place.filter(code="3").update(zone="north")
    lead = await people.create("周组长", ["worker"], zone="north")
    await people.bind(lead, "test", "lead", "lead")
    await services.duty.toggle_zone_lead(h.people["manager"], lead.id)
    await import_checklist(tmp_path, now=BEFORE)
    assert await inspection_tick(services, T0) == (1, 1, 0, 0)
    grace = timedelta(hours=2)
    assert (await inspection_tick(services, T0 + grace - timedelta(minutes=1)))[2:] \
        == (0, 0)
    assert (await inspection_tick(services, T0 + grace))[2:] == (1, 0)
    assert (await inspection_tick(services, T0 + grace))[2:] == (0, 0)
    assert sum("提醒：巡检任务" in t for t in texts_to(h, "worker")) == 1
    assert (await inspection_tick(services, T0 + 2 * grace))[2:] == (0, 1)
    assert (await inspection_tick(services, T0 + 3 * grace))[2:] == (0, 0)
    told = [t for t in texts_to(h, "lead") if "漏检" in t]
    assert len(told) == 1 and "王师傅" in told[0]
    assert not any("漏检" in t for t in texts_to(h, "manager"))  # the lead, not the managers
    rnd = await InspectionRound.get()
    assert rnd.state == "missed" and rnd.reminded_at and rnd.lead_told_at
    with pytest.raises(InvalidState) as err:
        await services.inspections.start(h.people["worker"], rnd.id)
    assert err.value.key == "inspections.was_missed"


async def test_missed_round_without_zone_lead_goes_to_managers(harness, tmp_path):
    h = harness
    await import_checklist(tmp_path, now=BEFORE)
    await inspection_tick(h.app.services, T0)
    assert (await inspection_tick(h.app.services, T0 + timedelta(hours=5)))[2:] \
        == (1, 1)
    assert any("漏检" in t for t in texts_to(h, "manager"))


async def test_reassigned_round_refuses_the_old_worker_and_records_nothing(harness, tmp_path):
    h = harness
    services = h.app.services
    old, manager = h.people["worker"], h.people["manager"]
    new = await services.people.create("钱师傅", ["worker"])
    await import_checklist(tmp_path, now=BEFORE)
    await services.inspections.generate(T0)
    rnd = await InspectionRound.get()
    view = await services.inspections.start(old, rnd.id)
    await services.inspections.answer(old, rnd.id, view.items[1].id, ok=True)
    with pytest.raises(PermissionDenied):
        await services.inspections.reassign(old, rnd.id, new.id)
    await services.inspections.reassign(manager, rnd.id, new.id)
    with pytest.raises(InvalidState) as err:
        await services.inspections.answer(old, rnd.id, view.items[0].id, ok=True)
    assert err.value.key == "inspections.not_yours"
    assert await InspectionAnswer.filter(round_id=rnd.id).count() == 1
    resumed = await services.inspections.start(new, rnd.id)  # the answers so far stay
    assert resumed.next_item().id == view.items[0].id


async def test_roles_students_and_other_workers(harness, tmp_path):
    h = harness
    services = h.app.services.inspections
    student, worker, manager = h.people["student"], h.people["worker"], h.people["manager"]
    other = await h.app.services.people.create("钱师傅", ["worker"])
    schedule = await import_checklist(tmp_path, now=BEFORE)
    await services.generate(T0)
    rnd = await InspectionRound.get()
    for call in (services.due_rounds(student), services.start(student, rnd.id),
                 services.overview(student), services.set_paused(student, schedule.id, True),
                 services.overview(worker), services.set_paused(worker, schedule.id, True)):
        with pytest.raises(PermissionDenied):
            await call
    with pytest.raises(InvalidState) as err:
        await services.start(other, rnd.id)
    assert err.value.key == "inspections.not_yours"
    assert not (await InspectionSchedule.get(id=schedule.id)).paused
    await services.set_paused(manager, schedule.id, True)
    assert await services.generate(T0 + timedelta(days=1)) == 0
    await services.set_paused(manager, schedule.id, False, now=T0 + timedelta(days=3, hours=1))
    assert await services.generate(T0 + timedelta(days=3, hours=2)) == 0  # no backlog
    assert await services.generate(T0 + timedelta(days=4)) == 1


async def test_rounds_summary_counts_the_span(harness, tmp_path):
    h = harness
    services = h.app.services.inspections
    worker = h.people["worker"]
    await import_checklist(tmp_path, now=BEFORE)
    await inspection_tick(h.app.services, T0)
    rnd = await InspectionRound.get()
    view = await services.start(worker, rnd.id)
    for item in view.items[1:]:
        await services.answer(worker, rnd.id, item.id, ok=item.kind == "check", value=1.0,
                              note="" if item.kind == "check" else "x", now=T0)
    await services.answer(worker, rnd.id, view.items[0].id, ok=True, now=T0)
    await inspection_tick(h.app.services, T0 + timedelta(days=1))
    await inspection_tick(h.app.services, T0 + timedelta(days=1, hours=5))
    summary = await services.rounds_summary(T0 - timedelta(days=1), T0 + timedelta(days=10))
    assert (summary.done, summary.missed) == (1, 1)
    empty = await services.rounds_summary(T0 - timedelta(days=3), T0 - timedelta(days=2))
    assert (empty.done, empty.missed, empty.problems) == (0, 0, 0)


def test_round_buttons_pack_as_before():
    from bot.services.inspections import RoundTap

    assert RoundTap("s", 7).pack() == "ir:s:7"
    assert RoundTap("a", 7, 3).pack() == "ir:a:7:3"
    assert RoundTap.parse(["p", "2"]) == RoundTap("p", 2)
    assert RoundTap.parse(["a", "7", "3"]).well_formed
    assert not RoundTap.parse(["a", "7"]).well_formed
    assert not RoundTap.parse(["s", "7", "3"]).well_formed
    assert not RoundTap.parse(["zz", "1"]).well_formed
