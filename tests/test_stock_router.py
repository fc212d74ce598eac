"""The core's text routes: free text that a route's `matches` recognises goes to it (lowest
priority first) before the general text fallback; photos and flows are unaffected."""

from __future__ import annotations

import pytest

from bot.core.context import Context
from bot.core.dispatcher import Dispatcher
from bot.core.i18n import Translator
from bot.core.router import Router
from bot.core.state import StateStore
from bot.core.types import FileRef, Incoming
from bot.delivery.notifier import Notifier
from bot.services.container import Services
from bot.services.people.service import PeopleService
from tests.support import RecordingAdapter, make_settings


def _router(calls: list[str]) -> Router:
    """Three modules' routers: two text routes and the fallback, merged like handlers/."""
    fallback, early, late = Router(), Router(), Router()

    async def says(word: str, ctx: Context) -> bool:
        calls.append(f"asked:{word}")
        return word in (ctx.incoming.text or "")

    async def early_matches(ctx: Context) -> bool:
        return await says("stock", ctx)

    async def late_matches(ctx: Context) -> bool:
        return await says("st", ctx)

    @fallback.on_text
    async def anything(ctx: Context) -> None:
        calls.append("fallback")

    @fallback.on_photo
    async def photo(ctx: Context) -> None:
        calls.append("photo")

    @late.on_text_if(late_matches, priority=60)
    async def late_handler(ctx: Context) -> None:
        calls.append("late")

    @early.on_text_if(early_matches, priority=10)
    async def early_handler(ctx: Context) -> None:
        calls.append("early")

    @fallback.command("flow")
    async def start_flow(ctx: Context) -> None:
        await ctx.begin("f", "s")

    @fallback.step("f", "s")
    async def step(ctx: Context) -> None:
        calls.append("step")

    root = Router()
    for part in (fallback, late, early):  # registration order differs from priority order
        root.include(part)
    return root


@pytest.fixture
async def drive(db, tmp_path):
    """Feed text (or a captioned photo) from a bound person; returns the calls made."""
    calls: list[str] = []
    adapter = RecordingAdapter()
    translator = Translator()
    notifier = Notifier({"test": adapter}, translator)
    services = Services.build(make_settings(tmp_path), notifier)
    dispatcher = Dispatcher(_router(calls), services, translator, notifier, StateStore(),
                            {"test": adapter})
    people = PeopleService()
    await people.bind(await people.create("X", ["reporter"]), "test", "u1", "u1")

    async def send(text: str, photo: bool = False, command: str | None = None) -> list[str]:
        calls.clear()
        await dispatcher.feed(Incoming(
            platform="test", chat_id="u1", user_id="u1", text=text, command=command,
            photos=[FileRef("f1")] if photo else [],
        ))
        return list(calls)

    return send


async def test_routes_are_tried_by_priority_then_the_fallback(drive):
    assert await drive("stock please") == ["asked:stock", "early"]
    assert await drive("start") == ["asked:stock", "asked:st", "late"]
    assert await drive("hello") == ["asked:stock", "asked:st", "fallback"]


async def test_photos_and_flows_skip_the_text_routes(drive):
    assert await drive("stock", photo=True) == ["photo"]
    await drive("", command="flow")
    assert await drive("stock") == ["step"]


def test_include_keeps_priority_order():
    calls: list[str] = []
    router = _router(calls)
    assert [route.priority for route in router.text_routes] == [10, 60]
    assert len(router.text_fallbacks) == 1
