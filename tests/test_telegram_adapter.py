"""The Telegram adapter through the real python-telegram-bot client against FakeBotApi."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from bot.adapters.telegram.adapter import TelegramAdapter, parse_command, split_text
from bot.config import Settings
from bot.core.types import Address, Button, DeliveryError, Incoming, Reply
from tests.fakes import FakeBotApi

TOKEN = "123456:TEST-token"
SECRET = "s3cret-Token_1"
USER = 4242
ADDRESS = Address("telegram", str(USER))
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
COMMANDS = {
    "zh_CN": [("start", "开始"), ("report", "报修")],
    "en": [("start", "Start"), ("report", "Report a problem")],
}
# PTB 22 itself reads RetryAfter.retry_after in the exception's constructor, which warns.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)


def settings_for(api: FakeBotApi, **overrides: object) -> Settings:
    """Settings pointing PTB at the fake server."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_token=TOKEN,
        telegram_api_url=api.api_url,
        telegram_file_url=api.file_url,
        **overrides,  # type: ignore[arg-type]
    )


async def next_incoming(queue: asyncio.Queue[Incoming], timeout: float = 2.0) -> Incoming:
    """The next Incoming the adapter fed."""
    return await asyncio.wait_for(queue.get(), timeout)


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    """A running fake Bot API."""
    fake = FakeBotApi()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def inbox() -> asyncio.Queue[Incoming]:
    """Where the adapter's feed puts each Incoming."""
    return asyncio.Queue()


@pytest.fixture
async def polling(
    api: FakeBotApi, inbox: asyncio.Queue[Incoming]
) -> AsyncIterator[TelegramAdapter]:
    """A started polling adapter."""
    adapter = TelegramAdapter(settings_for(api), commands=COMMANDS)
    await adapter.start(inbox.put)
    await api.wait_for(lambda calls: any(m == "getUpdates" for m, _ in calls))
    yield adapter
    await adapter.stop()


