"""The web chat's language endpoint and the locale every poll reports (issue 18 item 1):
the adapter saves through the injected `set_locale` only, for the session's person only."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from bot.core.errors import ServiceError
from bot.core.types import Address, Reply
from tests.test_webchat_adapter import PEOPLE, Harness, make_chat, translator  # noqa: F401 (fixtures)

LocaleCalls = list[tuple[int, str]]


async def _chat(make: Callable[..., Awaitable[Harness]],
                fail: bool = False) -> tuple[Harness, LocaleCalls]:
    calls: LocaleCalls = []

    async def set_locale(person_id: int, locale: str) -> None:
        if fail:
            raise ServiceError("lang.unknown", choices="zh_CN, en")
        calls.append((person_id, locale))

    return await make(set_locale=set_locale), calls


async def test_toggle_saves_the_sessions_person_only(make_chat) -> None:  # noqa: F811
    chat, calls = await _chat(make_chat)
    someone_else = next(p for p in PEOPLE if p["user_id"] != "p12")
    resp = await chat.client.post("/api/web/me/locale", json={
        "user_id": "p12", "locale": "zh_CN", "person_id": someone_else["person_id"]})
    assert resp.status == 200 and await resp.json() == {"locale": "zh_CN"}
    assert calls == [(12, "zh_CN")]


async def test_bad_requests_save_nothing(make_chat) -> None:  # noqa: F811
    chat, calls = await _chat(make_chat)
    anonymous = await chat.client.post("/api/web/me/locale", json={"locale": "en"})
    assert anonymous.status == 401
    for body in ({"locale": "fr"}, {"locale": 5}, {}):
        resp = await chat.client.post("/api/web/me/locale", json={"user_id": "p12", **body})
        assert resp.status == 400, body
        assert (await resp.json())["error"] == "bad_locale"
    foreign = await chat.client.post("/api/web/me/locale", json={"user_id": "p12", "locale": "en"},
                                     headers={"Origin": "https://evil.example"})
    assert foreign.status == 403
    assert calls == []


async def test_refusal_of_the_service_is_a_localized_400(make_chat) -> None:  # noqa: F811
    chat, _ = await _chat(make_chat, fail=True)
    resp = await chat.client.post("/api/web/me/locale", json={"user_id": "p12", "locale": "en"})
    assert resp.status == 400
    assert (await resp.json())["error"] == "lang.unknown"


async def test_without_set_locale_the_page_toggle_stays_local(make_chat) -> None:  # noqa: F811
    chat = await make_chat()
    resp = await chat.client.post("/api/web/me/locale", json={"user_id": "p12", "locale": "en"})
    assert resp.status == 501


async def test_every_poll_reports_the_persons_locale_read_after_the_wait(make_chat) -> None:  # noqa: F811
    chat, _ = await _chat(make_chat)
    person = next(p for p in PEOPLE if p["user_id"] == "p12")
    first = await chat.poll("p12")
    assert first["locale"] == person["locale"]
    # the locale changes while a poll waits (a /lang being answered): the poll says the new one
    waiting = asyncio.create_task(chat.poll("p12", after=first["cursor"], wait=5))
    await asyncio.sleep(0.2)
    old = person["locale"]
    person["locale"] = "zh_CN" if old == "en" else "en"
    try:
        await chat.adapter.send(Address("web", "p12"), Reply("done"))
        answer = await asyncio.wait_for(waiting, 5)
    finally:
        person["locale"] = old
    assert [m["text"] for m in answer["messages"]] == ["done"]
    assert answer["locale"] == ("zh_CN" if old == "en" else "en")
