"""Ticket numbering, transitions, and the reporter's view: /my, detail, note, withdraw."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bot.core.errors import InvalidState, PermissionDenied
from models.repairs import Attachment, Ticket, TicketEvent
from tests.support import png_bytes


async def _file(h, text="3号楼402 水龙头漏水", user="student"):
    await h.send(user, text)
    await h.press(user, "提交" if user == "student" else "Submit")
    return await Ticket.filter().order_by("-id").first()


async def test_numbers_per_local_day_and_concurrent(harness):
    h = harness
    repairs, places = h.app.services.repairs, h.app.services.places
    student = h.people["student"]
    place = await places.get("3-402")
    # 16:30 UTC is already the next day in Shanghai
    late = datetime(2026, 11, 22, 16, 30, tzinfo=UTC)
    t1 = await repairs.create(student, place, "plumbing", "a", now=late)
    assert t1.number == "R-20261123-0001"
    made = await asyncio.gather(*[
        repairs.create(student, place, "plumbing", f"n{i}", now=late) for i in range(5)
    ])
    numbers = sorted(t.number for t in made)
    assert numbers == [f"R-20261123-{i:04d}" for i in range(2, 7)]
    early = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    assert (await repairs.create(student, place, "plumbing", "b", now=early)).number == (
        "R-20261122-0001"
    )


async def test_transitions_are_checked(harness):
    h = harness
    ticket = await _file(h)
    repairs = h.app.services.repairs
    with pytest.raises(InvalidState):
        await repairs.transition(ticket, "done", h.people["worker"])
    await repairs.transition(ticket, "accepted", h.people["worker"])
    with pytest.raises(InvalidState):
        await repairs.cancel(ticket.number, h.people["student"])
    stale = await Ticket.get(id=ticket.id)
    stale.status = "submitted"  # someone else's old copy
    with pytest.raises(InvalidState):
        await repairs.transition(stale, "accepted", h.people["manager"])
    events = await TicketEvent.filter(ticket_id=ticket.id).order_by("id")
    assert [(e.kind, e.to_status) for e in events] == [("created", "submitted"),
                                                       ("status", "accepted")]


async def test_permissions_in_services(harness):
    h = harness
    ticket = await _file(h)
    repairs = h.app.services.repairs
    with pytest.raises(PermissionDenied):
        await repairs.list_open(h.people["student"])
    with pytest.raises(PermissionDenied):
        await repairs.add_note(ticket.number, h.people["student2"], "mine now")
    with pytest.raises(PermissionDenied):
        await repairs.cancel(ticket.number, h.people["worker"])


async def test_my_detail_note_and_withdraw(harness):
    h = harness
    ticket = await _file(h)
    replies = await h.send("student", "/my")
    assert ticket.number in replies[0].text and "已提交" in replies[0].text
    await h.press("student", ticket.number)
    detail = h.last("student").text
    assert "照片：0 张" in detail and "提交报修" in detail
    await h.press("student", "补充说明")
    await h.send("student", photos=[png_bytes(seed=9)])
    await h.send("student", "晚上才在宿舍")
    assert "已为" in h.last("student").text
    assert await Attachment.filter(ticket_id=ticket.id).count() == 1
    await h.press("student", "查看") if False else await h.send(
        "student", callback=f"tk:v:{ticket.number}")
    detail = h.last("student").text
    assert "照片：1 张" in detail and "晚上才在宿舍" in detail
    await h.press("student", "撤销")
    await h.press("student", "确认撤销")
    assert (await Ticket.get(id=ticket.id)).status == "cancelled"
    replies = await h.send("student", callback=f"tk:n:{ticket.number}")
    assert "不在处理中" in replies[0].text


async def test_staff_open_list(harness):
    h = harness
    ticket = await _file(h)
    replies = await h.send("manager", "/open")
    assert ticket.number in replies[0].text
    replies = await h.send("manager", callback=f"tk:v:{ticket.number}")
    assert "水龙头漏水" in replies[0].text


async def test_followers_told_when_reporter_withdraws(harness):
    h = harness
    ticket = await _file(h)
    await h.send("student2", "Building 3 room 402 the tap drips")
    await h.press("student2", "Submit")
    await h.press("student2", "Follow")
    await h.send("student", callback=f"tk:cy:{ticket.number}")
    assert "withdrawn by the person who filed it" in h.last("student2").text


async def test_decline_reasons_hidden_from_reporters(harness):
    h = harness
    ticket = await _file(h)
    await TicketEvent.create(ticket=ticket, actor=h.people["worker"], kind="declined",
                             note="正在忙别的单")
    reporter_view = await h.app.services.repairs.detail(ticket.number, h.people["student"])
    manager_view = await h.app.services.repairs.detail(ticket.number, h.people["manager"])
    assert "declined" not in [e.kind for e in reporter_view.events]
    assert "declined" in [e.kind for e in manager_view.events]
