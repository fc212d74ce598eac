"""What the Telegram end-to-end tests share: app settings pointed at the fake Bot API, the app
running in polling mode, and a Telegram user who types and taps against the fake server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.app import HouqinApp
from models.people import Person
from tests.fakes import FakeBotApi
from tests.support import make_settings

TOKEN = "123456:TEST-token"
# python-telegram-bot 22 warns about its own retry_after type on every flood-control answer.
QUIET_PTB = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)


class TgUser:
    """One Telegram user typing and tapping against the fake server."""

    def __init__(self, api: FakeBotApi, user_id: int, language: str = "zh-hans"):
        self.api, self.user_id, self.language = api, user_id, language
        self.seen = 0

    def _mine(self) -> list[dict]:
        return self.api.sent_messages(chat_id=self.user_id)

    async def expect(self, needle: str) -> dict:
        """Wait for a new bot message to this user containing `needle`."""
        def found(_calls):
            for msg in self._mine()[self.seen:]:
                if needle in (msg.get("text") or ""):
                    return msg
            return None
        msg = await self.api.wait_for(found, timeout=20)  # a hang guard: loaded CI is slow
        self.seen = self._mine().index(msg) + 1
        return msg

    async def say(self, text: str) -> dict:
        """Send a text message."""
        return self.api.push_text(self.user_id, text, language_code=self.language)

    async def photo(self, images: list[bytes], caption: str | None = None):
        """Send one photo or an album."""
        return self.api.push_photo(self.user_id, images, caption=caption,
                                   language_code=self.language)

    async def press(self, label: str) -> dict:
        """Tap the newest button whose label contains `label`."""
        for msg in reversed(self._mine()):
            markup = msg.get("reply_markup") or {}
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    if label in button["text"]:
                        return self.api.push_callback(
                            self.user_id, button["callback_data"], msg["message_id"],
                            language_code=self.language,
                        )
        raise AssertionError(f"no button {label!r}; sent: {self._mine()[-3:]}")


def tg_settings(tmp_path: Path, api: FakeBotApi, **extra):
    """App settings pointing python-telegram-bot at the fake server."""
    return make_settings(tmp_path, telegram_token=TOKEN, telegram_api_url=api.api_url,
                         telegram_file_url=api.file_url, **extra)


@asynccontextmanager
async def telegram_app(tmp_path: Path, api: FakeBotApi, **extra) -> AsyncIterator[HouqinApp]:
    """The app in polling mode against the fake server (settings `extra` as tg_settings);
    stopped on the way out, whatever happened."""
    app = HouqinApp(tg_settings(tmp_path, api, **extra))
    await app.start(serve_http=False, schema="generate")
    try:
        yield app
    finally:
        await app.stop()


async def signed_in(app: HouqinApp, api: FakeBotApi, person: Person, user_id: int) -> TgUser:
    """A Telegram user who bound themselves to `person` with an invite code (/start CODE)."""
    code = await app.services.people.create_invite(person)
    user = TgUser(api, user_id)
    await user.say(f"/start {code}")
    await user.expect("账号已绑定")
    return user


async def bound(app: HouqinApp, api: FakeBotApi, person: Person, user_id: int,
                language: str = "zh-hans") -> TgUser:
    """A Telegram user the directory already binds to `person` (no /start needed)."""
    await app.services.people.bind(person, "telegram", str(user_id), str(user_id))
    return TgUser(api, user_id, language=language)
