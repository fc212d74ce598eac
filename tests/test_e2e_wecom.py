"""End to end on WeCom: the whole app on 127.0.0.1, callbacks encrypted with wechatpy's real
WeCom crypto, replies through the fake WeCom API."""

from __future__ import annotations

import asyncio
import socket
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app import HouqinApp
from bot.db import database_now
from models.alerts import AlertRecipient
from models.conversation import ProcessedUpdate
from models.dispatch import Job
from models.outbox import OutboxMessage
from models.people import Identity, Person
from models.places import Place
from models.repairs import Attachment, Ticket
from tests.dispatch_support import all_day_sla
from tests.fakes.fake_wecom_api import FakeWeComApi
from tests.fakes.fake_wecom_callbacks import AES_KEY, AGENT_ID, CORP_ID, TOKEN, WeComCallbacks
from tests.support import make_settings, png_bytes, seed_small_campus


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def shown(message: dict[str, Any]) -> str:
    """What a member sees of a message: text, markdown, card title and subtitle."""
    kind = message["msgtype"]
    part = message[kind]
    if kind == "template_card":
        return f"{part['main_title']['title']}\n{part.get('sub_title_text', '')}"
    if kind == "textcard":
        return f"{part['title']}\n{part['description']}"
    return str(part.get("content") or "")


class Member:
    """One WeCom member typing and tapping."""

    def __init__(self, api: FakeWeComApi, wecom: WeComCallbacks, user: str):
        self.api, self.wecom, self.user = api, wecom, user
        self.seen = 0

    async def expect(self, needle: str) -> dict[str, Any]:
        """Wait for a new message to this member containing `needle`."""
        def found() -> dict[str, Any] | None:
            mine = self.api.messages_to(self.user)
            for index, msg in enumerate(mine[self.seen:], self.seen):
                if needle in shown(msg):
                    self.seen = index + 1
                    return msg
            return None
        return await self.api.wait_for(found, timeout=15)

    async def say(self, text: str):
        """Send a text message."""
        posted = await self.wecom.send(self.wecom.text(self.user, text))
        assert posted.status == 200, posted.answer
        return posted

    async def tap(self, card_message: dict[str, Any], label: str):
        """Tap a button of a template card this member received."""
        posted = await self.wecom.send(
            self.wecom.card_tap(self.user, card_message["template_card"], label))
        assert posted.status == 200, posted.answer
        return posted


def wecom_settings(tmp_path: Path, api: FakeWeComApi, port: int, **extra: Any):
    """App settings with WeCom on, pointed at the fake API; work hours all day, since these
    tests run on the real clock."""
    extra.setdefault("sla_file", all_day_sla(tmp_path))
    return make_settings(
        tmp_path, http_port=port, wecom_corp_id=CORP_ID, wecom_agent_id=str(AGENT_ID),
        wecom_secret=api.secret, wecom_token=TOKEN, wecom_aes_key=AES_KEY,
        wecom_api_url=api.url, **extra,
    )


@pytest.fixture
async def api():
    """A running fake WeCom API."""
    fake = FakeWeComApi(corp_id=CORP_ID, agent_id=AGENT_ID)
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def running(tmp_path, api):
    """The app serving /wecom/callback; member "zhangsan" is imported as the student."""
    port = free_port()
    app = HouqinApp(wecom_settings(tmp_path, api, port))
    await app.start(schema="generate")
    people = await seed_small_campus()
    await app.services.people.bind(people["student"], "wecom", "zhangsan", "zhangsan")
    wecom = WeComCallbacks(f"http://127.0.0.1:{port}/wecom/callback")
    yield {"app": app, "wecom": wecom, "people": people}
    await app.stop()


