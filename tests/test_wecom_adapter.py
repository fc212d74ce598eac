"""The WeCom adapter on its own: batching, images, errcode mapping, numbered replies, the
callback endpoint's answers — against the fake WeCom API with real crypto."""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from bot.adapters.wecom.adapter import WeComAdapter, WeComBatchError
from bot.config import Settings
from bot.core.errors import ServiceError
from bot.core.i18n import Translator
from bot.core.types import Address, Button, DeliveryError, Incoming, Reply
from tests.fakes.fake_wecom_api import FakeWeComApi
from tests.fakes.fake_wecom_callbacks import AES_KEY, AGENT_ID, CORP_ID, TOKEN, WeComCallbacks
from tests.support import png_bytes


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def settings_for(api: FakeWeComApi, **extra: Any) -> Settings:
    """WeCom settings pointing at the fake API."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        wecom_corp_id=CORP_ID, wecom_agent_id=str(AGENT_ID), wecom_secret=api.secret,
        wecom_token=TOKEN, wecom_aes_key=AES_KEY, wecom_api_url=api.url, **extra,
    )


@pytest.fixture
async def api() -> AsyncIterator[FakeWeComApi]:
    """A running fake WeCom API."""
    fake = FakeWeComApi(corp_id=CORP_ID, agent_id=AGENT_ID)
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def served(api):
    """The adapter mounted on a served aiohttp app, feeding into a list."""
    now = [1_700_000_000.0]
    fed: list[Incoming] = []
    http = web.Application()
    adapter = WeComAdapter(settings_for(api), http, Translator("zh_CN"),
                           clock=lambda: now[0])

    async def feed(incoming: Incoming) -> None:
        fed.append(incoming)

    runner = web.AppRunner(http)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    wecom = WeComCallbacks(f"http://127.0.0.1:{port}/wecom/callback")
    wecom.clock_offset = now[0] - time.time()
    posted = await wecom.send(wecom.text("u1", "early"))
    assert posted.status == 503  # not started yet: WeCom will retry later
    await adapter.start(feed)
    yield {"adapter": adapter, "fed": fed, "wecom": wecom, "now": now}
    await adapter.stop()
    await runner.cleanup()


async def test_batch_of_2500_takes_exactly_three_calls(api):
    adapter = WeComAdapter(settings_for(api), web.Application(), Translator())
    members = [f"user{i:04d}" for i in range(2500)]
    await adapter.send_batch(members, Reply("停水通知：3号楼今晚 22:00-24:00 停水。"))
    calls = [p["json"] for p in api.calls_to("message/send")]
    assert len(calls) == 3
    assert [c["touser"].split("|") for c in calls] == [
        members[:1000], members[1000:2000], members[2000:]]
    assert all(c["text"]["content"].startswith("停水通知") for c in calls)
    assert len(api.calls_to("gettoken")) == 1
    await adapter.stop()


async def test_batch_failures_name_who_is_still_owed_the_message(api):
    adapter = WeComAdapter(settings_for(api), web.Application(), Translator())
    members = [f"m{i}" for i in range(2500)]
    api.fail("message/send", 45009)  # the first call is rate limited
    with pytest.raises(WeComBatchError) as limited:
        await adapter.send_batch(members, Reply("通知"))
    assert limited.value.retry_after == 60.0 and limited.value.failed_chat_ids == members
    assert limited.value.bot_wide is None
    api.unreachable.update({"m5", "m1500"})
    with pytest.raises(WeComBatchError) as partly:
        await adapter.send_batch(members, Reply("通知"))
    assert partly.value.permanent and partly.value.failed_chat_ids == ["m5", "m1500"]
    assert len(api.sent) == 3  # everyone else got it in three calls
    await adapter.stop()


async def test_single_sends_images_and_errors(api):
    adapter = WeComAdapter(settings_for(api), web.Application(), Translator())
    image = png_bytes(seed=4)
    await adapter.send(Address("wecom", "u1"), Reply("现场照片", image=image))
    assert [m["msgtype"] for m in api.messages_to("u1")] == ["image", "text"]
    assert api.uploads[0][1] == image
    assert api.calls_to("media/upload")[0]["form"]["media"][0] == "image.png"
    await adapter.send(Address("wecom", "u1"), Reply("", image=image))  # image only
    assert api.messages_to("u1")[-1]["msgtype"] == "image"
    api.unreachable.add("gone")
    with pytest.raises(DeliveryError) as gone:
        await adapter.send(Address("wecom", "gone"), Reply("hi"))
    assert gone.value.permanent
    with pytest.raises(DeliveryError) as other:
        await adapter.send(Address("telegram", "1"), Reply("hi"))
    assert other.value.permanent
    api.fail("message/send", -1)
    with pytest.raises(DeliveryError) as busy:
        await adapter.send(Address("wecom", "u1"), Reply("hi"))
    assert not busy.value.permanent and busy.value.retry_after is None
    with pytest.raises(ServiceError) as missing:
        await adapter.fetch_file("EXPIRED_MEDIA")
    assert missing.value.key == "errors.file_unavailable"
    assert not api.violations
    await adapter.stop()


def test_missing_settings_are_named():
    with pytest.raises(ValueError, match="HOUQIN_WECOM_AGENT_ID"):
        WeComAdapter(Settings(_env_file=None, wecom_corp_id="c", wecom_secret="s",  # type: ignore[call-arg]
                              wecom_token="t", wecom_aes_key=AES_KEY),
                     web.Application(), Translator())


async def test_numbered_replies_map_to_the_last_list_only(served, api):
    adapter, fed, wecom = served["adapter"], served["fed"], served["wecom"]
    many = [[Button(f"选项{i}", f"f:tok:{i}") for i in range(8)]]
    await adapter.send(Address("wecom", "u1"), Reply("请选择", many))
    await wecom.send(wecom.text("u1", "2"))
    await wecom.send(wecom.text("u1", "９"))  # out of range: stays text
    await api.wait_for(lambda: len(fed) == 2)
    assert (fed[0].callback, fed[0].text) == ("f:tok:1", None)
    assert (fed[1].callback, fed[1].text) == (None, "９")
    await adapter.send(Address("wecom", "u1"), Reply("请输入地点"))  # no buttons: list forgotten
    await wecom.send(wecom.text("u1", "2"))
    await api.wait_for(lambda: len(fed) == 3)
    assert (fed[2].callback, fed[2].text) == (None, "2")


async def test_endpoint_answers(served, api):
    fed, wecom, now = served["fed"], served["wecom"], served["now"]
    for _ in range(2):
        assert (await wecom.send(wecom.event("u2", "enter_agent"))).status == 200
    now[0] += 7 * 3600  # a visit hours later is greeted again
    wecom.clock_offset += 7 * 3600
    await wecom.send(wecom.event("u2", "enter_agent"))
    await api.wait_for(lambda: len(fed) == 2)
    assert [i.command for i in fed] == ["start", "start"]

    other_agent = WeComCallbacks(wecom.url, agent_id=999)
    other_agent.clock_offset = wecom.clock_offset
    xml = other_agent.text("u3", "hi")
    assert (await wecom.send(xml)).status == 200  # another app's message: ignored
    params, body = wecom.envelope(wecom.text("u3", "x" * 300_000))
    assert (await wecom.post(params, body)).status == 413
    params, body = wecom.envelope("<xml><Foo>1</Foo></xml>")  # decrypts, but is no message
    assert (await wecom.post(params, body)).status == 400
    params, body = wecom.envelope("<xml><MsgType>text</MsgType></xml>")  # nobody sent it
    assert (await wecom.post(params, body)).status == 200
    assert len(fed) == 2
