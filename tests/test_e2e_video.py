"""End to end on Telegram: videos and voice notes through the real python-telegram-bot client and
the fake Bot API (getFile of a video, sendVideo / sendVoice to the worker and the reporter, the
20 MB limit checked before getFile)."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.repairs import Attachment, Ticket
from tests.dispatch_support import all_day_sla
from tests.e2e_support import QUIET_PTB, bound, telegram_app
from tests.fakes import FakeBotApi
from tests.media_support import OGG, mp4_bytes
from tests.support import seed_small_campus

pytestmark = QUIET_PTB
REPORTER, WORKER = 4242, 5001


@pytest.fixture
async def campus(tmp_path, api):
    """The app in polling mode; the reporter and a plumber (on duty) bound to Telegram."""
    async with telegram_app(tmp_path, api, sla_file=all_day_sla(tmp_path)) as app:
        people = await seed_small_campus()
        reporter = await bound(app, api, people["student"], REPORTER)
        worker = await bound(app, api, people["worker"], WORKER)
        await worker.say("/duty on")
        await worker.expect("已上岗")
        yield app, reporter, worker


def file_id_of(update: dict, field: str) -> str:
    """The file_id of the video/voice/video_note in an injected update."""
    return update["message"][field]["file_id"]


def sent(api: FakeBotApi, chat: int, method: str) -> list[dict]:
    """The successful `method` calls to `chat`."""
    return [m for m in api.sent_messages(chat) if m["method"] == method]


async def test_captioned_video_and_voice_reach_the_ticket_and_the_worker(campus, api):
    _, reporter, worker = campus
    clip = mp4_bytes(seed=11, size=64 * 1024)
    update = api.push_video(REPORTER, clip, caption="3号楼402 水龙头漏水")
    await reporter.expect("已收到视频")
    card = await reporter.expect("请确认")
    assert "视频：1 段" in card["text"]
    voice = api.push_voice(REPORTER, OGG)
    await reporter.expect("已收到语音")
    await reporter.expect("语音：1 条")
    await reporter.press("提交")
    await reporter.expect("已提交")

    file_ids = [c["file_id"] for c in api.calls_to("getFile")]
    assert file_id_of(update, "video") in file_ids and file_id_of(voice, "voice") in file_ids
    ticket = await Ticket.get()
    video = await Attachment.get(ticket_id=ticket.id, kind="video")
    assert Path(video.path).read_bytes() == clip and video.size == len(clip)

    offer = await worker.expect("新派工")
    assert ticket.number in offer["text"]
    # the voice upload is sometimes recorded after the card (flaky before): wait for it
    await api.wait_for(lambda _calls: sent(api, WORKER, "sendVoice"), timeout=8)
    videos = sent(api, WORKER, "sendVideo")
    assert len(videos) == 1 and videos[0]["params"]["video"] == clip
    assert ticket.number in videos[0]["text"]
    voices = sent(api, WORKER, "sendVoice")
    assert len(voices) == 1 and voices[0]["params"]["voice"] == OGG

    await reporter.say("/my")
    await reporter.expect(ticket.number)
    await reporter.press(ticket.number)
    detail = await reporter.expect("视频：1 段")
    assert "语音：1 条" in detail["text"] and "照片：0 张" in detail["text"]


async def test_video_over_20_mb_is_refused_before_getfile_and_the_draft_is_kept(campus, api):
    _, reporter, _ = campus
    await reporter.say("/report")
    await reporter.expect("哪类问题")
    await reporter.press("水管")
    await reporter.expect("在哪里")
    await reporter.say("3号楼402")
    await reporter.expect("什么问题")
    await reporter.say("水龙头一直滴水")
    await reporter.expect("或一段短视频")
    big = api.push_video(REPORTER, mp4_bytes(seed=12), declared_size=30 * 1024 * 1024)
    refused = await reporter.expect("视频和语音最大 20.0 MB")
    assert "30.0 MB" in refused["text"] and "已填写的内容都还在" in refused["text"]
    assert file_id_of(big, "video") not in [c["file_id"] for c in api.calls_to("getFile")]
    await reporter.expect("或一段短视频")  # the same step asked again
    await reporter.press("跳过")
    await reporter.expect("紧急程度")
    await reporter.press("一般")
    card = await reporter.expect("请确认")
    assert "水龙头一直滴水" in card["text"] and "3号楼402" in card["text"]
    assert "视频" not in card["text"]
    assert await Attachment.filter(kind="video").count() == 0


async def test_completion_proved_by_a_video_note_reaches_the_reporter(campus, api):
    _, reporter, worker = campus
    await reporter.say("3号楼402 水龙头漏水")
    await reporter.expect("请确认")
    await reporter.press("提交")
    await worker.expect("新派工")
    await worker.press("接单")
    await worker.expect("进度")
    await worker.press("完工")
    await worker.expect("或一段完工视频")
    proof = mp4_bytes(seed=13)
    note = api.push_video_note(WORKER, proof)
    await worker.expect("已收到视频（共 1 段）")
    assert file_id_of(note, "video_note") in [c["file_id"] for c in api.calls_to("getFile")]
    await worker.press("完成（1）")
    await worker.expect("维修结果")
    await worker.say("换了新阀芯")
    await worker.expect("材料")
    await worker.press("未使用材料")
    await worker.expect("已完工")
    ticket = await Ticket.get()
    result = await Attachment.get(ticket_id=ticket.id)
    assert result.kind == "result_video" and Path(result.path).read_bytes() == proof

    await reporter.expect("问题解决了吗")
    shown = sent(api, REPORTER, "sendVideo")
    assert len(shown) == 1 and shown[0]["params"]["video"] == proof
    assert "完工凭证" in shown[0]["text"]


async def test_a_big_video_without_a_declared_size_is_answered_when_getfile_refuses(campus, api):
    _, reporter, _ = campus
    await reporter.say("3号楼402 水龙头漏水")
    await reporter.expect("请确认")
    big = api.push_video(REPORTER, mp4_bytes(seed=14), declared_size=25 * 1024 * 1024,
                         size_in_message=False)
    await reporter.expect("无法获取这个文件")
    assert file_id_of(big, "video") in [c["file_id"] for c in api.calls_to("getFile")]
    card = await reporter.expect("请确认")  # the draft is still there
    assert "水龙头漏水" in card["text"] and "视频" not in card["text"]