async def test_full_report_with_photo_and_card_taps(running, api):
    wecom = running["wecom"]
    member = Member(api, wecom, "zhangsan")
    photo = png_bytes(seed=7)
    media_id = api.add_media(photo)

    await member.say("/report")
    categories = await member.expect("哪类问题")
    assert categories["msgtype"] == "text"  # eight buttons do not fit a card: numbered text
    assert "请回复数字进行选择" in shown(categories) and "1. 💧 水管/卫浴" in shown(categories)
    await member.say("1")
    place = await member.expect("在哪里")
    assert place["msgtype"] == "template_card"
    await member.say("3号楼402")
    await member.expect("什么问题")
    await member.say("水龙头一直滴水")
    await member.expect("请发送问题照片")
    posted = await wecom.send(wecom.image("zhangsan", media_id))
    assert posted.status == 200
    more = await member.expect("共 1 张")
    assert api.calls_to("media/get")[-1]["media_id"] == media_id

    tapped = await member.tap(more, "完成")
    update = wecom.decrypt_answer(tapped)  # the passive reply greys out the tapped card
    assert update["MsgType"] == "update_button" and "完成" in update["Button"]["ReplaceName"]
    urgency = await member.expect("紧急程度")
    await member.tap(urgency, "一般")
    card = await member.expect("请确认您的报修")
    assert "3号楼402" in shown(card) and "照片：1 张" in shown(card)
    await member.tap(card, "提交")
    await member.expect("已提交")

    ticket = await Ticket.get()
    assert ticket.category == "plumbing" and ticket.urgency == "normal"
    stored = await Attachment.filter(ticket_id=ticket.id)
    assert [Path(a.path).read_bytes() for a in stored] == [photo]
    assert not api.violations


async def test_signature_failures_are_refused_and_nothing_is_processed(running, api):
    wecom = running["wecom"]
    params, body = wecom.envelope(wecom.text("zhangsan", "/help"))
    forged = await wecom.post({**params, "msg_signature": "f" * 40}, body)
    assert forged.status == 403
    tampered = await wecom.post(params, body.replace("<Encrypt><![CDATA[", "<Encrypt><![CDATA[A"))
    assert tampered.status == 403
    unsigned = await wecom.post({"timestamp": params["timestamp"], "nonce": "x"}, body)
    assert unsigned.status == 400
    other_key = WeComCallbacks(wecom.url, aes_key="B" * 42 + "A")
    params2, body2 = other_key.envelope(other_key.text("zhangsan", "/help"))
    assert (await other_key.post(params2, body2)).status == 403

    status, echo = await wecom.verify_url("echo-1234")
    assert (status, echo) == (200, "echo-1234")
    assert (await wecom.verify_url("echo-1234", forge=True))[0] == 403

    await running["app"].notifier.deliver_due()
    assert api.messages_to("zhangsan") == []
    assert await ProcessedUpdate.filter(platform="wecom").count() == 0


async def test_replays_and_stale_timestamps_are_dropped(running, api):
    wecom = running["wecom"]
    member = Member(api, wecom, "zhangsan")
    xml = wecom.text("zhangsan", "/help")
    params, body = wecom.envelope(xml)
    first = await wecom.post(params, body)
    await member.expect("我可以帮您")
    again = await wecom.post(params, body)  # the same request, byte for byte
    assert (first.status, again.status, again.answer) == (200, 200, "")
    resent = await wecom.send(xml)  # the same MsgId under a fresh nonce and timestamp
    assert resent.status == 200
    stale = await wecom.send(wecom.text("zhangsan", "/help"), timestamp=1_600_000_000)
    assert stale.status == 403
    await member.say("/cancel")
    await member.expect("没有可以取消的操作")
    helps = [m for m in api.messages_to("zhangsan") if "我可以帮您" in shown(m)]
    assert len(helps) == 1


async def test_slow_handling_does_not_delay_the_http_answer(running, api):
    member = Member(api, running["wecom"], "zhangsan")
    gate = api.hold("message/send")  # every reply now hangs until the gate opens
    posted = await member.say("/help")
    assert posted.status == 200 and posted.seconds < 1.0
    await api.wait_for(lambda: api.calls_to("message/send"))  # the handler is now stuck…
    assert not api.sent  # …while the POST has long been answered
    gate.set()
    await member.expect("我可以帮您")


