"""No log record carries a phone number, student id, password, code or token, even at DEBUG:
representative flows run with every logger open and each record (message, args, traceback) is
searched for the secret values."""

from __future__ import annotations

import io
import logging

import aiohttp
import pytest
from aiohttp import web
from tortoise.exceptions import IntegrityError

from bot.adapters.wecom.api import WeComApi, WeComApiError
from bot.app import HouqinApp
from bot.core.errors import ServiceError
from bot.core.qr_links import SCAN_PATH, encode_param
from bot.core.redact import QUIET_LOGGERS, mask, scrub, scrub_handlers, without_query
from models.conversation import ProcessedUpdate
from tests.e2e_support import QUIET_PTB, TOKEN, TgUser, telegram_app
from tests.fakes.fake_wecom_api import FakeWeComApi
from tests.fakes.fake_wecom_callbacks import AGENT_ID, CORP_ID, WeComCallbacks
from tests.support import seed_small_campus
from tests.test_e2e_wecom import Member, free_port, wecom_settings

PHONE = "13912345678"
STUDENT_ID = "20245678"
PASSWORD = "correct-Horse-77"


def leaked(records: list[logging.LogRecord], secrets: list[str]) -> list[str]:
    """The records (formatted) in which any of the secrets appears."""
    found = []
    for record in records:
        text = f"{record.getMessage()} {record.args!r} {record.exc_text or ''}"
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        if any(secret in text for secret in secrets if secret):
            found.append(f"{record.name}: {text[:300]}")
    return found


def test_mask_keeps_only_a_short_tail():
    assert PHONE not in mask(PHONE) and mask(PHONE).startswith("…78")
    assert mask("abc") == "<3 chars>" and mask(None) == "<0 chars>"


async def test_chat_flows_log_no_secrets_at_debug(harness, caplog):
    caplog.set_level(logging.DEBUG)
    h = harness
    people = h.app.services.people
    await h.send("nb", f"/verify {STUDENT_ID} 李四")  # a wrong id
    await h.send("nb", f"/verify {STUDENT_ID} 李四")
    worker = await people.create("刘师傅", ["worker"])
    code = await people.create_invite(worker)
    assert "刘师傅" in (await h.send("tg-9", f"/start {code}"))[0].text  # invite redeemed
    h.languages["stranger"], h.names["stranger"] = "en", "Zhou"
    await h.send("stranger", "3号楼402 水龙头漏水")
    await h.press("stranger", "I'm Zhou")
    replies = await h.send("stranger", f"+86 {PHONE[:3]} {PHONE[3:7]} {PHONE[7:]}")
    assert "registered" in replies[0].text  # registration with a phone
    await h.send("stranger", f"/report 3号楼402 请回电 {PHONE}")
    sign_in, sessions = h.app.services.web_sign_in, h.app.services.web_sessions
    await sign_in.set_password(worker, PASSWORD)
    link = await sign_in.create_link(worker)
    await sign_in.redeem_link(link)
    token = await sessions.start(worker, method="password", ip="127.0.0.1", user_agent="t")
    assert (await sessions.resolve(token)).id == worker.id
    with pytest.raises(ServiceError):
        await sign_in.login(f"+86{PHONE}", "wrong-password-1", "127.0.0.1")
    assert not leaked(caplog.records, [PHONE, STUDENT_ID, PASSWORD, code, link, token])


@QUIET_PTB
async def test_telegram_flow_logs_no_message_text_code_or_bot_token(tmp_path, api, caplog):
    caplog.set_level(logging.DEBUG)
    async with telegram_app(tmp_path, api) as app:
        people = await seed_small_campus()
        code = await app.services.people.create_invite(people["student"])
        user = TgUser(api, 4242)
        await user.say(f"/start {code}")
        await user.expect("账号已绑定")
        await user.say(f"/verify {STUDENT_ID} 张三")
        await user.expect("")
        await user.say(f"请回电 {PHONE}")
        await user.expect("")
    assert not leaked(caplog.records, [PHONE, STUDENT_ID, code, TOKEN, TOKEN.split(":")[1]])


@pytest.fixture
async def wecom_api():
    """A running fake WeCom API."""
    fake = FakeWeComApi(corp_id=CORP_ID, agent_id=AGENT_ID)
    await fake.start()
    yield fake
    await fake.stop()


