"""End to end: the whole app, the real python-telegram-bot client, a fake Bot API on 127.0.0.1."""

from __future__ import annotations

import socket
from pathlib import Path

import aiohttp
import pytest

from bot.app import HouqinApp
from models.repairs import Attachment, Ticket
from tests.dispatch_support import all_day_sla
from tests.e2e_support import QUIET_PTB, TgUser, bound, signed_in, telegram_app, tg_settings
from tests.support import png_bytes, seed_small_campus

SECRET = "webhook-Secret_9"
pytestmark = QUIET_PTB


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
async def running(tmp_path, api):
    """The app in polling mode with a small campus; user 4242 is bound to the student."""
    app = HouqinApp(tg_settings(tmp_path, api))
    await app.start(serve_http=False, schema="generate")
    people = await seed_small_campus()
    user = await signed_in(app, api, people["student"], 4242)
    state = {"app": app}
    yield state, user
    await state["app"].stop()


async def test_commands_menu_set_at_start(running, api):
    assert {"", "zh", "en"} <= set(api.commands)
    assert any(c["command"] == "report" for c in api.commands["en"])


async def test_guided_report_with_two_photos(running, api):
    _, user = running
    images = [png_bytes(seed=1), png_bytes(seed=2)]
    await user.say("/report")
    await user.expect("哪类问题")
    await user.press("水管")
    await user.expect("在哪里")
    await user.say("3号楼402")
    await user.expect("什么问题")
    await user.say("水龙头一直滴水")
    await user.expect("照片")
    await user.photo(images)  # an album: two messages with one media_group_id
    await user.expect("共 2 张")
    await user.press("完成")
    await user.expect("紧急程度")
    await user.press("一般")
    await user.expect("请确认")
    await user.press("提交")
    done = await user.expect("已提交")
    assert done["method"] == "editMessageText"
    assert api.calls_to("answerCallbackQuery")
    ticket = await Ticket.get()
    stored = await Attachment.filter(ticket_id=ticket.id).order_by("id")
    assert sorted(Path(a.path).read_bytes() for a in stored) == sorted(images)


async def test_one_captioned_photo(running, api):
    _, user = running
    await user.photo([png_bytes(seed=3)], caption="3号楼403 灯不亮了")
    card = await user.expect("请确认")
    assert "3号楼403" in card["text"] and "照片：1 张" in card["text"]
    await user.press("提交")
    await user.expect("已提交")
    ticket = await Ticket.get()
    assert ticket.category == "electrical"
    assert await Attachment.filter(ticket_id=ticket.id).count() == 1


async def test_restart_mid_flow_and_redelivered_update(running, api, tmp_path):
    state, user = running
    await user.say("/report")
    await user.expect("哪类问题")
    await user.press("电路")
    await user.expect("在哪里")
    await state["app"].stop()
    state["app"] = HouqinApp(tg_settings(tmp_path, api))
    await state["app"].start(serve_http=False, schema="generate")
    await user.say("3-502 走廊灯闪")
    await user.expect("照片")
    await user.press("跳过")
    await user.expect("紧急程度")
    await user.press("紧急")
    await user.expect("请确认")
    submit = await user.press("提交")
    await user.expect("已提交")
    api.redeliver(submit)
    await user.say("/my")
    await user.expect("您的报修")
    assert await Ticket.all().count() == 1
    assert (await Ticket.get()).urgency == "urgent"


async def test_webhook_secret_checked(tmp_path, api):
    port = free_port()
    settings = tg_settings(
        tmp_path, api, telegram_mode="webhook", http_port=port,
        telegram_webhook_url=f"http://127.0.0.1:{port}/telegram/webhook",
        telegram_webhook_secret=SECRET,
    )
    app = HouqinApp(settings)
    await app.start(schema="generate")
    try:
        people = await seed_small_campus()
        await app.services.people.bind(people["student"], "telegram", "77", "77")
        assert api.webhook["secret_token"] == SECRET
        user = TgUser(api, 77)
        update = await user.say("3号楼402 马桶堵了")
        await user.expect("请确认")
        url = f"http://127.0.0.1:{port}/telegram/webhook"
        forged = dict(update, update_id=update["update_id"] + 1000)
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
                async with http.post(url, json=forged, headers=headers) as resp:
                    assert resp.status == 403
        assert sum("请确认" in (m.get("text") or "") for m in api.sent_messages(77)) == 1
    finally:
        await app.stop()


async def test_stickers_and_contacts_are_answered_mid_flow_and_outside(running, api):
    _, user = running
    sticker = {"file_id": "stk1", "file_unique_id": "u1", "type": "regular", "width": 512,
               "height": 512, "is_animated": False, "is_video": False}
    api._push_message(4242, None, "Test", "zh-hans", {"sticker": sticker})
    await user.expect("贴纸、名片、链接")
    await user.say("/report")
    await user.expect("哪类问题")
    api._push_message(4242, None, "Test", "zh-hans",
                      {"contact": {"phone_number": "+8613800000000", "first_name": "王"}})
    await user.expect("贴纸、名片、链接")
    await user.expect("哪类问题")  # asked again: the draft is kept


def _albums(api, chat_id: int) -> list[list[dict]]:
    """The media groups sent to a chat, each as its messages in order."""
    found: list[list[dict]] = []
    for message in api.sent_messages(chat_id=chat_id):
        if message["method"] != "sendMediaGroup":
            continue
        if not found or len(found[-1]) == len(message["params"]["media"]):
            found.append([])
        found[-1].append(message)
    return found


async def test_ticket_photos_arrive_as_one_album_for_the_worker_and_the_reporter(tmp_path, api):
    async with telegram_app(tmp_path, api, sla_file=all_day_sla(tmp_path)) as app:
        people = await seed_small_campus()
        student = await signed_in(app, api, people["student"], 4242)
        worker = await bound(app, api, people["worker"], 5151)
        await worker.say("/duty on")
        await worker.expect("已上岗")
        images = [png_bytes(seed=s) for s in (11, 12, 13)]
        await student.photo(images, caption="3号楼402 水龙头漏水")
        await student.expect("照片：3 张")  # the confirm card counts the whole album
        await student.press("提交")
        await student.expect("已提交")
        ticket = await Ticket.get()
        stored = [Path(a.path).read_bytes()
                  for a in await Attachment.filter(ticket_id=ticket.id).order_by("id")]

        # the dispatch: one album of the three photos, then the card with Accept / Decline
        await worker.expect("接单")
        albums = _albums(api, 5151)
        assert len(albums) == 1 and [m["photo"] for m in albums[0]] == stored
        assert albums[0][0]["text"] == f"📷 {ticket.number} (1–3/3)"
        assert not any(m["method"] == "sendPhoto" for m in api.sent_messages(chat_id=5151))

        # the reporter's "show photos" on the ticket detail: the same album
        await student.press("查看")
        await student.expect("照片：3 张")
        await student.press("查看照片和视频（3）")
        await api.wait_for(lambda _calls: _albums(api, 4242))
        albums = _albums(api, 4242)
        assert len(albums) == 1 and [m["photo"] for m in albums[0]] == stored
        assert albums[0][0]["text"] == f"📷 {ticket.number}（1–3/3）"
        assert [m["text"] for m in albums[0][1:]] == [None, None]  # one caption per album
