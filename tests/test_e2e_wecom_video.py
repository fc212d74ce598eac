"""End to end on WeCom: a member's video message (real callback crypto) is downloaded with
media/get, kept on the report, and forwarded to the worker as media/upload type video plus a
message of type video, through the fake WeCom API."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import HouqinApp
from models.repairs import Attachment, Ticket
from tests.fakes.fake_wecom_api import FakeWeComApi
from tests.fakes.fake_wecom_callbacks import AGENT_ID, CORP_ID, WeComCallbacks
from tests.media_support import mp4_bytes
from tests.support import seed_small_campus
from tests.test_e2e_wecom import Member, free_port, wecom_settings


@pytest.fixture
async def api():
    """A running fake WeCom API."""
    fake = FakeWeComApi(corp_id=CORP_ID, agent_id=AGENT_ID)
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def running(tmp_path, api):
    """The app serving /wecom/callback; "zhangsan" is the student, "wang" the plumber."""
    port = free_port()
    app = HouqinApp(wecom_settings(tmp_path, api, port))
    await app.start(schema="generate")
    people = await seed_small_campus()
    await app.services.people.bind(people["student"], "wecom", "zhangsan", "zhangsan")
    await app.services.people.bind(people["worker"], "wecom", "wang", "wang")
    wecom = WeComCallbacks(f"http://127.0.0.1:{port}/wecom/callback")
    yield wecom
    await app.stop()


async def test_video_message_is_kept_and_forwarded_to_the_worker_as_video(running, api):
    wecom = running
    worker, student = Member(api, wecom, "wang"), Member(api, wecom, "zhangsan")
    await worker.say("/duty on")
    await worker.expect("已上岗")
    clip = mp4_bytes(seed=21, size=32 * 1024)
    media_id = api.add_media(clip)

    await student.say("/report")
    await student.expect("哪类问题")
    await student.say("1")
    await student.expect("在哪里")
    await student.say("3号楼402")
    await student.expect("什么问题")
    await student.say("水龙头一直滴水")
    await student.expect("或一段短视频")
    posted = await wecom.send(wecom.video("zhangsan", media_id))
    assert posted.status == 200
    more = await student.expect("已收到视频（共 1 段）")
    assert api.calls_to("media/get")[-1]["media_id"] == media_id
    await student.tap(more, "完成")
    urgency = await student.expect("紧急程度")
    await student.tap(urgency, "一般")
    card = await student.expect("请确认您的报修")
    await student.tap(card, "提交")
    await student.expect("已提交")

    ticket = await Ticket.get()
    stored = await Attachment.get(ticket_id=ticket.id)
    assert stored.kind == "video" and Path(stored.path).read_bytes() == clip

    def forwarded() -> dict | None:
        return next((m for m in api.messages_to("wang") if m["msgtype"] == "video"), None)

    message = await api.wait_for(forwarded)
    uploaded = message["video"]["media_id"]
    assert api.upload_types[uploaded] == "video" and api.media[uploaded] == clip
    def caption() -> list[dict]:  # the "🎬 number (1/1)" line that goes with it (its own send)
        return [m for m in api.messages_to("wang") if ticket.number in str(m.get("text"))]

    assert await api.wait_for(caption)
    assert not api.violations
