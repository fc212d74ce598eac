"""Nothing lost on a locked database (issue 16 item 4): another real process holds SQLite's
write lock longer than the busy timeout. A Telegram /help is answered once the lock is gone (the
update is retried with back-off) or, when it stays, answered "busy, try again" — never silence;
WeCom gets a 503 while the update cannot be recorded, and its retry is handled exactly once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest
from tortoise import Tortoise
from tortoise.exceptions import DBConnectionError, IntegrityError, OperationalError

from bot.adapters.web.session_cookie import COOKIE_NAME
from bot.app import HouqinApp
from bot.core.retry import db_unavailable
from bot.db import close_db, init_db, sqlite_url
from models.conversation import ProcessedUpdate
from tests.db_lock_support import locked, release
from tests.e2e_support import QUIET_PTB, TgUser, signed_in, tg_settings
from tests.fakes.fake_wecom_callbacks import WeComCallbacks
from tests.support import make_settings, seed_small_campus
from tests.test_e2e_wecom import api as wecom_api  # noqa: F401  (the fake WeCom API fixture)
from tests.test_e2e_wecom import free_port, shown, wecom_settings

BUSY_TIMEOUT_MS = 400
HELP = "我可以帮您"
BUSY = "系统正忙"
SECRET = "webhook-Secret_9"

def sqlite_file(tmp_path: Path) -> tuple[str, Path]:
    """This test's SQLite database (always SQLite: the lock is SQLite's), URL and file."""
    path = tmp_path / "locked.sqlite3"
    return f"sqlite://{path}", path


@pytest.fixture
async def telegram(tmp_path, api):
    """The app on Telegram (polling the fake Bot API) with a short busy timeout; user 4242 is
    the student."""
    url, path = sqlite_file(tmp_path)
    app = HouqinApp(tg_settings(tmp_path, api, database_url=url,
                                sqlite_busy_timeout_ms=BUSY_TIMEOUT_MS))
    await app.start(serve_http=False, schema="generate")
    user = await signed_in(app, api, (await seed_small_campus())["student"], 4242)
    await user.expect(HELP)  # binding ends with what the bot can do
    yield user, path
    await app.stop()


async def test_sqlite_runs_in_wal_with_the_configured_busy_timeout(tmp_path):
    url, _ = sqlite_file(tmp_path)
    assert sqlite_url("sqlite:///x.db?busy_timeout=100").count("busy_timeout=100") == 1
    assert sqlite_url("postgres://u:p@h/db") == "postgres://u:p@h/db"
    await init_db(url, schema="generate", busy_timeout_ms=7000)
    try:
        conn = Tortoise.get_connection("default")
        assert (await conn.execute_query_dict("PRAGMA journal_mode"))[0]["journal_mode"] == "wal"
        assert (await conn.execute_query_dict("PRAGMA busy_timeout"))[0]["timeout"] == 7000
    finally:
        await close_db()


@QUIET_PTB
async def test_help_on_a_database_locked_past_the_busy_timeout_is_answered_after_it(telegram):
    user, path = telegram
    async with locked(path) as holder:
        update = await user.say("/help")
        await asyncio.sleep(4 * BUSY_TIMEOUT_MS / 1000)  # several attempts time out meanwhile
        assert not user.api.sent_messages(chat_id=user.user_id)[user.seen:]
        offsets = [int(c.get("offset") or 0) for c in user.api.calls_to("getUpdates")]
        assert max(offsets) <= update["update_id"]  # not confirmed: Telegram still holds it
        await release(holder)
        await user.expect(HELP)
    assert not [m for m in user.api.sent_messages(chat_id=user.user_id) if BUSY in m["text"]]


@QUIET_PTB
async def test_help_on_a_database_that_stays_locked_gets_a_localized_try_again(telegram):
    user, path = telegram
    async with locked(path):
        await user.say("/help")
        busy = await user.expect(BUSY)  # sent by the adapter itself: the outbox is locked too
        assert "再发一次" in busy["text"]
    await user.say("/help")  # the database is back: the person's second try is answered
    await user.expect(HELP)


async def test_wecom_gets_503_while_the_update_cannot_be_recorded_and_its_retry_runs_once(
    tmp_path, wecom_api  # noqa: F811
):
    url, path = sqlite_file(tmp_path)
    port = free_port()
    app = HouqinApp(wecom_settings(tmp_path, wecom_api, port, database_url=url,
                                   sqlite_busy_timeout_ms=BUSY_TIMEOUT_MS))
    await app.start(schema="generate")
    try:
        people = await seed_small_campus()
        await app.services.people.bind(people["student"], "wecom", "zhangsan", "zhangsan")
        wecom = WeComCallbacks(f"http://127.0.0.1:{port}/wecom/callback")
        request = wecom.envelope(wecom.text("zhangsan", "/help"))
        async with locked(path):
            refused = await wecom.post(*request)
            assert refused.status == 503
        assert await ProcessedUpdate.filter(platform="wecom").count() == 0
        retried = await wecom.post(*request)  # WeCom repeats the very same request
        assert retried.status == 200
        await wecom_api.wait_for(
            lambda: any(HELP in shown(m) for m in wecom_api.messages_to("zhangsan")))
        again = await wecom.post(*request)
        assert again.status == 200
        await asyncio.sleep(0.5)
        answers = [m for m in wecom_api.messages_to("zhangsan") if HELP in shown(m)]
        assert len(answers) == 1
        assert await ProcessedUpdate.filter(platform="wecom").count() == 1
    finally:
        await app.stop()


@QUIET_PTB
async def test_telegram_webhook_answers_503_until_the_update_is_recorded_then_handles_it_once(
    tmp_path, api
):
    url, path = sqlite_file(tmp_path)
    port = free_port()
    app = HouqinApp(tg_settings(
        tmp_path, api, database_url=url, sqlite_busy_timeout_ms=BUSY_TIMEOUT_MS,
        telegram_mode="webhook", http_port=port, telegram_webhook_secret=SECRET,
        telegram_webhook_url=f"http://127.0.0.1:{port}/telegram/webhook"))
    await app.start(schema="generate")
    try:
        people = await seed_small_campus()
        await app.services.people.bind(people["student"], "telegram", "77", "77")
        update = TgUser(api, 77).say  # the fake Bot API posts each update to the webhook once
        hook = f"http://127.0.0.1:{port}/telegram/webhook"
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with locked(path):
            sent = await update("/help")
            async with aiohttp.ClientSession() as http, http.post(
                hook, json=sent, headers=headers
            ) as resp:
                assert resp.status == 503  # Telegram keeps it and sends it again
            assert await ProcessedUpdate.filter(platform="telegram").count() == 0
        async with aiohttp.ClientSession() as http:
            for _ in range(2):  # Telegram's retry, and one more for good measure
                async with http.post(hook, json=sent, headers=headers) as resp:
                    assert resp.status == 200
        await api.wait_for(lambda _c: [m for m in api.sent_messages(77) if HELP in m["text"]])
        await asyncio.sleep(0.5)
        assert sum(HELP in (m.get("text") or "") for m in api.sent_messages(77)) == 1
    finally:
        await app.stop()


async def test_web_chat_answers_503_until_the_message_is_recorded_then_handles_it_once(tmp_path):
    url, path = sqlite_file(tmp_path)
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    app = HouqinApp(make_settings(
        tmp_path, database_url=url, sqlite_busy_timeout_ms=BUSY_TIMEOUT_MS, webchat=True,
        http_port=port, public_url=origin))
    await app.start(schema="generate")
    try:
        student = (await seed_small_campus())["student"]
        token = await app.services.web_sessions.start(
            student, method="password", ip=None, user_agent=None)
        cookies = {COOKIE_NAME: token}
        async with aiohttp.ClientSession(cookies=cookies) as http:
            message = {"text": "/help", "client_id": "c-help-1"}
            send = f"{origin}/api/web/send"
            async with locked(path):
                refused = await http.post(send, json=message, headers={"Origin": origin})
                assert refused.status == 503  # the page sends it again (same client_id)
            for _ in range(2):
                taken = await http.post(send, json=message, headers={"Origin": origin})
                assert taken.status == 202
            for _ in range(50):
                polled = await (await http.get(f"{origin}/api/web/messages",
                                               params={"after": "0", "wait": "0"})).json()
                answers = [m for m in polled["messages"] if HELP in (m.get("text") or "")]
                if answers:
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(0.5)
            polled = await (await http.get(f"{origin}/api/web/messages",
                                           params={"after": "0", "wait": "0"})).json()
        assert len([m for m in polled["messages"] if HELP in (m.get("text") or "")]) == 1
        assert len([m for m in polled["messages"] if m["from"] == "user"]) == 1
        assert await ProcessedUpdate.filter(platform="web").count() == 1
    finally:
        await app.stop()


def test_only_outages_count_as_a_busy_database():
    assert db_unavailable(OperationalError("database is locked"))
    assert db_unavailable(DBConnectionError("connection refused"))
    assert db_unavailable(ConnectionRefusedError())
    assert not db_unavailable(IntegrityError("UNIQUE constraint failed"))  # an answer, not down
    assert not db_unavailable(ValueError("a handler bug"))