async def test_wecom_flow_logs_no_message_text_code_or_access_token(tmp_path, wecom_api, caplog):
    caplog.set_level(logging.DEBUG)
    port = free_port()
    app = HouqinApp(wecom_settings(tmp_path, wecom_api, port))
    await app.start(schema="generate")
    try:
        people = await seed_small_campus()
        code = await app.services.people.create_invite(people["student"])
        wecom = WeComCallbacks(f"http://127.0.0.1:{port}/wecom/callback")
        member = Member(wecom_api, wecom, "newbie")
        await member.say(f"/start {code}")
        await member.expect("账号已绑定")
        await member.say(f"/report 3号楼402 水龙头漏水 请回电 {PHONE}")
        await member.expect("")
        oauth = "oauth-SECRET-77"
        wecom_api.oauth_codes[oauth] = "newbie"
        landing = f"http://127.0.0.1:{port}{SCAN_PATH}"
        async with aiohttp.ClientSession() as http:
            state = encode_param("place", "3-402")
            async with http.get(landing, params={"code": oauth, "state": state}) as resp:
                assert resp.status == 200
        await member.expect("3号楼402")
        stored = await ProcessedUpdate.filter(platform="wecom").values_list("update_id", flat=True)
        assert stored and not any(oauth in update_id for update_id in stored)
    finally:
        await app.stop()
    tokens = [t for t in getattr(wecom_api, "_tokens", ())]
    assert tokens  # the adapter fetched an access token
    assert not leaked(caplog.records, [PHONE, code, oauth, wecom_api.secret, *tokens])


def test_every_quiet_logger_is_held_above_debug():
    assert all(level > logging.DEBUG for level in QUIET_LOGGERS.values())


async def test_the_search_finds_what_an_open_sql_logger_would_print(harness, caplog):
    """Why the ORM logger is held back: at DEBUG it prints every query's parameters."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="tortoise")
    await harness.app.services.people.create("王五", ["reporter"], phone=f"+86{PHONE}")
    assert leaked(caplog.records, [PHONE])


def test_scrub_masks_values_quoted_by_database_errors():
    detail = f'duplicate key\nDETAIL:  Key (external_id)=({STUDENT_ID}) already exists.'
    assert STUDENT_ID not in scrub(detail) and "Key (external_id)=(" in scrub(detail)
    assert scrub("nothing to hide") == "nothing to hide"


async def test_a_unique_violation_traceback_is_logged_without_the_value(harness):
    """A real IntegrityError (on PostgreSQL its text quotes the value) and a driver message
    that quotes one, logged with log.exception through a handler set up like run_app's."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("tests.privacy")
    logger.addHandler(handler)
    scrub_handlers(logger)
    people = harness.app.services.people
    await people.create("甲", ["reporter"], external_id=STUDENT_ID)
    try:
        with pytest.raises(IntegrityError):
            try:
                await people.create("乙", ["reporter"], external_id=STUDENT_ID)
            except IntegrityError:
                logger.exception("handler failed for test:1")
                raise
        try:
            raise RuntimeError(f"DETAIL:  Key (phone)=(+86{PHONE}) already exists.")
        except RuntimeError:
            logger.exception("handler failed for test:2")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert "handler failed for test:1" in output and "Traceback" in output
    assert "Key (phone)=(" in output
    assert STUDENT_ID not in output and PHONE not in output


async def test_wecom_transport_errors_do_not_carry_the_secret_or_token(unused_tcp_port):
    """An answer that redirects forever: aiohttp's error names the URL, query and all; the
    WeComApiError the outbox logs keeps the path but not corpsecret or access_token."""
    async def loop(request: web.Request) -> web.Response:
        raise web.HTTPFound(str(request.url))

    server = web.Application()
    server.router.add_get("/cgi-bin/{tail:.*}", loop)
    runner = web.AppRunner(server)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
    client = WeComApi("corp-1", "corp-SECRET-99", f"http://127.0.0.1:{unused_tcp_port}/cgi-bin/")
    try:
        with pytest.raises(WeComApiError) as err:
            await client.token()
    finally:
        await client.close()
        await runner.cleanup()
    text = str(err.value)
    traceback = "".join(logging.Formatter().formatException(
        (type(err.value), err.value, err.value.__traceback__)))
    assert "corp-SECRET-99" not in traceback  # what log.error(..., exc_info=exc) prints
    assert "TooManyRedirects" in text and "gettoken" in text
    assert "corp-SECRET-99" not in text and "corpsecret" not in text
    assert without_query("GET http://h/p?access_token=abc&x=1 failed") == "GET http://h/p?… failed"
