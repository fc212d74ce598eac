"""The guided report flow and the one-message shortcut, through the dispatcher."""

from __future__ import annotations

from models.repairs import Attachment, Ticket, TicketEvent
from tests.support import png_bytes


async def test_guided_flow_with_two_photos(harness):
    h = harness
    replies = await h.send("student", "/report")
    assert "哪类问题" in replies[-1].text
    await h.press("student", "水管")
    assert "在哪里" in h.last("student").text
    await h.send("student", "3号楼402")
    assert "什么问题" in h.last("student").text
    await h.send("student", "水龙头一直滴水")
    assert "照片" in h.last("student").text
    await h.send("student", photos=[png_bytes(seed=1)])
    await h.send("student", photos=[png_bytes(seed=2)])
    assert "共 2 张" in h.last("student").text
    await h.press("student", "完成")
    assert "紧急程度" in h.last("student").text
    await h.press("student", "一般")
    card = h.last("student").text
    assert "3号楼402" in card and "水龙头一直滴水" in card and "2 张" in card
    await h.press("student", "提交")
    ticket = await Ticket.get()
    assert ticket.number.startswith("R-") and ticket.status == "submitted"
    assert ticket.category == "plumbing" and ticket.urgency == "normal"
    assert await Attachment.filter(ticket_id=ticket.id).count() == 2
    assert ticket.number in h.last("student").text
    assert await TicketEvent.filter(ticket_id=ticket.id, kind="created").exists()
    assert any(ticket.number in r.text for r in h.replies_to("manager"))


async def test_shortcut_text_one_tap(harness):
    h = harness
    replies = await h.send("student", "3号楼402 水龙头漏水")
    card = replies[-1].text
    assert "3号楼402" in card and "水龙头漏水" in card
    await h.press("student", "提交")
    ticket = await Ticket.get()
    assert ticket.description == "水龙头漏水" and ticket.category == "plumbing"


async def test_captioned_photo_is_a_report(harness):
    h = harness
    await h.send("student", "3-403 灯不亮", photos=[png_bytes()])
    await h.press("student", "提交")
    ticket = await Ticket.get()
    assert ticket.category == "electrical"
    assert await Attachment.filter(ticket_id=ticket.id).count() == 1


async def test_cancel_mid_flow_and_nothing_filed(harness):
    h = harness
    await h.send("student", "/report")
    await h.press("student", "电路")
    await h.send("student", "/cancel")
    assert "已取消" in h.last("student").text
    assert await Ticket.all().count() == 0
    await h.send("student", "/cancel")
    assert "没有可以取消" in h.last("student").text
