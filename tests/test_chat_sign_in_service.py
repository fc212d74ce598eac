"""Sign in with one's chat (6-digit codes), WeCom members and Telegram Login Widget data,
at the service level: real SQLite, a real Notifier delivering to recording adapters."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.errors import NotFound, PermissionDenied, ServiceError
from bot.core.i18n import Translator
from bot.db import close_db, init_db
from bot.delivery.notifier import Notifier
from bot.services.people import (
    ChatSignInService,
    ExternalSignInService,
    PeopleService,
    check_telegram_login,
)
from bot.services.people.chat_sign_in import telegram_login_hash
from models.web_auth import AttemptCounter, ChatSignInCode
from tests.support import RecordingAdapter, database_url

TOKEN = "123456:TEST-bot-token"


class Clock:
    """A settable clock for the services."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def world(tmp_path):
    """A database with Ann (Telegram + WeCom + web), Bob (web only) and a notifier."""
    await init_db(database_url(tmp_path), "generate")
    people = PeopleService()
    ann = await people.create("Ann", ["reporter"], phone="13800138000", locale="en")
    ann.external_id = "S2024001"
    await ann.save()
    await people.bind(ann, "telegram", "4242", "4242")
    await people.bind(ann, "wecom", "ann.w", "ann.w")
    await people.bind(ann, "web", f"p{ann.id}", f"p{ann.id}")
    bob = await people.create("Bob", ["reporter"], phone="13900139000")
    await people.bind(bob, "web", f"p{bob.id}", f"p{bob.id}")
    adapters = {name: RecordingAdapter(platform=name) for name in ("telegram", "wecom", "web")}
    notifier = Notifier(adapters, Translator("zh_CN"))
    await notifier.start()
    yield {"ann": ann, "bob": bob, "notifier": notifier, "adapters": adapters}
    await notifier.stop()
    await close_db()


async def _delivered(adapters, platform: str, count: int) -> list[str]:
    for _ in range(200):
        if len(adapters[platform].sent) >= count:
            break
        await asyncio.sleep(0.01)
    return [reply.text for _, reply in adapters[platform].sent]


def _code(text: str) -> str:
    found = re.search(r"\b(\d{6})\b", text)
    assert found, text
    return found.group(1)


async def test_code_goes_to_the_bound_chats_and_signs_in_once(world):
    chat, adapters = ChatSignInService(world["notifier"]), world["adapters"]
    assert await chat.request_code("13800138000", "10.0.0.1") is None
    telegram = await _delivered(adapters, "telegram", 1)
    wecom = await _delivered(adapters, "wecom", 1)
    assert adapters["web"].sent == []  # the web chat is who asks, never where the code goes
    assert "Your Houqin web sign-in code is" in telegram[0] and "10 minutes" in telegram[0]
    assert "ignore" in telegram[0]
    code = _code(telegram[0])
    assert _code(wecom[0]) == code
    row = await ChatSignInCode.get(person_id=world["ann"].id)
    assert code not in row.code_hash and len(row.code_hash) == 64
    person = await chat.verify_code("13800138000", code, "10.0.0.1")
    assert person.id == world["ann"].id
    with pytest.raises(ServiceError) as err:
        await chat.verify_code("13800138000", code, "10.0.0.1")
    assert err.value.key == "websignin.code_wrong"


async def test_code_by_student_id_and_zh_message_for_a_zh_person(world):
    chat, adapters = ChatSignInService(world["notifier"]), world["adapters"]
    ann = world["ann"]
    ann.locale = "zh_CN"
    await ann.save()
    await chat.request_code("S2024001", None)
    text = (await _delivered(adapters, "telegram", 1))[0]
    assert "后勤网页登录验证码" in text and "10 分钟" in text
    assert (await chat.verify_code("S2024001", f" {_code(text)} ", None)).id == ann.id


