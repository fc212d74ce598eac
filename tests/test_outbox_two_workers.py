"""Two delivery workers — two real processes on one PostgreSQL database — drain one outbox at
the same time and every row is sent exactly once (issue 16 item 3): paced WeCom sends that
outlive their lease, a batched broadcast and plain messages, through the real WeCom adapter
against the fake WeCom API; and, through the real Telegram adapter against the fake Bot API in
a process of its own, together they keep Telegram's total and per-chat limits (each paces at
half the total, a chat is sent to by one worker at a time). Needs HOUQIN_TEST_PG_DSN (CI sets
it); skipped without."""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
import textwrap
from collections import Counter
from pathlib import Path

import pytest

from bot.core.i18n import Translator
from bot.core.types import Address, Reply
from bot.delivery.notifier import PRIORITY_BULK, PRIORITY_EMERGENCY, Notifier, Outgoing
from models.outbox import OutboxMessage
from tests.fakes.bot_api_process import FakeBotApiProcess
from tests.support import PG_DSN, database_url
from tests.test_outbox_lease import api as wecom_api  # noqa: F401  (the fake WeCom API)

pytestmark = pytest.mark.skipif(not PG_DSN, reason="needs PostgreSQL (HOUQIN_TEST_PG_DSN)")
ROOT = Path(__file__).resolve().parents[1]
PACED = "zhangsan"  # gets 90 messages: most wait for their slot well past the 2 s lease
CHATS = [f"m{i:02d}" for i in range(40)]  # 5 messages each, and one broadcast to all
BROADCAST = "停水通知"  # identical for every chat: sent with batched calls

WORKER = textwrap.dedent("""
    import asyncio, sys
    from datetime import timedelta
    from pathlib import Path
    from aiohttp import web
    from bot.adapters.wecom.adapter import WeComAdapter
    from bot.config import Settings
    from bot.core.i18n import Translator
    from bot.db import close_db, init_db
    from bot.delivery import outbox
    from bot.delivery.notifier import Notifier
    from models.outbox import OutboxMessage
    from tests.fakes.fake_wecom_callbacks import AES_KEY, AGENT_ID, CORP_ID, TOKEN
    from tests.test_outbox_lease import SPEED, scaled_wecom_limits

    class Counting(WeComAdapter):
        calls = 0

        async def send(self, address, reply):
            Counting.calls += 1
            await super().send(address, reply)

        async def send_batch(self, chat_ids, reply):
            Counting.calls += 1
            await super().send_batch(chat_ids, reply)

    async def main(url, api_url, secret, go):
        outbox.LEASE = timedelta(seconds=60 / SPEED)
        await init_db(url, schema="skip")
        settings = Settings(_env_file=None, wecom_corp_id=CORP_ID, wecom_agent_id=str(AGENT_ID),
                            wecom_secret=secret, wecom_token=TOKEN, wecom_aes_key=AES_KEY,
                            wecom_api_url=api_url)
        adapter = Counting(settings, web.Application(), Translator())
        notifier = Notifier({"wecom": adapter}, Translator(),
                            limits={"wecom": scaled_wecom_limits()})
        print("ready", flush=True)
        while not Path(go).exists():
            await asyncio.sleep(0.01)
        await notifier.start()
        done = Path(go).with_name("all_queued")
        for _ in range(1200):
            await asyncio.sleep(0.05)
            notifier.lane("wecom").wake(9)  # the parent queues from another process: look
            if done.exists() and not await OutboxMessage.filter(
                status__in=outbox.ACTIVE
            ).exists():
                break
        await notifier.stop()
        await adapter.stop()
        await close_db()
        print("calls", Counting.calls, flush=True)

    asyncio.run(main(*sys.argv[1:]))
""")


def _expected() -> Counter[tuple[str, str]]:
    """(member, text) of every message queued."""
    want: Counter[tuple[str, str]] = Counter()
    want.update((PACED, f"提醒 {i:02d}") for i in range(90))
    want.update((chat, f"{chat} 第{j}条") for chat in CHATS for j in range(5))
    want.update((chat, BROADCAST) for chat in CHATS)
    return want


async def test_two_worker_processes_on_one_database_send_every_row_once(
    db, wecom_api, tmp_path  # noqa: F811
):
    api = wecom_api
    notifier = Notifier({}, Translator())  # queues only: no lane in this process
    items = [
        Outgoing(Address("wecom", chat), Reply(text),
                 PRIORITY_EMERGENCY if text == BROADCAST else PRIORITY_BULK)
        for chat, text in _expected()
    ]

    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", WORKER, database_url(tmp_path), api.url, api.secret, str(go),
            cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        for _ in range(2)
    ]
    try:
        for worker in workers:
            assert worker.stdout is not None
            line = await asyncio.wait_for(worker.stdout.readline(), 60)
            assert line.strip() == b"ready", (await worker.communicate())[1].decode()[-2000:]
        go.touch()  # both start draining at the same moment, while the rows keep coming
        for start in range(0, len(items), 20):
            await notifier.store.add_many(items[start : start + 20])
            await asyncio.sleep(0.15)
        assert await OutboxMessage.all().count() == 330
        (tmp_path / "all_queued").touch()
        results = await asyncio.wait_for(
            asyncio.gather(*(w.communicate() for w in workers)), 120)
    finally:
        for worker in workers:
            if worker.returncode is None:
                worker.kill()
    calls = []
    for worker, (out, err) in zip(workers, results, strict=True):
        assert worker.returncode == 0, err.decode()[-2000:]
        calls.append(int(out.split()[-1]))
    assert all(calls), f"both workers must have sent (calls: {calls})"

    got: Counter[tuple[str, str]] = Counter()
    for body in api.sent:
        for member in body["touser"].split("|"):
            got[(member, body["text"]["content"])] += 1
    assert got == _expected()  # every row once: no double, none missing
    assert await OutboxMessage.exclude(status="sent").count() == 0


