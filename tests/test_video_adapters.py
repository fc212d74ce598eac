"""Videos and recordings at the adapters: Telegram (real PTB client against the fake Bot API),
the web chat (real HTTP), WeCom's callback parsing; in and out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.adapters.telegram.adapter import TelegramAdapter
from bot.adapters.wecom.inbound import parse
from bot.adapters.wecom.media import media_type
from bot.core.types import Address, Button, DeliveryError, Incoming, Media, Reply
from tests.fakes import FakeBotApi
from tests.media_support import OGG, mp4_bytes
from tests.test_telegram_adapter import next_incoming, settings_for
from tests.test_webchat_adapter import Harness as WebHarness
from tests.test_webchat_adapter import make_chat, translator  # noqa: F401 (fixtures)

USER = 4242
ADDRESS = Address("telegram", str(USER))
AMR = b"#!AMR\n" + bytes(40)
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    """A running fake Bot API."""
    fake = FakeBotApi()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def tg(api: FakeBotApi) -> AsyncIterator[tuple[TelegramAdapter, asyncio.Queue]]:
    """A started polling adapter and the queue its feed fills."""
    inbox: asyncio.Queue[Incoming] = asyncio.Queue()
    adapter = TelegramAdapter(settings_for(api))
    await adapter.start(inbox.put)
    await api.wait_for(lambda calls: any(m == "getUpdates" for m, _ in calls))
    yield adapter, inbox
    await adapter.stop()


async def test_telegram_video_video_note_and_video_document_are_videos(api, tg):
    adapter, inbox = tg
    clip = mp4_bytes(seed=1)
    api.push_video(USER, clip, caption="漏水视频", duration=7)
    incoming = await next_incoming(inbox)
    (video,) = incoming.videos
    assert incoming.text == "漏水视频" and incoming.photos == [] and incoming.voices == []
    assert (video.kind, video.mime, video.size, video.duration) == ("video", "video/mp4",
                                                                    len(clip), 7)
    assert await adapter.fetch_file(video.ref) == clip

    api.push_video_note(USER, clip, duration=9)
    (note,) = (await next_incoming(inbox)).videos
    assert (note.kind, note.mime, note.duration) == ("video_note", "video/mp4", 9)

    api.push_document(USER, clip, "clip.mov", "video/quicktime")
    (doc,) = (await next_incoming(inbox)).videos
    assert (doc.kind, doc.mime, doc.file_name) == ("video", "video/quicktime", "clip.mov")

    api.push_document(USER, b"%PDF-1.4", "a.pdf", "application/pdf")
    assert (await next_incoming(inbox)).videos == []  # other files stay plain documents


async def test_telegram_sends_video_and_voice(api, tg, tmp_path: Path):
    adapter, _ = tg
    clip = mp4_bytes(seed=2)
    stored = tmp_path / "clip.mp4"
    stored.write_bytes(clip)
    video = Media(kind="video", path=str(stored), mime="video/mp4", file_name="clip.mp4")
    await adapter.send(ADDRESS, Reply("🎬 R-1 (1/1)", [[Button("看", "v")]], media=video))
    await adapter.send(ADDRESS, Reply("🎙", media=Media(kind="voice", data=OGG,
                                                       mime="audio/ogg")))
    await adapter.send(ADDRESS, Reply("🎙 AMR", media=Media(kind="voice", data=AMR,
                                                           mime="audio/amr")))
    sent_video, sent_voice, sent_amr = api.sent_messages(USER)
    assert sent_video["method"] == "sendVideo" and sent_video["params"]["video"] == clip
    assert sent_video["text"] == "🎬 R-1 (1/1)" and sent_video["reply_markup"] is not None
    assert sent_voice["method"] == "sendVoice" and sent_voice["params"]["voice"] == OGG
    assert sent_amr["method"] == "sendDocument"  # Telegram cannot play AMR inline


async def test_telegram_reuses_its_own_file_id_and_splits_long_captions(api, tg):
    adapter, _ = tg
    clip = mp4_bytes(seed=3)
    file_id = api.register_file(clip, "videos", "clip.mp4")["file_id"]
    media = Media(kind="video", ref=file_id, ref_platform="telegram", mime="video/mp4")
    text = "长" * 1500
    await adapter.send(ADDRESS, Reply(text, [[Button("好", "ok")]], media=media))
    video, message = api.sent_messages(USER)
    assert video["method"] == "sendVideo" and video["params"]["video"] == file_id
    assert video["text"] is None and message["text"] == text
    assert message["reply_markup"] is not None


async def test_telegram_media_whose_file_is_gone_is_a_permanent_failure(api, tg, tmp_path):
    adapter, _ = tg
    media = Media(kind="video", path=str(tmp_path / "gone.mp4"), mime="video/mp4")
    with pytest.raises(DeliveryError) as err:
        await adapter.send(ADDRESS, Reply("x", media=media))
    assert err.value.permanent


def test_wecom_video_callback_is_a_video():
    xml = ("<xml><ToUserName>wwcorp</ToUserName><FromUserName>zhangsan</FromUserName>"
           "<CreateTime>1700000000</CreateTime><MsgType>video</MsgType>"
           "<MediaId>MEDIA_9</MediaId><ThumbMediaId>T9</ThumbMediaId>"
           "<MsgId>77</MsgId><AgentID>1000002</AgentID></xml>")
    incoming = parse(xml).incoming
    assert incoming is not None
    (video,) = incoming.videos
    assert (video.ref, video.kind, video.mime) == ("MEDIA_9", "video", "video/mp4")


def test_wecom_media_types():
    assert media_type(Media(kind="video", mime="video/mp4")) == "video"
    assert media_type(Media(kind="video", mime="video/webm")) == "file"
    assert media_type(Media(kind="voice", mime="audio/amr")) == "voice"
    assert media_type(Media(kind="voice", mime="audio/ogg")) == "file"


async def test_webchat_video_upload_and_video_reply(make_chat):  # noqa: F811
    chat: WebHarness = await make_chat()
    clip = mp4_bytes(seed=4)
    form = aiohttp.FormData()
    form.add_field("user_id", "p12")
    form.add_field("client_id", "vid-1")
    form.add_field("photo", clip, filename="leak.mp4", content_type="video/mp4")
    assert (await chat.client.post("/api/web/send", data=form)).status == 202
    (incoming,) = await chat.incoming()
    (video,) = incoming.videos
    assert video.kind == "video" and video.size == len(clip) and incoming.photos == []
    assert await chat.adapter.fetch_file(video.ref) == clip

    reply = Reply("🎬 R-2 (1/1)", media=Media(kind="video", data=clip, mime="video/mp4",
                                              file_name="leak.mp4"))
    await chat.adapter.send(Address("web", "p12"), reply)
    messages = (await chat.poll("p12"))["messages"]
    bot = [m for m in messages if m["from"] == "bot"][-1]
    assert bot["text"] == "🎬 R-2 (1/1)" and bot["attachment"]["mime"] == "video/mp4"
    got = await chat.client.get(bot["attachment"]["url"], params={"user_id": "p12"})
    assert got.status == 200 and await got.read() == clip
    other = await chat.client.get(bot["attachment"]["url"], params={"user_id": "p13"})
    assert other.status == 404  # another person's session
