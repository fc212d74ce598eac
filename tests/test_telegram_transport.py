"""PTB's calls over aiohttp (bot/adapters/telegram/transport.py) against a real local server:
JSON bodies, uploads as multipart, and network trouble as PTB's own errors."""

from __future__ import annotations

import asyncio
import json
import socket

import pytest
from aiohttp import web
from telegram import Bot, InputFile
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.adapters.telegram.transport import AiohttpRequest, call

TOKEN = "123456:transport-test"


@pytest.fixture
async def server():
    """A tiny Bot API: records each call's content type and body; /slow answers late."""
    seen: list[tuple[str, str, bytes]] = []

    async def method(request: web.Request) -> web.Response:
        name = request.match_info["method"]
        body = await request.read()
        seen.append((name, request.content_type, body))
        if name == "slow":
            await asyncio.sleep(2)
        if name == "flood":
            return web.json_response({"ok": False, "error_code": 429, "description": "Too Many "
                                      "Requests", "parameters": {"retry_after": 7}}, status=429)
        if name == "refuse":
            return web.json_response({"ok": False, "error_code": 400,
                                      "description": "Bad Request: chat not found"}, status=400)
        return web.json_response({"ok": True, "result": {"echo": name}})

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", method)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}/bot", seen
    await runner.cleanup()


async def _bot(base_url: str, request: AiohttpRequest) -> Bot:
    bot = Bot(TOKEN, base_url=base_url, request=request, get_updates_request=AiohttpRequest(1))
    await request.initialize()
    return bot


async def test_plain_calls_are_json_and_answers_come_back_raw(server):
    base, seen = server
    request = AiohttpRequest()
    bot = await _bot(base, request)
    try:
        keyboard = {"inline_keyboard": [[{"text": "水管", "callback_data": "f:ab:1"}]]}
        result = await call(bot, "sendMessage", {"chat_id": 5, "text": "你好",
                                                 "reply_markup": keyboard})
        assert result == {"echo": "sendMessage"}
        name, kind, body = seen[-1]
        assert name == "sendMessage"
        assert kind == "application/json"
        assert json.loads(body) == {"chat_id": 5, "text": "你好", "reply_markup": keyboard}
        with pytest.raises(RetryAfter, match="Retry in 7"):
            await call(bot, "flood", {})
        with pytest.raises(BadRequest, match="Chat not found"):
            await call(bot, "refuse", {})
    finally:
        await request.shutdown()


async def test_uploads_go_as_multipart(server):
    base, seen = server
    request = AiohttpRequest()
    bot = await _bot(base, request)
    try:
        await request.post(f"{bot.base_url}/sendPhoto", request_data=_photo_data())
        name, kind, body = seen[-1]
        assert name == "sendPhoto" and kind == "multipart/form-data"
        assert b"\x89PNG" in body and b'name="chat_id"' in body
    finally:
        await request.shutdown()


def _photo_data() -> RequestData:
    """What PTB builds for a photo upload."""
    photo = InputFile(b"\x89PNG fake", filename="p.png", attach=True)
    return RequestData([RequestParameter.from_input("chat_id", 5),
                        RequestParameter.from_input("photo", photo)])


async def test_a_slow_or_unreachable_server_raises_ptbs_errors(server):
    base, _ = server
    request = AiohttpRequest(read_timeout=0.2)
    bot = await _bot(base, request)
    try:
        with pytest.raises(TimedOut):
            await request.post(f"{bot.base_url}/slow", read_timeout=0.2, write_timeout=0.1)
    finally:
        await request.shutdown()
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = AiohttpRequest()
    bot = await _bot(f"http://127.0.0.1:{port}/bot", request)
    try:
        with pytest.raises(NetworkError):
            await call(bot, "sendMessage", {"chat_id": 1, "text": "x"})
    finally:
        await request.shutdown()
