"""Shared locations pick the nearest place, and voice notes are kept with a report."""

from __future__ import annotations

from pathlib import Path

from models.places import Place
from models.repairs import Attachment, Ticket

AMR = b"#!AMR\n" + bytes(range(40))
NEAR_402 = (31.03005, 121.44003)  # a few meters from room 3-402


async def _locate(code: str, lat: float, lon: float) -> None:
    await Place.filter(code=code).update(latitude=lat, longitude=lon)


async def test_location_at_the_place_step_picks_the_nearest_place(harness):
    h = harness
    await _locate("3-402", 31.0300, 121.4400)
    await _locate("LIB", 31.0320, 121.4400)
    await h.send("student", "/report")
    await h.press("student", "水管")
    assert "在哪里" in h.last("student").text
    replies = await h.send("student", location=NEAR_402)
    assert "已根据您发送的位置选定地点：3号楼402" in replies[0].text
    assert "什么问题" in replies[-1].text
    await h.send("student", "水龙头一直滴水")
    await h.press("student", "跳过")
    await h.press("student", "一般")
    assert "3号楼402" in h.last("student").text
    await h.press("student", "提交")
    assert (await Ticket.get().prefetch_related("place")).place.code == "3-402"


async def test_location_far_from_every_place_asks_to_type_the_room(harness):
    h = harness
    await _locate("3-402", 31.0300, 121.4400)
    await h.send("student", "/report")
    await h.press("student", "水管")
    replies = await h.send("student", location=(31.2000, 121.5000))
    assert "300 米内没有登记的地点" in replies[0].text and "房间号" in replies[0].text
    assert "在哪里" in replies[-1].text  # still at the place step, nothing lost
    await h.send("student", "3号楼402")
    assert "什么问题" in h.last("student").text


async def test_location_outside_a_flow_starts_a_report(harness):
    h = harness
    await _locate("3-402", 31.0300, 121.4400)
    replies = await h.send("student2", location=NEAR_402)
    assert "Place taken from your location: Building 3, Room 402" in replies[0].text
    assert "What kind of problem" in replies[-1].text
    await h.press("student2", "Plumbing")
    assert "What is wrong" in h.last("student2").text


async def test_location_outside_a_flow_without_coordinates_answers_clearly(harness):
    replies = await harness.send("student", location=NEAR_402)
    assert len(replies) == 1 and "请直接输入房间号" in replies[0].text
    replies = await harness.send("student", "3号楼402")  # no half-made report is left over
    assert "哪类问题" in replies[-1].text


async def test_voice_note_is_attached_and_counted(harness):
    h = harness
    await h.send("student", "/report")
    await h.press("student", "水管")
    await h.send("student", "3号楼402")
    replies = await h.send("student", voice=AMR)  # at the description step: kept, re-asked
    assert "已收到语音（共 1 条）" in replies[0].text and "什么问题" in replies[-1].text
    await h.send("student", "水龙头一直滴水")
    await h.send("student", voice=AMR[:-1])
    await h.press("student", "跳过")
    await h.press("student", "一般")
    card = h.last("student").text
    assert "照片：0 张" in card and "语音：2 条" in card
    await h.press("student", "提交")
    ticket = await Ticket.get()
    voices = await Attachment.filter(ticket_id=ticket.id, kind="voice").order_by("id")
    assert [v.mime for v in voices] == ["audio/amr", "audio/amr"]
    assert Path(voices[0].path).read_bytes() == AMR
    detail = (await h.press("student", "查看"))[-1].text
    assert "语音：2 条" in detail


async def test_voice_that_is_not_audio_is_refused_and_nothing_lost(harness):
    h = harness
    await h.send("student", "3号楼402 水龙头漏水")
    replies = await h.send("student", voice=b"not audio at all")
    assert "无法识别这段录音的格式" in replies[0].text
    assert "语音" not in h.last("student").text  # the card again, without a voice line
    await h.press("student", "提交")
    assert await Attachment.filter(kind="voice").count() == 0


async def test_voice_outside_a_flow_gets_a_clear_answer(harness):
    replies = await harness.send("student", voice=AMR)
    assert len(replies) == 1 and "收到您的语音" in replies[0].text
    assert "不是照片" not in replies[0].text
    assert await Attachment.all().count() == 0
