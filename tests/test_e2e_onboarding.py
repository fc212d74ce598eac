"""Onboarding end to end: a newcomer's first message (a captioned photo) survives registration,
self-verification and a restart, on Telegram (real PTB client, fake Bot API) and WeCom (real
wechatpy crypto, fake WeCom API); staff verify only with HOUQIN_VERIFY_STAFF."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import HouqinApp
from models.people import Identity, Person
from models.repairs import Attachment, Ticket
from tests.e2e_support import QUIET_PTB, TgUser, telegram_app, tg_settings
from tests.fakes import FakeBotApi
from tests.support import png_bytes, seed_small_campus
from tests.test_e2e_wecom import Member, api, free_port, running, shown, wecom_settings

pytestmark = QUIET_PTB
__all__ = ["api", "running"]  # the WeCom fixtures, used by name below
CAPTION = "3号楼402 水龙头漏水"


@pytest.fixture
async def fake_tg():
    """A running fake Bot API (`api` here is the fake WeCom API of the WeCom tests)."""
    fake = FakeBotApi()
    await fake.start()
    yield fake
    await fake.stop()


async def _roster() -> dict[str, Person]:
    """A student and a worker on the imported roster, neither bound to a chat."""
    return {
        "student": await Person.create(name="阿卜杜·热合曼", roles=["reporter"],
                                       external_id="S2024007", phone="13955550007"),
        "worker": await Person.create(name="刘师傅", roles=["reporter", "worker"],
                                      external_id="W-01"),
    }


async def _photo_ticket(photo: bytes) -> Ticket:
    ticket = await Ticket.get().prefetch_related("reporter")
    stored = await Attachment.filter(ticket_id=ticket.id)
    assert [Path(a.path).read_bytes() for a in stored] == [photo]
    return ticket


async def test_telegram_captioned_photo_survives_registration_and_a_restart(tmp_path, fake_tg):
    api = fake_tg
    photo = png_bytes(seed=41)
    async with telegram_app(tmp_path, api) as app:
        await seed_small_campus()
        user = TgUser(api, 5151)
        await user.photo([photo], caption=CAPTION)
        await user.expect("请问您的姓名")
        await user.say("赵六")
        await user.expect("学号或工号")
    async with telegram_app(tmp_path, api) as app:  # a restart: the first message is kept
        await user.say("138 1111 2222")
        await user.expect("登记完成")
        card = await user.expect("请确认")
        assert "3号楼402" in card["text"] and "照片：1 张" in card["text"]
        await user.press("提交")
        await user.expect("已提交")
        ticket = await _photo_ticket(photo)
        assert ticket.reporter.name == "赵六" and ticket.reporter.phone == "13811112222"
        assert app.services.settings.open_reporting


async def test_telegram_self_verification_binds_the_roster_person(tmp_path, fake_tg):
    api = fake_tg
    photo = png_bytes(seed=42)
    async with telegram_app(tmp_path, api):
        await seed_small_campus()
        roster = await _roster()
        user = TgUser(api, 6161)
        await user.photo([photo], caption=CAPTION)
        await user.expect("请问您的姓名")
        await user.say("阿卜杜・热合曼")  # another middle dot
        await user.expect("学号或工号")
        await user.say("s2024006")
        await user.expect("还可尝试 4 次")
        await user.expect("请发送您的姓名")  # asked again, without the welcome
        await user.photo([png_bytes(seed=43)])  # a second photo while asked: kept as well
        await user.expect("已收到")
        await user.say("阿卜杜热合曼")
        await user.say("s2024007")
        await user.expect("欢迎，阿卜杜·热合曼")
        card = await user.expect("请确认")
        assert "照片：2 张" in card["text"]
        await user.press("提交")
        await user.expect("已提交")
        ticket = await Ticket.get().prefetch_related("reporter")
        assert ticket.reporter.id == roster["student"].id
        assert await Attachment.filter(ticket_id=ticket.id).count() == 2

        second = TgUser(api, 6262)  # the same person from a second chat: refused
        await second.say("/verify S2024007 阿卜杜·热合曼")
        await second.expect("已绑定其他账号")
        assert not await Identity.exists(platform="telegram", user_id="6262")

        staff = TgUser(api, 7171)  # staff get invitations by default
        await staff.say("/verify W-01 刘师傅")
        await staff.expect("一次性邀请")
        assert not await Identity.exists(person_id=roster["worker"].id)


async def test_telegram_staff_verify_with_verify_staff_on(tmp_path, fake_tg):
    api = fake_tg
    app = HouqinApp(tg_settings(tmp_path, api, verify_staff=True))
    await app.start(serve_http=False, schema="generate")
    try:
        roster = await _roster()
        staff = TgUser(api, 7272)
        await staff.say("/verify w-01 刘师傅")
        welcome = await staff.expect("欢迎，刘师傅")
        assert "维修工" in welcome["text"]
        ident = await Identity.get(platform="telegram", user_id="7272")
        assert ident.person_id == roster["worker"].id
    finally:
        await app.stop()


async def test_wecom_first_photo_survives_registration(running, api):
    wecom = running["wecom"]
    photo = png_bytes(seed=44)
    media_id = api.add_media(photo)
    newcomer = Member(api, wecom, "newbie")
    posted = await wecom.send(wecom.image("newbie", media_id))  # WeCom sends text apart
    assert posted.status == 200
    await newcomer.expect("请问您的姓名")
    await newcomer.say("钱七")
    await newcomer.expect("学号或工号")
    await newcomer.say("13822223333")
    await newcomer.expect("登记完成")
    await newcomer.expect("已收到照片")  # the report goes on with the photo
    assert api.calls_to("media/get")[-1]["media_id"] == media_id
    await newcomer.expect("哪类问题")
    await newcomer.say("1")
    await newcomer.expect("在哪里")
    await newcomer.say("3号楼402")
    await newcomer.expect("什么问题")
    await newcomer.say("水龙头漏水")
    more = await newcomer.expect("请发送问题照片")  # the kept photo counts; more may follow
    await newcomer.tap(more, "完成")
    urgency = await newcomer.expect("紧急程度")
    await newcomer.tap(urgency, "一般")
    card = await newcomer.expect("请确认您的报修")
    assert "3号楼402" in shown(card) and "照片：1 张" in shown(card)
    await newcomer.tap(card, "提交")
    await newcomer.expect("已提交")
    ticket = await _photo_ticket(photo)
    assert ticket.reporter.name == "钱七"


async def test_wecom_self_verification_carries_on_with_the_first_message(running, api):
    wecom = running["wecom"]
    roster = await _roster()
    photo = png_bytes(seed=45)
    member = Member(api, wecom, "abdu")
    await member.say(CAPTION)
    await member.expect("请问您的姓名")
    await wecom.send(wecom.image("abdu", api.add_media(photo)))
    await member.expect("已收到")
    await member.say("阿卜杜·热合曼")
    await member.say("139 5555 0007")  # the phone on the roster works as well as the id
    await member.expect("欢迎，阿卜杜·热合曼")
    card = await member.expect("请确认您的报修")
    assert "3号楼402" in shown(card) and "照片：1 张" in shown(card)
    await member.tap(card, "提交")
    await member.expect("已提交")
    ticket = await _photo_ticket(photo)
    assert ticket.reporter.id == roster["student"].id

    staff = Member(api, wecom, "liu")
    await staff.say("/verify W-01 刘师傅")
    await staff.expect("一次性邀请")


async def test_wecom_staff_verify_with_verify_staff_on(tmp_path):
    from tests.fakes.fake_wecom_api import FakeWeComApi
    from tests.fakes.fake_wecom_callbacks import AGENT_ID, CORP_ID, WeComCallbacks

    fake = FakeWeComApi(corp_id=CORP_ID, agent_id=AGENT_ID)
    await fake.start()
    port = free_port()
    app = HouqinApp(wecom_settings(tmp_path, fake, port, verify_staff=True))
    await app.start(schema="generate")
    try:
        roster = await _roster()
        staff = Member(fake, WeComCallbacks(f"http://127.0.0.1:{port}/wecom/callback"), "liu")
        await staff.say("/verify W-01 刘师傅")
        await staff.expect("欢迎，刘师傅")
        ident = await Identity.get(platform="wecom", user_id="liu")
        assert ident.person_id == roster["worker"].id
    finally:
        await app.stop()
        await fake.stop()
