"""A ticket's photos are shown, not only counted: the detail offers "show photos and videos",
which sends each stored file to whoever may see the ticket, and to nobody else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.core.types import Media, Reply
from bot.services.repairs import album_replies
from models.repairs import Attachment, Ticket
from tests.support import png_bytes


@pytest.mark.flow
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
    assert [m.kind for m in shown.album] == ["photo"]
    assert shown.album[0].load() == Path(stored.path).read_bytes()
    assert shown.text == f"📷 {ticket.number}（1/1）"
    await h.send("manager", callback=f"tk:p:{ticket.number}")  # staff may see every ticket
    assert h.last("manager").album
    replies = await h.send("student2", callback=f"tk:p:{ticket.number}")  # not theirs
    assert all(not r.album and r.image is None for r in replies)
    assert ticket.number in replies[0].text


@pytest.mark.flow
async def test_no_button_without_files_and_a_clear_answer_when_they_are_gone(harness):
    h = harness
    await h.send("student", "3号楼402 水龙头漏水")
    await h.press("student", "提交")
    ticket = await Ticket.get()
    await h.send("student", callback=f"tk:v:{ticket.number}")
    labels = [b.label for row in h.last("student").buttons for b in row]
    assert not any("查看照片" in label for label in labels)
    replies = await h.send("student", callback=f"tk:p:{ticket.number}")
    assert "没有" in replies[0].text and not replies[0].album


def test_files_go_in_albums_of_ten_then_each_voice_note(tmp_path):
    kinds = ["photo"] * 11 + ["video", "voice", "result"]
    files = [Attachment(id=i, kind=kind, path=str(tmp_path / f"{i}.bin"), mime=None)
             for i, kind in enumerate(kinds, start=1)]
    replies = album_replies(files, lambda numbers: f"R-1 ({numbers})")
    assert [r.text for r in replies] == ["R-1 (1–10/14)", "R-1 (11–13/14)", "R-1 (14/14)"]
    assert [[m.kind for m in r.album] for r in replies] == [
        ["photo"] * 10, ["photo", "video", "photo"], []]
    assert replies[2].media is not None and replies[2].media.kind == "voice"
    assert all(m.path and m.data is None for r in replies for m in r.album)  # paths, not bytes


def test_an_album_survives_the_outbox_round_trip(tmp_path):
    path = tmp_path / "a.png"
    path.write_bytes(png_bytes(seed=9))
    reply = Reply(text="📷 R-1 (1–2/2)", album=[Media(kind="photo", path=str(path)),
                                                Media(kind="video", ref="f1", ref_platform="x")])
    again = Reply.from_dict(json.loads(json.dumps(reply.to_dict())))
    assert again == reply and again.album[0].load() == png_bytes(seed=9)
    assert Reply.from_dict({"text": "old", "buttons": []}).album == []  # rows from before