# --- sharing Telegram's limits ------------------------------------------------------------------

TOTAL = 12.0  # the fake Bot API's total rate (and the workers' setting); 1 message/s per chat
FEW = [str(7000 + i) for i in range(4)]  # 6 messages each: paced by one worker at a time
MANY = [str(8000 + i) for i in range(96)]  # 1 message each: only the total rate paces them

TELEGRAM_WORKER = textwrap.dedent("""
    import asyncio, sys
    from datetime import timedelta
    from pathlib import Path
    from bot.adapters.telegram.adapter import TelegramAdapter
    from bot.config import Settings
    from bot.core.i18n import Translator
    from bot.db import close_db, init_db
    from bot.delivery import outbox
    from bot.delivery.notifier import Notifier
    from bot.delivery.ratelimit import platform_limits
    from models.outbox import OutboxMessage

    class Counting(TelegramAdapter):
        calls = 0

        async def send(self, address, reply):
            Counting.calls += 1
            await super().send(address, reply)

    async def main(url, api_url, file_url, total, go):
        outbox.LEASE = timedelta(seconds=4)  # a heartbeat a second
        await init_db(url, schema="skip")
        settings = Settings(_env_file=None, telegram_token="123:TWO-workers",
                            telegram_api_url=api_url, telegram_file_url=file_url,
                            telegram_rate_total=float(total), telegram_rate_per_chat=1.0,
                            telegram_chat_burst=1)
        adapter = Counting(settings)
        notifier = Notifier({"telegram": adapter}, Translator(), limits=platform_limits(settings))
        print("ready", flush=True)
        while not Path(go).exists():
            await asyncio.sleep(0.01)
        await notifier.start()
        for _ in range(1200):
            await asyncio.sleep(0.05)
            if not await OutboxMessage.filter(status__in=outbox.ACTIVE).exists():
                break
        await notifier.stop()
        await adapter.stop()
        await close_db()
        print("calls", Counting.calls, notifier.workers.live, flush=True)

    asyncio.run(main(*sys.argv[1:]))
""")


def _most_in_a_window(times: list[float], window: float) -> int:
    """The most of `times` within any `window` seconds (the fake's sliding window)."""
    ordered, most, start = sorted(times), 0, 0
    for end, moment in enumerate(ordered):
        while moment - ordered[start] >= window:
            start += 1
        most = max(most, end - start + 1)
    return most


@pytest.mark.filterwarnings("ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")
async def test_two_worker_processes_share_telegrams_total_and_per_chat_limits(db, tmp_path):
    fake = FakeBotApiProcess(per_chat_per_second=1.0, total_per_second=TOTAL)
    await fake.start()
    queued = []  # the few chats' messages spread over the queue: each claim takes some
    for j in range(6):
        queued += [(chat, f"{chat}:{j}") for chat in FEW]
        queued += [(chat, f"{chat}:0") for chat in MANY[16 * j : 16 * (j + 1)]]
    want = Counter(queued)
    await Notifier({}, Translator()).store.add_many([
        Outgoing(Address("telegram", chat), Reply(text), PRIORITY_BULK) for chat, text in queued
    ])
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", TELEGRAM_WORKER, database_url(tmp_path), fake.api_url,
            fake.file_url, str(TOTAL), str(go),
            cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        for _ in range(2)
    ]
    try:
        for worker in workers:
            assert worker.stdout is not None
            line = await asyncio.wait_for(worker.stdout.readline(), 60)
            assert line.strip() == b"ready", (await worker.communicate())[1].decode()[-2000:]
        go.touch()
        results = await asyncio.wait_for(
            asyncio.gather(*(w.communicate() for w in workers)), 120)
        state = await fake.state()
    finally:
        for worker in workers:
            if worker.returncode is None:
                worker.kill()
        await fake.stop()
    for worker, (out, err) in zip(workers, results, strict=True):
        assert worker.returncode == 0, err.decode()[-2000:]
        calls, live = map(int, out.split()[-2:])
        assert calls > 0, "both workers must have sent"
        assert live == 2  # each counted the other
    assert state["violations"] == []  # not one send refused: no 429 of either kind
    stamps = [moment for moment, _ in state["accepted"]]
    assert _most_in_a_window(stamps, 1.0) <= TOTAL
    by_chat: dict[str, list[float]] = {}
    for moment, chat in state["accepted"]:
        by_chat.setdefault(chat, []).append(moment)
    for chat in FEW:
        times = sorted(by_chat[chat])
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert min(gaps) >= 1.0, (chat, gaps)
    got = Counter((str(m["chat_id"]), m["text"]) for m in state["sent"])
    assert got == want  # every row once: no double, none missing
    assert await OutboxMessage.exclude(status="sent").count() == 0
