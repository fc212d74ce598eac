"""The WeCom API client against the fake WeCom server: token cache and refresh, errcodes."""

from __future__ import annotations

import asyncio

import pytest

from bot.adapters.wecom.api import REFRESH_MARGIN, WeComApi, WeComApiError, delivery_error
from tests.fakes.fake_wecom_api import FakeWeComApi
from tests.support import png_bytes

TEXT = {"touser": "u1", "agentid": 1000002, "msgtype": "text", "text": {"content": "hi"}}


@pytest.fixture
async def fake():
    """A running fake WeCom API."""
    api = FakeWeComApi()
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
async def client(fake):
    """A client with a hand-driven clock (`client.now[0]`)."""
    now = [1000.0]
    api = WeComApi(fake.corp_id, fake.secret, fake.url, clock=lambda: now[0])
    api.now = now  # type: ignore[attr-defined]
    yield api
    await api.close()


async def test_token_is_cached_and_renewed_before_it_expires(fake, client):
    for _ in range(3):
        await client.send_message(TEXT)
    assert len(fake.calls_to("gettoken")) == 1
    client.now[0] += fake.token_ttl - REFRESH_MARGIN - 1
    await client.send_message(TEXT)
    assert len(fake.calls_to("gettoken")) == 1
    client.now[0] += 2  # inside the safety margin: renewed although WeCom would still take it
    await client.send_message(TEXT)
    assert len(fake.calls_to("gettoken")) == 2
    assert len(fake.sent) == 5


@pytest.mark.parametrize("errcode", [40014, 42001])
async def test_rejected_token_is_fetched_again_and_the_call_retried_once(fake, client, errcode):
    await client.send_message(TEXT)
    fake.fail("message/send", errcode)
    await client.send_message(TEXT)
    assert len(fake.calls_to("gettoken")) == 2
    assert len(fake.sent) == 2
    fake.fail("message/send", errcode, times=2)  # still refused after a new token: give up
    with pytest.raises(WeComApiError) as info:
        await client.send_message(TEXT)
    assert info.value.errcode == errcode


async def test_expired_tokens_on_the_server_side(fake, client):
    await client.send_message(TEXT)
    fake.expire_tokens()  # WeCom revoked it early (e.g. the secret was reset)
    await client.send_message(TEXT)
    tokens = [params["access_token"] for params in fake.calls_to("message/send")]
    assert tokens[0] != tokens[-1] and len(tokens) == 3  # refused once, then a new token
    assert len(fake.sent) == 2


async def test_concurrent_callers_share_one_gettoken(fake, client):
    await asyncio.gather(*(client.send_message(TEXT) for _ in range(10)))
    assert len(fake.calls_to("gettoken")) == 1


async def test_errcodes_map_to_delivery_errors(fake, client):
    fake.fail("message/send", 45009)
    with pytest.raises(WeComApiError) as limited:
        await client.send_message(TEXT)
    error = delivery_error(limited.value)
    assert error.retry_after == 60.0 and not error.permanent
    assert error.bot_wide is None  # maybe one member's limit: delivery decides
    fake.fail("message/send", 45033)
    with pytest.raises(WeComApiError) as concurrent:
        await client.send_message(TEXT)
    assert delivery_error(concurrent.value).bot_wide is True  # the whole app is over its limit
    fake.fail("message/send", -1)
    with pytest.raises(WeComApiError) as busy:
        await client.send_message(TEXT)
    assert delivery_error(busy.value).retry_after is None
    assert not delivery_error(busy.value).permanent
    fake.unreachable.add("u1")
    with pytest.raises(WeComApiError) as gone:
        await client.send_message(TEXT)
    assert gone.value.errcode == 81013 and delivery_error(gone.value).permanent


async def test_bad_credentials_and_unreachable_server():
    api = WeComApi("wwcorp", "wrong", "http://127.0.0.1:9/cgi-bin/", timeout=2)
    with pytest.raises(WeComApiError) as info:
        await api.send_message(TEXT)
    assert info.value.errcode is None  # connection refused
    assert not delivery_error(info.value).permanent
    await api.close()


async def test_media_upload_and_download(fake, client):
    image = png_bytes(seed=3)
    media_id = await client.upload_media("image", image, "a.png", "image/png")
    assert fake.uploads == [(media_id, image)]
    assert await client.get_media(media_id) == image
    with pytest.raises(WeComApiError) as missing:
        await client.get_media("NO_SUCH_MEDIA")
    assert missing.value.errcode == 40007
    big = fake.add_media(b"x" * 5000)
    with pytest.raises(WeComApiError, match="larger than"):
        await client.get_media(big, max_bytes=4096)
    fake.expire_tokens()
    assert await client.get_media(media_id) == image  # a stale token is renewed for media too
    fake.expire_tokens()
    again = await client.upload_media("image", image, "a.png", "image/png")  # a fresh form
    assert fake.media[again] == image and len(fake.calls_to("media/upload")) == 3


async def test_menu_and_user_list(fake, client):
    fake.users[1] = [{"userid": "a", "name": "甲"}]
    fake.users[2] = [{"userid": "b", "name": "乙"}]
    fake.children[1] = [2]
    assert [u["userid"] for u in await client.list_users(1)] == ["a", "b"]
    assert [u["userid"] for u in await client.list_users(1, fetch_child=False)] == ["a"]
    await client.create_menu("1000002", {"button": [{"type": "click", "name": "报修",
                                                     "key": "cmd:report"}]})
    assert fake.menus and fake.calls_to("menu/create")[0]["agentid"] == "1000002"
    with pytest.raises(WeComApiError):
        await client.create_menu("1000002", {"button": []})