async def test_binding_by_import_external_id_and_invite_text(running, api):
    app, wecom, people = running["app"], running["wecom"], running["people"]
    worker = people["worker"]
    worker.external_id = "wangshifu"
    await worker.save(update_fields=["external_id"])
    await Member(api, wecom, "wangshifu").say("/my")
    await Member(api, wecom, "wangshifu").expect("您还没有报修记录")
    assert (await Identity.get(platform="wecom", user_id="wangshifu")).person_id == worker.id

    code = await app.services.people.create_invite(people["manager"])
    boss = Member(api, wecom, "chen")
    await boss.say(f"绑定 {code}")
    await boss.expect("账号已绑定")
    assert (await Identity.get(platform="wecom", user_id="chen")).person_id == people["manager"].id

    stranger = Member(api, wecom, "visitor9")
    await stranger.say("3号楼402 灯不亮")
    await stranger.expect("请问您的姓名")


async def test_greeting_menu_click_voice_and_stale_card(running, api):
    wecom = running["wecom"]
    member = Member(api, wecom, "zhangsan")
    await wecom.send(wecom.event("zhangsan", "enter_agent"))
    await member.expect("您好，张三")
    await wecom.send(wecom.event("zhangsan", "enter_agent"))  # re-entering: no second greeting
    await wecom.send(wecom.event("zhangsan", "click", "cmd:my"))
    await member.expect("报修")
    assert sum("您好，张三" in shown(m) for m in api.messages_to("zhangsan")) == 1

    voice = wecom.voice("zhangsan", api.add_media(b"#!AMR\n"), recognition="3号楼403 灯不亮了")
    await wecom.send(voice)
    card = await member.expect("请确认您的报修")
    assert "3号楼403" in shown(card)
    await member.tap(card, "取消")
    await member.expect("已取消")
    await member.tap(card, "提交")  # the flow is over: the old card is stale
    await member.expect("已经失效")
    assert await Ticket.all().count() == 0


async def test_location_picks_the_place_and_a_voice_note_is_kept(running, api):
    wecom = running["wecom"]
    member = Member(api, wecom, "zhangsan")
    await Place.filter(code="3-402").update(latitude=31.0300, longitude=121.4400)
    await wecom.send(wecom.location("zhangsan", 31.03004, 121.44002, "3号楼"))
    await member.expect("已根据您发送的位置选定地点：3号楼402")
    await member.expect("哪类问题")
    await member.say("1")
    await member.expect("什么问题")
    await member.say("水龙头一直滴水")
    await member.expect("请发送问题照片")
    recording = b"#!AMR\n" + bytes(range(64))
    media_id = api.add_media(recording)
    await wecom.send(wecom.voice("zhangsan", media_id))  # no Recognition: keep the recording
    await member.expect("已收到语音（共 1 条）")
    assert api.calls_to("media/get")[-1]["media_id"] == media_id
    photos = await member.expect("请发送问题照片")
    await member.tap(photos, "跳过")
    await member.tap(await member.expect("紧急程度"), "一般")
    card = await member.expect("请确认您的报修")
    assert "3号楼402" in shown(card) and "语音：1 条" in shown(card)
    await member.tap(card, "提交")
    await member.expect("已提交")
    ticket = await Ticket.get()
    voice = await Attachment.get(ticket_id=ticket.id)
    assert (voice.kind, voice.mime, Path(voice.path).read_bytes()) == (
        "voice", "audio/amr", recording)
    assert not any("不是照片" in shown(m) for m in api.messages_to("zhangsan"))
    assert not api.violations


async def failed_row(chat_id: str, errcode: str) -> OutboxMessage:
    """Wait for the outbox row whose send failed with `errcode`."""
    for _ in range(400):
        row = await OutboxMessage.filter(chat_id=chat_id, last_error__contains=errcode).first()
        if row is not None:
            return row
        await asyncio.sleep(0.02)
    raise AssertionError(f"no outbox row failed with {errcode}")


async def test_rate_limit_errcode_defers_the_message_in_the_outbox(running, api):
    member = Member(api, running["wecom"], "zhangsan")
    api.fail("message/send", 45009)  # "api freq out of limit"
    before = await database_now()  # outbox rows are timed by the database's clock
    await member.say("/help")
    row = await failed_row("zhangsan", "45009")
    assert row.status == "pending"
    assert row.next_attempt_at >= before + timedelta(seconds=55)  # WeCom's limit is honoured
    assert not api.sent


