"""End to end on WeCom: a QR label's OAuth2 link, followed the way WeCom redirects, starts a
report in the member's app chat with the place filled in; bad links and codes are refused."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from bot.app import HouqinApp
from bot.core.qr_links import encode_param, scan_url
from models.repairs import Ticket
from tests.fakes.fake_wecom_api import FakeWeComApi
from tests.fakes.fake_wecom_callbacks import AGENT_ID, CORP_ID
from tests.support import seed_small_campus
from tests.test_e2e_wecom import Member, free_port, wecom_settings


@pytest.fixture
async def fake_api():
    fake = FakeWeComApi(corp_id=CORP_ID, agent_id=AGENT_ID)
    await fake.start()
    yield fake
    await fake.stop()


async def test_scanned_label_starts_the_report_in_the_app_chat(tmp_path, fake_api):
    port = free_port()
    settings = wecom_settings(tmp_path, fake_api, port, public_url=f"http://127.0.0.1:{port}")
    app = HouqinApp(settings)
    await app.start(schema="generate")
    try:
        people = await seed_small_campus()
        await app.services.people.bind(people["student"], "wecom", "zhangsan", "zhangsan")
        label = urlsplit(scan_url(settings, encode_param("place", "3-402"), "wecom"))
        query = parse_qs(label.query)
        assert label.netloc == "open.weixin.qq.com" and query["appid"] == [CORP_ID]
        landing, state = query["redirect_uri"][0], query["state"][0]
        fake_api.oauth_codes["oauth-1"] = "zhangsan"  # WeCom identifies the member
        async with aiohttp.ClientSession() as http:
            async with http.get(landing, params={"code": "oauth-1", "state": state}) as resp:
                assert resp.status == 200
                assert "返回应用对话继续" in await resp.text()
            member = Member(fake_api, None, "zhangsan")  # type: ignore[arg-type]
            await member.expect("3号楼402")
            await member.expect("哪类问题")
            # the same link reloaded: the one-time code is spent, no second report starts
            async with http.get(landing, params={"code": "oauth-1", "state": state}) as resp:
                assert resp.status == 403 and "企业微信" in await resp.text()
            async with http.get(landing, params={"code": "x", "state": "NOTAQR"}) as resp:
                assert resp.status == 400
            async with http.get(landing, params={"state": state}) as resp:
                assert resp.status == 400
        starts = [m for m in fake_api.messages_to("zhangsan") if "哪类问题" in str(m)]
        assert len(starts) == 1
        assert await Ticket.all().count() == 0
    finally:
        await app.stop()


async def test_invitation_cards_wecom_link_binds_the_member(tmp_path, fake_api):
    port = free_port()
    settings = wecom_settings(tmp_path, fake_api, port, public_url=f"http://127.0.0.1:{port}")
    app = HouqinApp(settings)
    await app.start(schema="generate")
    try:
        people = app.services.people
        invited = await people.create("阿卜杜·热合曼", ["reporter"], external_id="20260001")
        code = await people.create_invite(invited)
        card = urlsplit(scan_url(settings, code, "wecom"))  # what the card's WeCom QR holds
        query = parse_qs(card.query)
        assert query["state"] == [code]
        fake_api.oauth_codes["oauth-2"] = "abdu"  # a member nobody imported
        async with aiohttp.ClientSession() as http:
            async with http.get(query["redirect_uri"][0],
                                params={"code": "oauth-2", "state": code}) as resp:
                assert resp.status == 200
            member = Member(fake_api, None, "abdu")  # type: ignore[arg-type]
            await member.expect("欢迎，阿卜杜·热合曼！账号已绑定")
        assert (await people.resolve("wecom", "abdu")).id == invited.id
    finally:
        await app.stop()
