"""A ticket's photos are shown, not only counted: the detail offers "show photos and videos",
which sends each stored file to whoever may see the ticket, and to nobody else."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.repairs import Attachment, Ticket
from tests.support import png_bytes

pytestmark = pytest.mark.flow


async def test_reporter_and_staff_see_the_photos_a_stranger_does_not(harness):
    h = harness
    photo = png_bytes(seed=3)
    await h.send("student", "3号楼402 水龙头漏水", photos=[photo])
    await h.press("student", "提交")
    ticket = await Ticket.get()
    assert await Attachment.filter(ticket_id=ticket.id, kind="photo").count() == 1
    await h.send("student", callback=f"tk:v:{ticket.number}")
    detail = h.last("student")
    assert "照片：1 张" in detail.text
    await h.press("student", "查看照片和视频（1）")
    shown = h.last("student")
    stored = await Attachment.get(ticket_id=ticket.id, kind="photo")
    assert shown.image is not None and shown.image == Path(stored.path).read_bytes()
    assert shown.text == f"📷 {ticket.number}（1/1）"
    await h.send("manager", callback=f"tk:p:{ticket.number}")  # staff may see every ticket
    assert h.last("manager").image is not None
    replies = await h.send("student2", callback=f"tk:p:{ticket.number}")  # not theirs
    assert all(r.image is None for r in replies) and ticket.number in replies[0].text


async def test_no_button_without_files_and_a_clear_answer_when_they_are_gone(harness):
    h = harness
    await h.send("student", "3号楼402 水龙头漏水")
    await h.press("student", "提交")
    ticket = await Ticket.get()
    await h.send("student", callback=f"tk:v:{ticket.number}")
    labels = [b.label for row in h.last("student").buttons for b in row]
    assert not any("查看照片" in label for label in labels)
    replies = await h.send("student", callback=f"tk:p:{ticket.number}")
    assert "没有" in replies[0].text and replies[0].image is None