async def test_busy_errcode_is_retried_by_the_outbox(running, api):
    member = Member(api, running["wecom"], "zhangsan")
    api.fail("message/send", -1)  # "system busy": the ordinary back-off, then sent
    await member.say("/cancel")
    row = await failed_row("zhangsan", "-1")
    assert row.status == "pending" and not api.sent
    await OutboxMessage.filter(id=row.id).update(  # due now by the database's clock
        next_attempt_at=await database_now() - timedelta(seconds=1))
    await running["app"].notifier.deliver_due()
    await member.expect("没有可以取消的操作")


@pytest.fixture
async def alert_to_2500(tmp_path, api):
    """2500 members bound on WeCom, and a water-cut alert raised over the HTTP API to all of
    them; yields the app, its port, the member ids and the message/send calls that carried it."""
    port = free_port()
    app = HouqinApp(wecom_settings(tmp_path, api, port, alerts_api_token="bms-token"))
    await app.start(schema="generate")
    await Person.bulk_create(
        [Person(name=f"学生{i}", roles=["reporter"], external_id=f"s{i:04d}")
         for i in range(2500)])
    rows = await Person.filter(external_id__startswith="s").values_list("id", "external_id")
    await Identity.bulk_create(
        [Identity(person_id=pid, platform="wecom", user_id=uid, chat_id=uid)
         for pid, uid in rows])
    async with aiohttp.ClientSession() as http, http.post(
        f"http://127.0.0.1:{port}/api/alerts",
        json={"template": "water", "audience": "everyone", "details": "3号楼今晚停水"},
        headers={"Authorization": "Bearer bms-token"},
    ) as resp:
        assert resp.status == 201, await resp.text()
        assert (await resp.json())["recipients"] == 2500

    def alert_calls() -> list[dict[str, Any]] | None:
        calls = [m for m in api.sent if "3号楼今晚停水" in shown(m)]
        reached = sum(len(m["touser"].split("|")) for m in calls)
        return calls if reached >= 2500 else None

    calls = await api.wait_for(alert_calls, timeout=30)
    yield {"app": app, "port": port, "members": [uid for _, uid in rows], "calls": calls}
    await app.stop()


async def test_emergency_alert_reaches_2500_members_who_ack_by_card(alert_to_2500, api):
    calls, port = alert_to_2500["calls"], alert_to_2500["port"]
    members = [u for m in calls for u in m["touser"].split("|")]
    assert sorted(members) == sorted(alert_to_2500["members"])  # each exactly once
    assert all(len(m["touser"].split("|")) <= 1000 for m in calls)
    assert calls[0]["msgtype"] == "template_card"  # with its "received" button

    wecom = WeComCallbacks(f"http://127.0.0.1:{port}/wecom/callback")
    member = Member(api, wecom, "s0042")
    member.seen = len(api.messages_to("s0042"))
    card = next(m for m in calls if "s0042" in m["touser"].split("|"))
    await member.tap(card, "收到")
    await member.expect("已确认收到")
    acked = await AlertRecipient.filter(person__external_id="s0042").first()
    assert acked is not None and acked.status != "pending"
    assert not api.violations


async def test_emergency_alert_reaches_2500_members_in_three_calls(alert_to_2500):
    calls = alert_to_2500["calls"]
    assert len(calls) == 3, [len(m["touser"].split("|")) for m in calls]


async def test_worker_accepts_a_dispatch_through_a_template_card(running, api):
    app, wecom, people = running["app"], running["wecom"], running["people"]
    await app.services.people.bind(people["worker"], "wecom", "wang", "wang")
    worker = Member(api, wecom, "wang")
    await worker.say("/duty on")
    await worker.expect("已上岗")
    student = Member(api, wecom, "zhangsan")
    await student.say("/report")
    await student.expect("哪类问题")
    await student.say("1")  # plumbing, the worker's skill
    await student.say("3号楼402")
    await student.say("水龙头一直滴水")
    photos = await student.expect("请发送问题照片")
    await student.tap(photos, "跳过")
    urgency = await student.expect("紧急程度")
    await student.tap(urgency, "一般")
    card = await student.expect("请确认您的报修")
    await student.tap(card, "提交")
    await student.expect("已提交")

    def offer() -> dict[str, Any] | None:
        for message in api.messages_to("wang"):
            buttons = (message.get("template_card") or {}).get("button_list") or []
            if any(b["key"].startswith("jb:a:") for b in buttons):
                return message
        return None

    offered = await api.wait_for(offer)
    accept = next(b["text"] for b in offered["template_card"]["button_list"]
                  if b["key"].startswith("jb:a:"))
    worker.seen = len(api.messages_to("wang"))
    await worker.tap(offered, accept)
    await worker.expect("接单成功")
    await student.expect("已接下您的报修")
    ticket = await Ticket.get()
    assert ticket.status == "accepted"
    job = await Job.get(ticket_id=ticket.id)
    assert (job.worker_id, job.status) == (people["worker"].id, "accepted")
    assert not api.violations


