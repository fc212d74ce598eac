"""Telegram groups, supergroups and channels: told once to message the bot privately, never
stored as a person's chat (no identity, no conversation state, no registration); through the
whole app, the real python-telegram-bot client and the fake Bot API."""

from __future__ import annotations

import pytest

from models.conversation import ConversationState
from models.people import Identity, Person
from tests.e2e_support import QUIET_PTB, TgUser, telegram_app
from tests.fakes.bot_api_updates import command_entities, now, user_dict

pytestmark = QUIET_PTB
GROUP, SUPERGROUP, CHANNEL = -4001, -1002003004, -1009008007


def _push(api, chat: dict, text: str, user_id: int | None = 5001, kind: str = "message",
          language: str = "zh-hans") -> dict:
    """Queue a message (or channel post when `user_id` is None) in `chat`."""
    message: dict = {"message_id": api._next_message_id(), "date": now(), "chat": chat,
                     "text": text}
    if user_id is not None:
        message["from"] = user_dict(user_id, "Grp", language)
    if entities := command_entities(text):
        message["entities"] = entities
    return api.push_raw({kind: message})


async def _settled(api, user_id: int) -> None:
    """Wait until a later private message was answered: every earlier update is handled."""
    user = TgUser(api, user_id)
    await user.say("/help")
    await user.expect("/")


@pytest.mark.parametrize(
    ("chat", "kind", "user_id"),
    [
        ({"id": GROUP, "type": "group", "title": "三号楼群"}, "message", 5001),
        ({"id": SUPERGROUP, "type": "supergroup", "title": "后勤大群"}, "message", 5002),
        ({"id": CHANNEL, "type": "channel", "title": "通知频道"}, "channel_post", None),
    ],
    ids=["group", "supergroup", "channel"],
)
async def test_group_chats_are_told_once_and_nothing_is_stored(tmp_path, api, chat, kind,
                                                               user_id):
    async with telegram_app(tmp_path, api, open_reporting=True) as app:
        assert app is not None
        people = await Person.all().count()
        _push(api, chat, "/start", user_id, kind)
        told = await api.wait_for(lambda _c: api.sent_messages(chat_id=chat["id"]), timeout=8)
        assert "私聊" in told[0]["text"] and "@houqin_test_bot" in told[0]["text"]
        _push(api, chat, "/report 3号楼402水龙头漏水", user_id, kind)
        _push(api, chat, "张三", user_id, kind)
        await _settled(api, 7777)
        assert len(api.sent_messages(chat_id=chat["id"])) == 1  # once per chat
        assert not await Identity.filter(user_id__in=[str(user_id), str(chat["id"])]).exists()
        keys = await ConversationState.all().values_list("key", flat=True)
        assert not [k for k in keys if str(chat["id"]) in k or str(user_id) in k]
        assert await Person.all().count() == people


async def test_the_answer_speaks_the_senders_language_and_private_chat_still_works(tmp_path,
                                                                                   api):
    async with telegram_app(tmp_path, api) as _app:
        chat = {"id": SUPERGROUP, "type": "supergroup", "title": "Staff"}
        _push(api, chat, "/report", 5003, language="en")
        told = await api.wait_for(lambda _c: api.sent_messages(chat_id=SUPERGROUP), timeout=8)
        assert "private" in told[0]["text"]
        user = TgUser(api, 5003, language="en")  # the same person in private is served
        await user.say("/start")
        await user.expect("")
        assert len(api.sent_messages(chat_id=SUPERGROUP)) == 1


async def test_a_button_pressed_in_a_group_is_answered_but_not_handled(tmp_path, api):
    async with telegram_app(tmp_path, api) as _app:
        api.push_callback(5004, "lang:en", message_id=77, chat_id=GROUP)
        await api.wait_for(lambda _c: api.calls_to("answerCallbackQuery"), timeout=8)
        await _settled(api, 7778)
        assert len(api.sent_messages(chat_id=GROUP)) == 1  # only "message me privately"
        assert not await Identity.filter(user_id="5004").exists()
        assert not await ConversationState.filter(key__contains="5004").exists()