async def test_unknown_and_chatless_accounts_get_the_same_answer_and_nothing_is_sent(world):
    chat, adapters = ChatSignInService(world["notifier"]), world["adapters"]
    for login in ("13700137000", "nobody", "13900139000"):  # unknown, unknown, Bob (web only)
        assert await chat.request_code(login, "10.0.0.2") is None
    await asyncio.sleep(0.1)
    assert all(not a.sent for a in adapters.values())
    assert await ChatSignInCode.all().count() == 0
    with pytest.raises(ServiceError) as err:
        await chat.verify_code("nobody", "123456", "10.0.0.2")
    assert err.value.key == "websignin.code_wrong"
    with pytest.raises(ServiceError) as err:
        await chat.request_code("   ", "10.0.0.2")
    assert err.value.key == "websignin.login_missing"


async def test_code_expires_after_ten_minutes_and_a_new_code_replaces_the_old(world):
    clock = Clock()
    chat, adapters = ChatSignInService(world["notifier"], clock), world["adapters"]
    await chat.request_code("13800138000", None)
    first = _code((await _delivered(adapters, "telegram", 1))[0])
    await chat.request_code("13800138000", None)
    second = _code((await _delivered(adapters, "telegram", 2))[1])
    if first != second:
        with pytest.raises(ServiceError):
            await chat.verify_code("13800138000", first, None)
    clock.now += timedelta(minutes=10, seconds=1)
    with pytest.raises(ServiceError) as err:
        await chat.verify_code("13800138000", second, None)
    assert err.value.key == "websignin.code_wrong"


async def test_five_code_requests_per_account_per_hour_known_or_not(world):
    clock = Clock()
    chat = ChatSignInService(world["notifier"], clock)
    for login in ("13800138000", "nobody"):
        for n in range(5):
            await chat.request_code(login, f"10.1.0.{n}")
        with pytest.raises(PermissionDenied) as err:
            await chat.request_code(login, "10.1.0.99")
        assert err.value.key == "websignin.too_many_requests"
    assert len(await _delivered(world["adapters"], "telegram", 5)) == 5
    clock.now += timedelta(hours=1, seconds=1)
    await chat.request_code("13800138000", "10.1.0.1")  # a new hour


async def test_wrong_codes_lock_the_account_across_addresses_and_the_address_across_accounts(
        world):
    chat = ChatSignInService(world["notifier"])
    await chat.request_code("13800138000", None)
    code = _code((await _delivered(world["adapters"], "telegram", 1))[0])
    wrong = "000000" if code != "000000" else "111111"
    for n in range(5):
        with pytest.raises(ServiceError) as err:
            await chat.verify_code("13800138000", wrong, f"10.2.0.{n}")
        assert err.value.key == "websignin.code_wrong"
    with pytest.raises(PermissionDenied) as err:  # even the right code, from a fresh address
        await chat.verify_code("13800138000", code, "10.2.0.50")
    assert err.value.key == "websignin.too_many"
    for n in range(5):  # one address guessing many accounts
        with pytest.raises(ServiceError):
            await chat.verify_code(f"S{n}", "123456", "10.3.0.1")
    with pytest.raises(PermissionDenied):
        await chat.verify_code("S9", "123456", "10.3.0.1")


async def test_forty_parallel_wrong_codes_record_at_most_five(world):
    chat = ChatSignInService(world["notifier"])
    await chat.request_code("13800138000", None)
    code = _code((await _delivered(world["adapters"], "telegram", 1))[0])
    wrong = "000000" if code != "000000" else "111111"
    results = await asyncio.gather(*(
        chat.verify_code("13800138000", wrong, f"10.4.{n}.1") for n in range(40)
    ), return_exceptions=True)
    keys = [r.key for r in results]
    assert keys.count("websignin.code_wrong") <= 5
    assert keys.count("websignin.too_many") >= 35
    counter = await AttemptCounter.get(scope="chat_code_try", key=f"p{world['ann'].id}")
    assert counter.count == 5