async def test_links_and_stickers_are_answered_and_the_flow_goes_on(running, api):
    wecom = running["wecom"]
    member = Member(api, wecom, "zhangsan")
    link = wecom._xml("zhangsan", "link", {"Title": "看这个", "Description": "d",
                                           "Url": "https://example.com/x", "PicUrl": ""})
    assert (await wecom.send(link)).status == 200
    await member.expect("贴纸、名片、链接")
    await member.say("/report")
    await member.expect("哪类问题")
    await wecom.send(wecom._xml("zhangsan", "emotion", {"MediaId": "m1"}))
    await member.expect("贴纸、名片、链接")
    await member.expect("哪类问题")  # the step is asked again: nothing of the draft is lost


async def test_a_numbered_choice_survives_a_notification_in_between(running, api):
    from bot.core.types import Address, Reply

    wecom, app = running["wecom"], running["app"]
    member = Member(api, wecom, "zhangsan")
    await member.say("/report")
    categories = await member.expect("哪类问题")
    assert categories["msgtype"] == "text" and "1. 💧 水管/卫浴" in shown(categories)
    # a notification without buttons arrives before the member answers
    notice = Reply(text="停水通知：明天 9 点")
    await app.adapters["wecom"].send(Address("wecom", "zhangsan"), notice)
    await member.expect("停水通知")
    await member.say("1")  # still the category list's first choice
    await member.expect("在哪里")
    draft = await app.dispatcher.states.load("wecom:zhangsan")
    assert draft.data.get("category") == "plumbing"


async def test_ticket_photos_reach_the_worker_and_the_reporter_as_image_messages(running, api):
    app, wecom, people = running["app"], running["wecom"], running["people"]
    await app.services.people.bind(people["worker"], "wecom", "wang", "wang")
    worker = Member(api, wecom, "wang")
    await worker.say("/duty on")
    await worker.expect("已上岗")
    student = Member(api, wecom, "zhangsan")
    images = [png_bytes(seed=s) for s in (21, 22)]
    await student.say("/report")
    await student.expect("哪类问题")
    await student.say("1")
    await student.say("3号楼402")
    await student.say("水龙头一直滴水")
    await student.expect("请发送问题照片")
    for image in images:
        assert (await wecom.send(wecom.image("zhangsan", api.add_media(image)))).status == 200
    more = await student.expect("共 2 张")
    await student.tap(more, "完成")
    await student.tap(await student.expect("紧急程度"), "一般")
    await student.tap(await student.expect("请确认您的报修"), "提交")
    submitted = await student.expect("已提交")
    ticket = await Ticket.get()
    stored = [Path(a.path).read_bytes()
              for a in await Attachment.filter(ticket_id=ticket.id).order_by("id")]
    assert sorted(stored) == sorted(images)

    def pictures(user: str) -> list[bytes]:
        uploaded = dict(api.uploads)
        return [uploaded[m["image"]["media_id"]] for m in api.messages_to(user)
                if m["msgtype"] == "image"]

    # the dispatch: each photo as an image message, the caption, then the offer card
    await worker.expect(f"📷 {ticket.number} (1–2/2)")
    assert pictures("wang") == stored

    # the reporter opens the ticket and asks for its photos: shown, not counted
    await student.tap(submitted, "查看")
    detail = shown(await student.expect("照片：2 张"))  # a long text: numbered choices
    number = next(line.split(".")[0] for line in detail.splitlines()
                  if "查看照片和视频（2）" in line)
    await student.say(number)
    await student.expect(f"📷 {ticket.number}（1–2/2）")
    assert pictures("zhangsan") == stored
    assert not api.violations
