"""The dispatcher via a recording adapter: wrong input at each step, buttons, roles, restarts."""

from __future__ import annotations

import asyncio

import pytest

from models.conversation import ConversationState
from models.outbox import OutboxMessage
from models.repairs import Attachment, Ticket, TicketEvent, TicketFollower
from tests.support import png_bytes

BAD_TEXTS = [
    "",
    "😀😀😀",
    "'; DROP TABLE ticket;--",
    "<script>alert(1)</script>",
]


async def _at_step(h, step: str) -> None:
    await h.send("student", "/report")
    if step == "category":
        return
    await h.press("student", "水管")
    if step == "place":
        return
    await h.send("student", "3号楼402")
    if step == "description":
        return
    await h.send("student", "水龙头漏水")
    if step == "photos":
        return
    await h.press("student", "跳过")
    if step == "urgency":
        return
    await h.press("student", "一般")


@pytest.mark.parametrize("step", ["category", "place", "photos", "urgency", "confirm"])
@pytest.mark.parametrize("text", BAD_TEXTS)
async def test_wrong_input_at_each_step_keeps_the_draft(harness, step, text):
    h = harness
    await _at_step(h, step)
    before = await ConversationState.get(key="test:student")
    replies = await h.send("student", text)
    assert replies, "every input gets an answer"
    assert all("Traceback" not in r.text for r in replies)
    after = await ConversationState.get(key="test:student")
    for key, value in before.data.items():
        if key not in ("suggest",):
            assert after.data.get(key) == value, key
    assert await Ticket.all().count() == 0


async def test_huge_text_is_refused_and_draft_kept(harness):
    h = harness
    await _at_step(h, "description")
    replies = await h.send("student", "漏" * 10_000)
    assert "太长" in replies[0].text
    assert "什么问题" in replies[-1].text  # re-asked
    state = await ConversationState.get(key="test:student")
    assert state.step == "description" and state.data["category"] == "plumbing"


async def test_html_and_sql_text_are_stored_verbatim(harness):
    h = harness
    await _at_step(h, "description")
    await h.send("student", "<b>x</b>'; DROP TABLE ticket;--")
    await h.press("student", "跳过")
    await h.press("student", "一般")
    await h.press("student", "提交")
    ticket = await Ticket.get()
    assert ticket.description == "<b>x</b>'; DROP TABLE ticket;--"


async def test_document_where_photo_expected(harness):
    h = harness
    await _at_step(h, "photos")
    replies = await h.send("student", documents=[(b"%PDF-1.4 hello", "application/pdf")])
    assert "不是照片" in replies[0].text
    state = await ConversationState.get(key="test:student")
    assert state.step == "photos"


async def test_fake_image_bytes_refused(harness):
    h = harness
    await _at_step(h, "photos")
    replies = await h.send("student", photos=[b"not really a png"])
    assert "无法识别" in replies[0].text


async def test_30mb_photo_refused_before_download(harness):
    h = harness
    await _at_step(h, "photos")
    replies = await h.send("student", photos=[png_bytes()], size=30 * 1024 * 1024)
    assert "30.0 MB" in replies[0].text and "10.0 MB" in replies[0].text
    await h.press("student", "完成")
    assert (await ConversationState.get(key="test:student")).data.get("photos", []) == []


async def test_text_where_button_expected(harness):
    h = harness
    await _at_step(h, "urgency")
    replies = await h.send("student", "随便说说")
    assert "按钮" in replies[0].text
    assert replies[-1].buttons, "the question is asked again with its buttons"


async def test_stale_and_forged_buttons(harness):
    h = harness
    await h.send("student", "/report")
    stale = h.last("student").buttons[0][0].payload
    await h.send("student", "/cancel")
    await h.send("student", "/report")
    replies = await h.send("student", callback=stale)
    assert "失效" in replies[0].text
    replies = await h.send("student", callback="zz:never:issued")
    assert "无法识别" in replies[0].text
    replies = await h.send("student", callback="f:000000:cat:plumbing")
    assert "失效" in replies[0].text
    assert (await ConversationState.get(key="test:student")).step == "category"


async def test_unknown_command_mid_flow(harness):
    h = harness
    await _at_step(h, "place")
    replies = await h.send("student", "/frobnicate")
    assert "未知命令" in replies[0].text
    assert "在哪里" in replies[-1].text


async def test_reporter_cannot_use_staff_command(harness):
    h = harness
    replies = await h.send("student", "/open")
    assert "没有权限" in replies[0].text
    replies = await h.send("worker", "/open")
    assert "没有未完成" in replies[0].text