def _widget(user_id: int = 4242, auth_date: datetime | None = None, token: str = TOKEN,
            **extra: str) -> dict[str, str]:
    data = {"id": str(user_id), "first_name": "Ann", "username": "ann_k",
            "auth_date": str(int((auth_date or datetime.now(UTC)).timestamp())), **extra}
    data["hash"] = telegram_login_hash(data, token)
    return data


def test_telegram_check_string_is_the_sorted_lines_without_hash():
    data = {"username": "u", "id": "7", "auth_date": "100", "hash": "x", "first_name": "A"}
    from bot.services.people.chat_sign_in import telegram_check_string

    assert telegram_check_string(data) == "auth_date=100\nfirst_name=A\nid=7\nusername=u"


def test_telegram_hash_matches_independent_implementations():
    # published examples of two other libraries (LipsarHQ/go-telegram-login-widget, the
    # telegram-login crate): our algorithm must give their hashes, not just agree with itself
    klim = {"id": "1", "first_name": "Klim", "last_name": "Sidorov", "username": "klimsidorov",
            "photo_url": "https://t.me/klimsidorov", "auth_date": "976255200"}
    assert telegram_login_hash(klim, "XXXXXXXX:XXXXXXXXXXXXXXXXXXXXXXXX") == (
        "b7a7fc776729077786e4190aec2c5dcecd2ec66ae0faf1b44316d541b955da95")
    guy = {"id": "666666666", "username": "my_username", "first_name": "Some",
           "last_name": "Guy", "photo_url": "https://t.me/i/userpic/320/my_username.jpg",
           "auth_date": "1543194375"}
    assert telegram_login_hash(guy, "777777777:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa") == (
        "a9cf12636fb07b54b4c95673d017a72364472c41a760b6850bcd5405da769f80")


def test_telegram_data_is_checked_for_hash_age_and_shape():
    now, day = datetime.now(UTC), timedelta(days=1)
    assert check_telegram_login(_widget(), TOKEN, now, day) == 4242
    forged = {**_widget(), "id": "4243"}  # the signature covers the id
    bad_token = _widget(token="other:token")
    for data in (forged, bad_token, {**_widget(), "hash": "0" * 64}, {"id": "4242"},
                 {**_widget(), "evil": "1"}, _widget(first_name="x" * 600)):
        with pytest.raises(ServiceError) as err:
            check_telegram_login(data, TOKEN, now, day)
        assert err.value.key == "websignin.telegram_bad"
    for moment in (now - day - timedelta(seconds=5), now + timedelta(hours=1)):
        with pytest.raises(ServiceError) as err:
            check_telegram_login(_widget(auth_date=moment), TOKEN, now, day)
        assert err.value.key == "websignin.telegram_expired"
    with pytest.raises(ServiceError):
        check_telegram_login(_widget(), "", now, day)  # no bot token: nothing verifies


async def test_telegram_login_finds_the_bound_person_once(world):
    clock = Clock()
    external = ExternalSignInService(TOKEN, timedelta(days=1), clock)
    data = _widget()
    assert (await external.telegram_login(data)).id == world["ann"].id
    with pytest.raises(ServiceError) as err:  # the same signed URL replayed
        await external.telegram_login(data)
    assert err.value.key == "websignin.telegram_used"
    with pytest.raises(NotFound) as err:
        await external.telegram_login(_widget(user_id=999))
    assert err.value.key == "websignin.telegram_unknown"
    clock.now += timedelta(days=2)
    with pytest.raises(ServiceError) as err:
        await external.telegram_login(_widget(auth_date=clock.now - timedelta(days=1, hours=1)))
    assert err.value.key == "websignin.telegram_expired"


async def test_wecom_member_is_the_bound_active_person(world):
    external = ExternalSignInService(None)
    assert (await external.wecom_member("ann.w")).id == world["ann"].id
    for user_id in ("stranger", "", None, "x" * 100):
        with pytest.raises(NotFound) as err:
            await external.wecom_member(user_id)
        assert err.value.key == "websignin.wecom_unknown"
    ann = world["ann"]
    ann.active = False
    await ann.save()
    with pytest.raises(NotFound):
        await external.wecom_member("ann.w")
