"""Two delivery workers — two real processes on one PostgreSQL database — drain one outbox at
the same time and every row is sent exactly once (issue 16 item 3): paced WeCom sends that
outlive their lease, a batched broadcast and plain messages, through the real WeCom adapter
against the fake WeCom API. Needs HOUQIN_TEST_PG_DSN (CI sets it); skipped without."""

from __future__ import annotations

import asyncio
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
