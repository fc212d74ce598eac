"""In-process fakes of external services (the Telegram Bot API, ...) for tests."""

from tests.fakes.fake_bot_api import FakeBotApi

__all__ = ["FakeBotApi"]
