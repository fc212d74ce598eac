"""Videos and voice notes on tickets through the dispatcher and a recording adapter: the report
draft (guided and one message), a reporter's note, the worker's completion (a video is proof
enough), the size limit, counts in the detail, forwarding to the worker and the reporter."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.errors import ServiceError
from bot.core.types import Media, Reply
from bot.services.media import MediaService
from models.repairs import Attachment, Ticket
from tests.dispatch_support import all_day_sla
from tests.media_support import OGG, files_sent, mp4_bytes, send_video
from tests.support import Harness, make_settings, png_bytes, seed_small_campus

MB = 1024 * 1024


@pytest.fixture
async def chat(tmp_path):
    h = Harness(make_settings(tmp_path, sla_file=all_day_sla(tmp_path)))
    await h.start()
    h.people = await seed_small_campus()
    yield h
    await h.stop()


def media_to(h: Harness, user: str, kind: str = "video") -> list[tuple[Reply, Media]]:
    """The videos (or voice recordings) sent to `user`, with the reply that carried each."""
    return files_sent(h.replies_to(user), kind)


async def test_captioned_video_files_a_report_and_the_worker_gets_it(chat):
    h = chat
    await h.send("worker", "/duty on")
    clip = mp4_bytes(seed=1)
    replies = await send_video(h, "student", clip, "3号楼402 水龙头漏水")
    assert "已收到视频（共 1 段）" in replies[0].text
    card = h.last("student").text
    assert "请确认" in card and "视频：1 段" in card and "水龙头漏水" in card
    await h.send("student", voice=b"#!AMR\n" + bytes(40))  # a voice note at the card, too
    assert "语音：1 条" in h.last("student").text
    await h.press("student", "提交")
    ticket = await Ticket.get()
    video = await Attachment.get(ticket_id=ticket.id, kind="video")
    assert video.mime == "video/mp4" and Path(video.path).read_bytes() == clip
    assert video.path.endswith(".mp4")

    forwarded = media_to(h, "worker")
    assert len(forwarded) == 1 and ticket.number in forwarded[0][0].text
    assert forwarded[0][1].load() == clip
    assert len(media_to(h, "worker", "voice")) == 1
    offer = h.last("worker").text  # then the card with Accept / Decline, counting them
    assert ticket.number in offer and "视频：1 段 · 语音：1 条" in offer

    detail = (await h.press("student", "查看"))[-1].text
    assert "照片：0 张" in detail and "视频：1 段" in detail and "语音：1 条" in detail


async def test_video_at_the_photos_step_of_the_guided_report(chat):
    h = chat
    await h.send("student", "/report")
    await h.press("student", "水管")
    await h.send("student", "3号楼402")
    await h.send("student", "水龙头漏水")
    assert "或一段短视频" in h.last("student").text
    await h.send("student", photos=[png_bytes(seed=2)])
    replies = await send_video(h, "student", mp4_bytes(seed=2))
    assert "已收到视频（共 1 段）" in replies[-1].text
    assert "完成（2）" in replies[-1].buttons[0][0].label  # a photo and a video
    await h.press("student", "完成")
    await h.press("student", "一般")
    card = h.last("student").text
    assert "照片：1 张" in card and "视频：1 段" in card
    await h.press("student", "提交")
    ticket = await Ticket.get()
    kinds = sorted(await Attachment.filter(ticket_id=ticket.id).values_list("kind", flat=True))
    assert kinds == ["photo", "video"]


async def test_video_note_without_caption_starts_a_report(chat):
    h = chat
    replies = await send_video(h, "student", mp4_bytes(seed=3), kind="video_note")
    assert "已收到视频" in replies[0].text and "哪类问题" in replies[-1].text
    assert await Attachment.filter(kind="video", ticket_id=None).count() == 1


async def test_oversized_video_is_refused_before_download_and_the_draft_is_kept(chat):
    h = chat
    await h.send("student", "/report")
    await h.press("student", "水管")
    await h.send("student", "3号楼402")
    await h.send("student", "水龙头漏水")
    await h.send("student", photos=[png_bytes(seed=4)])
    h.adapter.files.clear()  # a download would now fail loudly: the size check comes first
    replies = await send_video(h, "student", b"never fetched", size=30 * MB)
    assert "30.0 MB" in replies[0].text and "最大 20.0 MB" in replies[0].text
    assert "已填写的内容都还在" in replies[0].text
    assert len(replies) == 2 and "或一段短视频" in replies[1].text  # the same step again
    assert "完成（1）" in replies[1].buttons[0][0].label
    await h.press("student", "完成")
    await h.press("student", "一般")
    card = h.last("student").text
    assert "水龙头漏水" in card and "照片：1 张" in card and "视频" not in card
    assert await Attachment.filter(kind="video").count() == 0


async def test_bytes_that_are_not_a_video_are_refused(chat):
    h = chat
    await h.send("student", "3号楼402 水龙头漏水")
    replies = await send_video(h, "student", b"plain text pretending to be a video")
    assert "无法识别这个视频的格式" in replies[0].text
    assert "视频" not in h.last("student").text.split("\n", 1)[-1]  # the card, no video line
    assert await Attachment.filter(kind="video").count() == 0


async def test_reporter_adds_a_video_note_to_an_open_ticket(chat):
    h = chat
    await h.send("student", "3号楼402 水龙头漏水")
    await h.press("student", "提交")
    ticket = await Ticket.get()
    await h.send("student", "/my")
    await h.press("student", ticket.number)
    await h.press("student", "补充说明")
    assert "照片、视频、语音" in h.last("student").text
    replies = await send_video(h, "student", mp4_bytes(seed=5))
    assert "已收到视频（共 1 段）" in replies[0].text
    await h.send("student", "晚上漏得更厉害")
    assert "已为 " + ticket.number + " 添加补充说明" in h.last("student").text
    assert await Attachment.filter(ticket_id=ticket.id, kind="video").count() == 1
    await h.send("student", "/my")
    detail = (await h.press("student", ticket.number))[-1].text
    assert "视频：1 段" in detail


async def _accepted_job(h: Harness) -> Ticket:
    await h.send("worker", "/duty on")
    await h.send("student", "3号楼402 水龙头漏水")
    await h.press("student", "提交")
    await h.press("worker", "接单")
    return await Ticket.get()


async def test_completion_proved_by_a_video_only(chat):
    h = chat
    ticket = await _accepted_job(h)
    await h.press("worker", "完工")
    assert "或一段完工视频" in h.last("worker").text
    replies = await h.press("worker", "完成（0）")
    assert "或一段完工视频" in replies[0].text  # no proof yet: refused, asked again
    clip = mp4_bytes(seed=6)
    replies = await send_video(h, "worker", clip)
    assert "已收到视频（共 1 段）" in replies[0].text
    await h.press("worker", "完成（1）")
    await h.send("worker", "换了新阀芯")
    await h.press("worker", "未使用材料")
    assert "已完工" in h.last("worker").text
    assert (await Ticket.get(id=ticket.id)).status == "done"
    result = await Attachment.get(ticket_id=ticket.id)
    assert result.kind == "result_video" and Path(result.path).read_bytes() == clip

    shown = media_to(h, "student")
    assert len(shown) == 1 and "完工凭证" in shown[0][0].text and shown[0][1].load() == clip
    assert "问题解决了吗" in h.last("student").text  # the follow-up comes after the proof
    detail = (await h.send("student", callback=f"tk:v:{ticket.number}"))[-1].text
    assert "完工凭证：照片 0 张 · 视频 1 段" in detail


async def test_a_voice_note_alone_is_no_proof(chat):
    h = chat
    await _accepted_job(h)
    await h.press("worker", "完工")
    replies = await h.send("worker", voice=OGG)
    assert "已收到语音" in replies[0].text and "完工照片" in replies[-1].text
    replies = await h.press("worker", "完成（0）")
    assert "或一段完工视频" in replies[0].text
    assert await Attachment.filter(kind="voice", ticket_id=None).count() == 1


async def test_size_limit_is_configurable_and_covers_voice(tmp_path):
    media = MediaService(str(tmp_path), max_photo_bytes=5 * MB, max_video_bytes=2 * MB)
    media.check_size(2 * MB, "video")
    with pytest.raises(ServiceError) as err:
        media.check_size(2 * MB + 1, "voice")
    assert err.value.key == "media.video_too_large" and err.value.fields["limit_mb"] == 2.0
    with pytest.raises(ServiceError) as err:
        media.check_size(6 * MB, "photo")
    assert err.value.key == "media.too_large"
    settings = make_settings(tmp_path, max_video_bytes=3 * MB)
    assert settings.max_video_bytes == 3 * MB


def test_reply_with_media_survives_the_outbox_round_trip(tmp_path):
    path = tmp_path / "clip.mp4"
    path.write_bytes(mp4_bytes(seed=7))
    reply = Reply(text="🎬 R-1", media=Media(kind="video", path=str(path), mime="video/mp4"))
    again = Reply.from_dict(reply.to_dict())
    assert again.media is not None and again.media.data is None  # a path, not megabytes
    assert again.media.load() == mp4_bytes(seed=7)
    inline = Reply.from_dict(Reply(text="x", media=Media(kind="voice", data=OGG)).to_dict())
    assert inline.media is not None and inline.media.load() == OGG
    assert Reply.from_dict({"text": "old", "buttons": []}).media is None  # rows from before


async def test_oversized_proof_video_is_refused_and_the_done_step_asked_again(chat):
    h = chat
    await _accepted_job(h)
    await h.press("worker", "完工")
    replies = await send_video(h, "worker", b"never fetched", size=25 * MB)
    assert "25.0 MB" in replies[0].text and "或一段完工视频" in replies[-1].text
    assert await Attachment.filter(kind="video").count() == 0
    replies = await h.press("worker", "完成（0）")
    assert "或一段完工视频" in replies[0].text
