"""A claimed outbox row is sent once, even when it waits for its chat's slot longer than its
lease (issue 16 item 3): the real outbox, limiter and WeCom adapter against the fake WeCom API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp import web

from bot.adapters.wecom.adapter import WeComAdapter
from bot.config import Settings
from bot.core.i18n import Translator
from bot.core.types import Address, Reply
from bot.delivery import outbox
from bot.delivery.notifier import PRIORITY_BULK, Notifier, Outgoing
from bot.delivery.ratelimit import PlatformLimits, platform_limits
from models.outbox import OutboxMessage
from tests.fakes.fake_wecom_api import FakeWeComApi
from tests.fakes.fake_wecom_callbacks import AGENT_ID, CORP_ID
from tests.test_wecom_adapter import settings_for

# Time runs SPEED times faster than in production: the per-chat rate is SPEED times higher and
# the lease SPEED times shorter, so a chunk outlives its lease exactly as it does with WeCom's
# defaults (0.25 messages a second, a burst of 15, a 60 s lease), in seconds instead of minutes.
SPEED = 30
MEMBER = "zhangsan"


@pytest.fixture
async def api() -> AsyncIterator[FakeWeComApi]:
    """A running fake WeCom API."""
    fake = FakeWeComApi(corp_id=CORP_ID, agent_id=AGENT_ID)
    await fake.start()
    yield fake
    await fake.stop()


def scaled_wecom_limits() -> PlatformLimits:
    """WeCom's default limits with time sped up SPEED times."""
    default = platform_limits(Settings(_env_file=None))["wecom"]  # type: ignore[call-arg]
    return PlatformLimits(
        default.total_per_second * SPEED, default.per_chat_per_second * SPEED, default.chat_burst
    )


async def test_fifty_messages_paced_past_their_lease_are_sent_exactly_fifty_times(
    db, api, monkeypatch
):
    monkeypatch.setattr(outbox, "LEASE", timedelta(seconds=60 / SPEED))
    adapter = WeComAdapter(settings_for(api), web.Application(), Translator())
    notifier = Notifier({"wecom": adapter}, Translator(), limits={"wecom": scaled_wecom_limits()})
    await notifier.start()
    try:
        texts = [f"提醒 {i:02d}" for i in range(50)]
        queued = await notifier.enqueue(
            Outgoing(Address("wecom", MEMBER), Reply(text), PRIORITY_BULK) for text in texts
        )
        assert queued == 50
        # 15 at once, then one per 1/(7.5 * 0.95) s: the last ~35 wait well past the 2 s lease;
        # the periodic job runs meanwhile too, as the scheduler does
        for _ in range(4):
            await asyncio.sleep(1.5)
            await notifier.deliver_due()
        await api.wait_for(lambda: len(api.messages_to(MEMBER)) >= 50, timeout=20)
        await asyncio.sleep(2 * outbox.LEASE.total_seconds())  # any late double shows
        await notifier.deliver_due()
        sent = [m["text"]["content"] for m in api.messages_to(MEMBER)]
        assert len(sent) == 50, f"{len(sent)} sends for 50 messages"
        assert sent == texts  # once each, in order
        statuses = await OutboxMessage.all().values_list("status", flat=True)
        assert statuses == ["sent"] * 50
    finally:
        await notifier.stop()
        await adapter.stop()
