"""Videos and voice notes on an inspection answer and a dorm checklist problem, through the
dispatcher and a recording adapter: a video is proof for a "photo required" item (a voice note
alone is not), the files go onto the repair ticket, which counts them and forwards them to the
worker it is offered to; the size limit is the report's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.services.dorms.jobs import dorm_tick
from bot.services.inspections.jobs import inspection_tick
from bot.services.repairs.ticket_media import media_counts
from models.dorms import DormCheckItem
from models.inspections import InspectionAnswer, InspectionRound
from models.repairs import Attachment, Ticket
from tests.dispatch_support import all_day_sla
from tests.inspection_support import import_checklist
from tests.media_support import OGG, files_sent, mp4_bytes, send_video
from tests.support import Harness, make_settings, png_bytes, seed_small_campus
from tests.test_dorm_support import small_dorm, window_around

MB = 1024 * 1024


@pytest.fixture
async def chat(tmp_path):
    """The recording harness with round-the-clock SLA; a carpenter on duty (chat "carpenter")."""
    h = Harness(make_settings(tmp_path, sla_file=all_day_sla(tmp_path)))
    await h.start()
    h.people = await seed_small_campus()
    carpenter = await h.app.services.people.create("李木工", ["worker"], skills=["carpentry"])
    await h.app.services.people.bind(carpenter, "test", "carpenter", "carpenter")
    await h.send("carpenter", "/duty on")
    yield h
    await h.stop()


async def _walk_to_first_item(h: Harness, tmp_path) -> InspectionRound:
    now = datetime.now(UTC)
    await import_checklist(tmp_path, rule="cron * * * * *", now=now - timedelta(minutes=2))
    await inspection_tick(h.app.services, now)
    out = await h.press("worker", "开始巡检")
    assert "（1/3）通道畅通" in out[-1].text
    return await InspectionRound.get()


def _media_to(h: Harness, user: str, kind: str) -> list:
    return files_sent(h.replies_to(user), kind)


async def test_a_video_proves_a_photo_required_problem_and_rides_on_the_ticket(chat, tmp_path):
    h = chat
    rnd = await _walk_to_first_item(h, tmp_path)
    await h.press("worker", "有问题")
    out = await h.send("worker", voice=OGG)  # a voice note describes, but is no proof
    assert "已收到语音（共 1 条）" in out[0].text
    assert "必须拍照或拍视频" in out[-1].text and not out[-1].buttons[0][0].label.startswith("完成")
    out = await h.send("worker", "堵得很严重")  # words and a voice note: still no proof
    assert "必须拍照或拍视频" in out[-1].text
    assert await InspectionAnswer.filter(round_id=rnd.id).count() == 0
    clip = mp4_bytes(seed=31)
    out = await send_video(h, "worker", clip, "通道堆满纸箱")  # the caption replaces the note
    assert "已收到视频（共 1 段）" in out[0].text
    assert "已保存通道畅通，无杂物堆放的视频 1 段、语音 1 条" in out[-1].text
    assert "完成（2）" in out[-1].buttons[0][0].label
    out = await h.press("worker", "完成")
    assert any("已生成报修工单" in r.text for r in out) and "（2/3）防火门" in out[-1].text

    ticket = await Ticket.get()
    assert ticket.urgency == "urgent" and "通道堆满纸箱" in ticket.description
    kinds = sorted(await Attachment.filter(ticket_id=ticket.id).values_list("kind", flat=True))
    assert kinds == ["video", "voice"]
    video = await Attachment.get(ticket_id=ticket.id, kind="video")
    assert Path(video.path).read_bytes() == clip and video.owner_id == h.people["worker"].id
    answer = await InspectionAnswer.get(round_id=rnd.id)
    assert not answer.ok and answer.ticket_id == ticket.id
    assert sorted(answer.photo_ids) == sorted(
        await Attachment.filter(ticket_id=ticket.id).values_list("id", flat=True))
    counts = await media_counts(ticket.id)
    assert (counts.photos, counts.videos, counts.voices) == (0, 1, 1)


async def test_an_inspection_problem_video_is_forwarded_with_the_offer(chat, tmp_path):
    h = chat
    await _walk_to_first_item(h, tmp_path)
    await h.press("worker", "正常")
    out = await h.press("worker", "有问题")
    assert "防火门关闭良好有什么问题" in out[-1].text and "短视频" in out[-1].text
    clip = mp4_bytes(seed=32)
    await send_video(h, "worker", clip)
    out = await h.send("worker", "闭门器坏了")  # words after a file finish the problem
    assert any("已生成报修工单" in r.text for r in out)
    ticket = await Ticket.get()
    assert ticket.category == "carpentry" and "闭门器坏了" in ticket.description
    forwarded = _media_to(h, "carpenter", "video")
    assert len(forwarded) == 1 and ticket.number in forwarded[0][0].text
    assert forwarded[0][1].load() == clip
    offer = h.last("carpenter").text
    assert ticket.number in offer and "视频：1 段" in offer


async def test_inspection_video_limits_are_the_reports(chat, tmp_path):
    h = chat
    rnd = await _walk_to_first_item(h, tmp_path)
    await h.press("worker", "有问题")
    out = await send_video(h, "worker", mp4_bytes(seed=33), size=30 * MB)
    assert "视频和语音最大 20.0 MB" in out[0].text and "必须拍照或拍视频" in out[-1].text
    out = await send_video(h, "worker", b"not a video at all", kind="video")
    assert "无法识别这个视频的格式" in out[0].text
    assert await Attachment.filter(kind="video").count() == 0
    for seed in range(4):  # three videos per answer, like a report
        out = await send_video(h, "worker", mp4_bytes(seed=40 + seed))
    assert "每次最多 3 段视频" in out[0].text
    await h.send("worker", photos=[png_bytes(seed=34)])
    out = await h.press("worker", "完成")
    ticket = await Ticket.get()
    kinds = sorted(await Attachment.filter(ticket_id=ticket.id).values_list("kind", flat=True))
    assert kinds == ["photo", "video", "video", "video"]
    assert (await InspectionAnswer.get(round_id=rnd.id)).ticket_id == ticket.id


async def test_inspection_service_takes_a_video_as_proof_and_refuses_a_bare_voice(chat, tmp_path):
    h = chat
    rnd = await _walk_to_first_item(h, tmp_path)
    service, worker = h.app.services.inspections, h.people["worker"]
    view = await service.view(rnd.id)
    first = view.items[0]
    voice = await h.app.services.media.store_voice(worker, OGG)
    with pytest.raises(Exception) as err:
        await service.answer(worker, rnd.id, first.id, ok=False, note="堵了",
                             voice_ids=[voice.id], description="通道堵塞")
    assert getattr(err.value, "key", "") == "inspections.photo_required"
    video = await h.app.services.media.store_video(worker, mp4_bytes(seed=35))
    done = await service.answer(worker, rnd.id, first.id, ok=False, video_ids=[video.id],
                                voice_ids=[voice.id], description="通道堵塞")
    assert done.ticket is not None
    assert sorted(await Attachment.filter(ticket_id=done.ticket.id).values_list(
        "kind", flat=True)) == ["video", "voice"]


@pytest.fixture
async def dorm(chat, tmp_path):
    """Students 张三 (zh) and 李四 (en) in D1-203, notices sent; dorm admin bound as da1."""
    h = chat
    start, end = window_around(datetime.now(UTC))
    made = await small_dorm(
        tmp_path, {"student": h.people["student"], "student2": h.people["student2"]}, start, end
    )
    await h.app.services.people.bind(made["admin1"], "test", "da1", "da1")
    await dorm_tick(h.app.services)
    return h, made


async def test_checkin_checklist_problem_with_a_video_and_a_voice_note(dorm):
    h, _ = dorm
    await h.press("student", "确认入住")
    out = await h.press("student", "有问题")  # door
    assert "短视频" in out[-1].text
    clip = mp4_bytes(seed=36)
    out = await send_video(h, "student", clip, "门锁打不开")
    assert "已收到视频（共 1 段）" in out[0].text and "已保存门和门锁的视频 1 段" in out[-1].text
    out = await h.send("student", voice=OGG)
    assert "视频 1 段、语音 1 条" in out[-1].text and "完成（2）" in out[-1].buttons[0][0].label
    await h.press("student", "完成")
    out = await h.press("student", "其余都正常")
    assert "门锁打不开（视频 1 段、语音 1 条）" in out[-1].text
    out = await h.press("student", "确认入住")
    ticket = await Ticket.get()
    assert ticket.number in out[-1].text and ticket.category == "carpentry"
    assert "门锁打不开" in ticket.description
    kinds = sorted(await Attachment.filter(ticket_id=ticket.id).values_list("kind", flat=True))
    assert kinds == ["video", "voice"]
    video = await Attachment.get(ticket_id=ticket.id, kind="video")
    assert Path(video.path).read_bytes() == clip
    assert (await DormCheckItem.get(item="door")).ticket_id == ticket.id
    forwarded = _media_to(h, "carpenter", "video")
    assert len(forwarded) == 1 and forwarded[0][1].load() == clip


async def test_checkout_damage_shown_by_a_video_only(dorm):
    h, _ = dorm
    await h.press("student", "确认入住")
    await h.press("student", "其余都正常")
    await h.press("student", "确认入住")
    await h.send("da1", "/checkin 张三")
    out = await h.press("da1", "办理退宿")
    assert "为 张三 办理退宿" in out[0].text and "（1/6）门和门锁" in out[-1].text
    await h.press("da1", "有损坏")
    out = await send_video(h, "da1", mp4_bytes(seed=37), size=30 * MB)  # too big: kept out
    assert "视频和语音最大" in out[0].text
    await send_video(h, "da1", mp4_bytes(seed=38))
    await h.press("da1", "完成")
    await h.press("da1", "其余都正常")
    out = await h.press("da1", "确认退宿")
    ticket = await Ticket.get()
    assert "见附件（视频 1 段）" in ticket.description and ticket.number in out[-1].text
    assert await Attachment.filter(ticket_id=ticket.id, kind="video").count() == 1
    assert await Attachment.filter(kind="video").count() == 1


async def test_a_voice_note_alone_describes_a_problem_where_no_photo_is_required(chat, tmp_path):
    h = chat
    await _walk_to_first_item(h, tmp_path)
    await h.press("worker", "正常")
    await h.press("worker", "有问题")  # the fire door: no photo required
    out = await h.send("worker", voice=OGG)
    assert "已保存防火门关闭良好的语音 1 条" in out[-1].text
    out = await h.press("worker", "完成")
    assert any("已生成报修工单" in r.text for r in out)
    ticket = await Ticket.get()
    assert "见附件（语音 1 条）" in ticket.description
    assert [a.kind for a in await Attachment.filter(ticket_id=ticket.id)] == ["voice"]