@pytest.fixture
async def webhook(
    api: FakeBotApi, inbox: asyncio.Queue[Incoming]
) -> AsyncIterator[tuple[TelegramAdapter, str]]:
    """A started webhook adapter mounted on a live aiohttp server; yields (adapter, url)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/telegram/webhook"
    http_app = web.Application()
    settings = settings_for(
        api, telegram_mode="webhook", telegram_webhook_url=url, telegram_webhook_secret=SECRET
    )
    adapter = TelegramAdapter(settings, http_app=http_app)
    runner = web.AppRunner(http_app, shutdown_timeout=1.0)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    await adapter.start(inbox.put)
    yield adapter, url
    await adapter.stop()
    await runner.cleanup()


# --- receiving (polling) -----------------------------------------------------------------------


async def test_start_registers_commands_and_polls(api: FakeBotApi, polling: TelegramAdapter):
    languages = [params.get("language_code") for params in api.calls_to("setMyCommands")]
    assert sorted(languages, key=str) == sorted(["zh", None, "en"], key=str)
    assert [c["command"] for c in api.commands["zh"]] == ["start", "report"]
    assert api.commands["en"][1]["description"] == "Report a problem"
    assert api.commands[""] == api.commands["zh"]
    methods = [method for method, _ in api.calls]
    assert methods[0] == "getMe"
    assert methods.index("deleteWebhook") < methods.index("getUpdates")
    allowed = api.calls_to("getUpdates")[0]["allowed_updates"]
    assert allowed == ["message", "callback_query", "channel_post"]


async def test_polling_text(api: FakeBotApi, polling: TelegramAdapter, inbox):
    update = api.push_text(USER, "灯坏了", first_name="Li Lei")
    incoming = await next_incoming(inbox)
    assert incoming.platform == "telegram"
    assert (incoming.chat_id, incoming.user_id) == (str(USER), str(USER))
    assert incoming.text == "灯坏了" and incoming.command is None and incoming.args == []
    assert incoming.display_name == "Li Lei" and incoming.language == "zh-hans"
    assert incoming.update_id == str(update["update_id"])
    assert incoming.message_id == str(update["message"]["message_id"])


async def test_polling_command_with_args(api: FakeBotApi, polling: TelegramAdapter, inbox):
    api.push_text(USER, "/Report@houqin_test_bot Room 101", chat_id=-1001)  # a group: dropped
    api.push_text(USER, "/Report@houqin_test_bot Room 101")
    incoming = await next_incoming(inbox)
    assert incoming.command == "report" and incoming.args == ["Room", "101"]
    assert incoming.text == "/Report@houqin_test_bot Room 101"
    assert incoming.chat_id == str(USER) and incoming.user_id == str(USER)
    api.push_text(USER, "/start ABC123", language_code="en")
    incoming = await next_incoming(inbox)
    assert (incoming.command, incoming.args, incoming.language) == ("start", ["ABC123"], "en")


async def test_polling_photo_with_caption(api: FakeBotApi, polling: TelegramAdapter, inbox):
    update = api.push_photo(USER, PNG, caption="走廊的灯")
    incoming = await next_incoming(inbox)
    largest = update["message"]["photo"][-1]
    assert len(incoming.photos) == 1 and incoming.documents == []
    photo = incoming.photos[0]
    assert (photo.ref, photo.size, photo.mime, photo.is_image) == (
        largest["file_id"],
        len(PNG),
        "image/jpeg",
        True,
    )
    assert incoming.text == "走廊的灯" and incoming.command is None
    assert await polling.fetch_file(photo.ref) == PNG


async def test_polling_caption_command_and_album(api: FakeBotApi, polling: TelegramAdapter, inbox):
    api.push_photo(USER, [PNG, PNG[::-1]], caption="/report 2")
    first, second = await next_incoming(inbox), await next_incoming(inbox)
    assert (first.command, first.args) == ("report", ["2"])
    assert second.text is None and second.command is None
    assert await polling.fetch_file(second.photos[0].ref) == PNG[::-1]


async def test_polling_image_document(api: FakeBotApi, polling: TelegramAdapter, inbox):
    api.push_document(USER, PNG, "lamp.png", "image/png")
    incoming = await next_incoming(inbox)
    assert incoming.documents == []
    photo = incoming.photos[0]
    assert (photo.is_image, photo.mime, photo.file_name, photo.size) == (
        True,
        "image/png",
        "lamp.png",
        len(PNG),
    )
    assert await polling.fetch_file(photo.ref) == PNG


async def test_polling_other_document(api: FakeBotApi, polling: TelegramAdapter, inbox):
    api.push_document(USER, b"%PDF-1.4 report", "report.pdf", "application/pdf", caption="表格")
    incoming = await next_incoming(inbox)
    assert incoming.photos == [] and incoming.text == "表格"
    document = incoming.documents[0]
    assert (document.is_image, document.mime, document.file_name, document.size) == (
        False,
        "application/pdf",
        "report.pdf",
        15,
    )
    assert await polling.fetch_file(document.ref) == b"%PDF-1.4 report"


async def test_polling_callback_is_answered(api: FakeBotApi, polling: TelegramAdapter, inbox):
    await polling.send(ADDRESS, Reply("选择", buttons=[[Button("一", "pick:1")]]))
    message_id = api.sent_messages(USER)[-1]["message_id"]
    update = api.push_callback(USER, "pick:1", message_id=message_id)
    incoming = await next_incoming(inbox)
    assert incoming.callback == "pick:1" and incoming.text is None
    assert incoming.message_id == str(message_id) and incoming.chat_id == str(USER)
    answers = api.calls_to("answerCallbackQuery")
    assert [a["callback_query_id"] for a in answers] == [update["callback_query"]["id"]]
    assert "text" not in answers[0]


async def test_polling_location(api: FakeBotApi, polling: TelegramAdapter, inbox):
    api.push_location(USER, 31.2304, 121.4737)
    incoming = await next_incoming(inbox)
    assert incoming.location == (31.2304, 121.4737)


async def test_polling_voice_is_a_voice_document(
    api: FakeBotApi, polling: TelegramAdapter, inbox
):
    api.push_voice(USER, b"OggS" + bytes(60))
    incoming = await next_incoming(inbox)
    assert incoming.photos == [] and incoming.voices == incoming.documents
    voice = incoming.voices[0]
    assert (voice.kind, voice.mime, voice.size, voice.is_image) == ("voice", "audio/ogg", 64, False)
    assert await polling.fetch_file(voice.ref) == b"OggS" + bytes(60)


async def test_feed_errors_do_not_stop_the_loop(api: FakeBotApi):
    received: list[str | None] = []

    async def feed(incoming: Incoming) -> None:
        received.append(incoming.text)
        if incoming.text == "boom":
            raise RuntimeError("handler bug")

    adapter = TelegramAdapter(settings_for(api))
    await adapter.start(feed)
    try:
        api.push_text(USER, "boom")
        api.push_text(USER, "still alive")
        await api.wait_for(lambda _: received == ["boom", "still alive"])
    finally:
        await adapter.stop()
        await adapter.stop()  # idempotent


async def test_two_chats_are_handled_at_once_and_each_chat_in_order(api: FakeBotApi):
    """A's first update is slow: B is handled meanwhile, A's next update waits for its first."""
    log: list[str] = []
    release = asyncio.Event()

    async def feed(incoming: Incoming) -> None:
        log.append(f"start {incoming.chat_id}:{incoming.text}")
        if incoming.text == "slow":
            await release.wait()
        log.append(f"end {incoming.chat_id}:{incoming.text}")

    adapter = TelegramAdapter(settings_for(api))
    await adapter.start(feed)
    try:
        api.push_text(USER, "slow")
        api.push_text(USER, "next")
        api.push_text(USER + 1, "other")
        await api.wait_for(lambda _: f"end {USER + 1}:other" in log)
        assert log == [f"start {USER}:slow", f"start {USER + 1}:other", f"end {USER + 1}:other"]
        release.set()
        await api.wait_for(lambda _: f"end {USER}:next" in log)
        assert log[3:] == [f"end {USER}:slow", f"start {USER}:next", f"end {USER}:next"]
        await api.wait_for(lambda _: adapter.chats.active_chats == 0)  # idle chats forgotten
    finally:
        await adapter.stop()


async def test_redelivered_update_keeps_its_id(api: FakeBotApi, polling: TelegramAdapter, inbox):
    update = api.push_text(USER, "hello")
    first = await next_incoming(inbox)
    api.redeliver(update)
    again = await next_incoming(inbox)
    assert first.update_id == again.update_id == str(update["update_id"])


# --- sending -----------------------------------------------------------------------------------


async def test_send_text_with_button_rows(api: FakeBotApi, polling: TelegramAdapter):
    buttons = [[Button("是", "yes"), Button("否", "no")], [Button("取消", "cancel")]]
    await polling.send(ADDRESS, Reply("确认吗？", buttons=buttons))
    (sent,) = api.sent_messages(USER)
    assert sent["method"] == "sendMessage" and sent["text"] == "确认吗？"
    assert sent["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "是", "callback_data": "yes"}, {"text": "否", "callback_data": "no"}],
            [{"text": "取消", "callback_data": "cancel"}],
        ]
    }


async def test_send_before_start_and_plain_text(api: FakeBotApi):
    adapter = TelegramAdapter(settings_for(api))
    try:
        await adapter.send(ADDRESS, Reply("hi"))
    finally:
        await adapter.stop()
    assert api.sent_messages(USER)[0]["reply_markup"] is None
    with pytest.raises(DeliveryError):
        await adapter.send(ADDRESS, Reply("after stop"))


async def test_edit_message(api: FakeBotApi, polling: TelegramAdapter):
    await polling.send(ADDRESS, Reply("第1步", buttons=[[Button("下一步", "next")]]))
    message_id = str(api.sent_messages(USER)[-1]["message_id"])
    await polling.send(ADDRESS, Reply("第2步", edit_message_id=message_id))
    edit = api.calls_to("editMessageText")[-1]
    assert (edit["chat_id"], edit["message_id"], edit["text"]) == (USER, int(message_id), "第2步")
    # Same content again: Telegram says "not modified"; that counts as delivered.
    await polling.send(ADDRESS, Reply("第2步", edit_message_id=message_id))
    assert len(api.calls_to("editMessageText")) == 2
    assert [m["method"] for m in api.sent_messages(USER)] == ["sendMessage", "editMessageText"]


async def test_edit_falls_back_to_new_message(api: FakeBotApi, polling: TelegramAdapter):
    reply = Reply("新消息", buttons=[[Button("好", "ok")]], edit_message_id="999")
    await polling.send(ADDRESS, reply)
    sent = api.sent_messages(USER)
    assert [m["method"] for m in sent] == ["sendMessage"]
    assert sent[0]["text"] == "新消息" and sent[0]["reply_markup"] is not None


async def test_send_image(api: FakeBotApi, polling: TelegramAdapter):
    await polling.send(ADDRESS, Reply("月报", image=PNG, buttons=[[Button("下载", "dl")]]))
    (sent,) = api.sent_messages(USER)
    assert sent["method"] == "sendPhoto" and sent["photo"] == PNG
    assert sent["text"] == "月报"
    assert sent["reply_markup"]["inline_keyboard"][0][0]["text"] == "下载"


async def test_send_image_with_long_text(api: FakeBotApi, polling: TelegramAdapter):
    text = "长" * 1500
    await polling.send(ADDRESS, Reply(text, image=PNG, buttons=[[Button("好", "ok")]]))
    photo, message = api.sent_messages(USER)
    assert photo["method"] == "sendPhoto" and photo["text"] is None and photo["photo"] == PNG
    assert message["text"] == text and message["reply_markup"] is not None


async def test_long_text_is_split(api: FakeBotApi, polling: TelegramAdapter):
    text = "x" * 9000
    await polling.send(ADDRESS, Reply(text, buttons=[[Button("好", "ok")]]))
    sent = api.sent_messages(USER)
    assert [len(m["text"]) for m in sent] == [4096, 4096, 808]
    assert "".join(m["text"] for m in sent) == text
    assert [m["reply_markup"] is not None for m in sent] == [False, False, True]


def test_split_text_prefers_line_breaks():
    lines = [f"第{i}行 " + "字" * 50 for i in range(200)]
    chunks = split_text("\n".join(lines))
    assert len(chunks) == 3 and all(len(c) <= 4096 for c in chunks)
    assert "\n".join(chunks) == "\n".join(lines)
    assert split_text("short") == ["short"]
    assert split_text("😀" * 3000) == ["😀" * 2048, "😀" * 952]  # limits count UTF-16 units


def test_parse_command():
    assert parse_command("/help@houqin_test_bot  a b", "houqin_test_bot") == ("help", ["a", "b"])
    assert parse_command("/help@other_bot", "houqin_test_bot") == (None, [])
    assert parse_command("/", None) == (None, [])
    assert parse_command("hello /x", None) == (None, [])


async def test_rate_limited_send(api: FakeBotApi, polling: TelegramAdapter):
    api.fail_next("sendMessage", error_code=429, retry_after=7)
    with pytest.raises(DeliveryError) as caught:
        await polling.send(ADDRESS, Reply("hi"))
    assert caught.value.retry_after == 7.0 and not caught.value.permanent
    await polling.send(ADDRESS, Reply("hi"))  # the next attempt goes through
    assert len(api.sent_messages(USER)) == 1


@pytest.mark.parametrize(
    ("code", "permanent"), [(403, True), (400, True), (502, False), (500, False)]
)
async def test_error_mapping(api: FakeBotApi, polling: TelegramAdapter, code: int, permanent: bool):
    api.fail_next("sendMessage", error_code=code)
    with pytest.raises(DeliveryError) as caught:
        await polling.send(ADDRESS, Reply("hi"))
    assert caught.value.permanent is permanent and caught.value.retry_after is None


async def test_fake_rate_limit_records_violations(api: FakeBotApi, polling: TelegramAdapter):
    api.rate_limit(per_chat_per_second=1.0, total_per_second=30.0)
    await polling.send(ADDRESS, Reply("one"))
    with pytest.raises(DeliveryError) as caught:
        await polling.send(ADDRESS, Reply("two"))
    assert caught.value.retry_after == 1.0
    assert [v["scope"] for v in api.violations] == ["chat"]
    await polling.send(Address("telegram", "777"), Reply("other chat is fine"))


# --- webhook -----------------------------------------------------------------------------------


async def test_webhook_receives_updates(api: FakeBotApi, webhook, inbox):
    _adapter, url = webhook
    (hook,) = api.calls_to("setWebhook")
    assert (hook["url"], hook["secret_token"]) == (url, SECRET)
    assert hook["allowed_updates"] == ["message", "callback_query", "channel_post"]
    assert api.calls_to("getUpdates") == []
    update = api.push_text(USER, "/start XYZ")
    incoming = await next_incoming(inbox)
    assert (incoming.command, incoming.args) == ("start", ["XYZ"])
    assert incoming.update_id == str(update["update_id"])
    await api.wait_for(lambda _: api.webhook_deliveries)
    assert api.webhook_deliveries[0]["status"] == 200


async def test_webhook_callback_is_answered(api: FakeBotApi, webhook, inbox):
    api.push_callback(USER, "menu", message_id=1)
    assert (await next_incoming(inbox)).callback == "menu"
    await api.wait_for(lambda calls: any(m == "answerCallbackQuery" for m, _ in calls))


async def test_webhook_rejects_bad_secret_and_bad_bodies(api: FakeBotApi, webhook, inbox):
    _adapter, url = webhook
    good = {
        "update_id": 77,
        "message": {
            "message_id": 5,
            "date": 1700000000,
            "chat": {"id": USER, "type": "private", "first_name": "T"},
            "from": {"id": USER, "is_bot": False, "first_name": "T"},
            "text": "forged",
        },
    }
    async with aiohttp.ClientSession() as session:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            async with session.post(url, json=good, headers=headers) as response:
                assert response.status == 403
        secret = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        for body in (b"not json", b"[1, 2]", b'{"foo": 1}', b'{"update_id": 78, "message": {}}'):
            async with session.post(url, data=body, headers=secret) as response:
                assert response.status == 400
    api.push_text(USER, "real")
    incoming = await next_incoming(inbox)
    assert incoming.text == "real"
    assert inbox.empty()


def test_webhook_mode_needs_secret_and_app():
    base = {"telegram_token": TOKEN, "telegram_mode": "webhook", "_env_file": None}
    with pytest.raises(ValueError, match="secret"):
        TelegramAdapter(
            Settings(**base, telegram_webhook_url="https://x/telegram/webhook"),  # type: ignore[arg-type]
            http_app=web.Application(),
        )
    with pytest.raises(ValueError, match="aiohttp"):
        TelegramAdapter(Settings(**base, telegram_webhook_secret=SECRET))  # type: ignore[arg-type]