async def test_reporter_cannot_see_or_cancel_others_ticket(harness):
    h = harness
    await h.send("student", "3号楼402 水龙头漏水")
    await h.press("student", "提交")
    ticket = await Ticket.get()
    replies = await h.send("student2", callback=f"tk:v:{ticket.number}")
    assert "No repair request" in replies[0].text
    replies = await h.send("student2", callback=f"tk:cy:{ticket.number}")
    assert "Only the person" in replies[0].text
    assert (await Ticket.get()).status == "submitted"


async def test_duplicate_update_creates_one_ticket(harness):
    h = harness
    await h.send("student", "3号楼402 水龙头漏水")
    submit = next(b.payload for row in h.last("student").buttons for b in row if "提交" in b.label)
    await h.send("student", callback=submit, update_id="same-1")
    await h.send("student", callback=submit, update_id="same-1")
    assert await Ticket.all().count() == 1


async def test_restart_mid_flow_keeps_draft(harness):
    h = harness
    await _at_step(h, "photos")
    await h.send("student", photos=[png_bytes(seed=5)])
    await h.restart()
    await h.press("student", "完成")
    await h.press("student", "紧急")
    await h.press("student", "提交")
    ticket = await Ticket.get()
    assert ticket.urgency == "urgent" and ticket.description == "水龙头漏水"


async def test_duplicate_hint_and_follow(harness):
    h = harness
    await h.send("student", "3号楼402 水龙头漏水")
    await h.press("student", "提交")
    await h.send("student2", "Building 3 room 402 the tap is leaking")
    await h.press("student2", "Submit")
    assert "already an open request" in h.last("student2").text
    await h.press("student2", "Follow")
    first = await Ticket.get()
    assert await Ticket.all().count() == 1
    assert await TicketFollower.filter(ticket_id=first.id).count() == 1
    replies = await h.send("student2", "/my")
    assert first.number in replies[0].text


async def test_own_open_problem_again_asks_same_as(harness):
    h = harness
    await h.send("student", "3号楼402 水龙头漏水")
    await h.press("student", "提交")
    first = await Ticket.get()
    await h.send("student", "3号楼402 水龙头还在滴水", photos=[png_bytes(seed=5)])
    await h.press("student", "提交")
    asked = h.last("student").text
    assert f"您已报修过同一地点、同类问题：{first.number}" in asked and "同一个问题吗" in asked
    await h.press("student", "是同一个问题")
    assert await Ticket.all().count() == 1  # no second ticket, no self-follow
    assert await TicketFollower.filter(ticket_id=first.id).count() == 0
    note = await TicketEvent.filter(ticket_id=first.id, kind="note").first()
    assert note is not None and "还在滴水" in (note.note or "")
    assert await Attachment.filter(ticket_id=first.id, kind="photo").count() == 1
    assert first.number in h.last("student").text
    # a different problem after all: a new ticket
    await h.send("student", "3号楼402 水龙头又坏了")
    await h.press("student", "提交")
    await h.press("student", "仍然新建")
    assert await Ticket.all().count() == 2


async def test_unknown_place_gets_close_matches(harness):
    h = harness
    replies = await h.send("student", "3号楼405 灯坏了")
    assert any("3号楼405" in r.text or "3-405" in r.text for r in replies)
    labels = [b.label for b in replies[-1].buttons[0]]
    assert any("3号楼40" in label for label in labels)
    await h.press("student", "3号楼403")
    await h.press("student", "提交")
    assert (await Ticket.get().prefetch_related("place")).place.code == "3-403"


async def test_failed_delivery_is_retried_not_lost(harness):
    h = harness
    h.adapter.failures = 1
    await h.send("student", "/help")
    row = await OutboxMessage.filter(chat_id="student").order_by("-id").first()
    assert row.status == "pending" and row.attempts == 1
    # retried at its back-off (here at once): by the delivery lane, woken by the failure, or by
    # the periodic job, whichever comes first; sent exactly once either way
    await h.app.notifier.deliver_due()
    for _ in range(200):
        await h.app.notifier.store.flush()
        if (await OutboxMessage.get(id=row.id)).status == "sent":
            break
        await asyncio.sleep(0.01)
    assert (await OutboxMessage.get(id=row.id)).status == "sent"
    assert sum("我可以帮您" in r.text for a, r in h.adapter.sent if a.chat_id == "student") == 1
    assert "我可以帮您" in h.last("student").text
