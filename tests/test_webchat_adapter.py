"""The local web chat adapter over real HTTP (aiohttp TestServer, no browser). Every request
goes through a session: the harness signs each person in with the demo picker (the demo's
sign-in method) and sends that person's cookie; `user_id` in a request only selects which
session cookie the test client sends, the server ignores it."""

from __future__ import annotations

import asyncio
import base64
import shutil
import time
import tomllib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.adapters.web.adapter import MAX_UPLOAD_BYTES, WebChatAdapter, WebFileMissing
from bot.adapters.web.auth import WebAuth, WebUser
from bot.adapters.web.session_cookie import COOKIE_NAME
from bot.config import Settings
from bot.core.i18n import LOCALES_DIR, Translator
from bot.core.types import Address, Button, DeliveryError, Incoming, Reply

PEOPLE = [
    {"person_id": 12, "user_id": "p12", "name": "张三 Zhang San",
     "roles": ["reporter", "worker"], "locale": "zh_CN"},
    {"person_id": 13, "user_id": "p13", "name": "Li Si", "roles": ["manager"], "locale": "en"},
    *({"person_id": 20 + i, "user_id": f"p{20 + i}", "name": f"Extra {i}", "roles": ["reporter"],
       "locale": None} for i in range(5)),
]


def memory_auth(settings: Settings, people: list[dict[str, Any]] | None = None) -> WebAuth:
    """A WebAuth whose sessions live in a dict (the adapter is tested without a database)."""
    tokens: dict[str, int] = {}
    known = PEOPLE if people is None else people

    async def resolve(token: str) -> WebUser | None:
        person_id = tokens.get(token)
        person = next((p for p in known if p["person_id"] == person_id), None)
        if person is None:
            return None
        return WebUser(person["person_id"], person["name"], tuple(person["roles"]),
                       person["locale"])

    async def start(person_id: int, method: str, ip: str | None, ua: str | None) -> str:
        assert method == "demo"
        token = f"tok{len(tokens)}-{person_id}"
        tokens[token] = person_id
        return token

    async def end(token: str) -> None:
        tokens.pop(token, None)

    async def end_all(person_id: int) -> int:
        gone = [t for t, p in tokens.items() if p == person_id]
        for token in gone:
            del tokens[token]
        return len(gone)

    return WebAuth(settings, resolve, start, end, end_all)


class SignedClient:
    """The test client, sending the session cookie of the person a request names."""

    def __init__(self, client: TestClient):
        self.client = client
        self.tokens: dict[str, str] = {}

    async def token(self, user_id: str) -> str | None:
        """The demo session of `user_id` (signed in through POST /api/web/auth/demo)."""
        if user_id not in self.tokens:
            person = next((p for p in PEOPLE if p["user_id"] == user_id), None)
            if person is None:
                return None
            resp = await self.client.post(
                "/api/web/auth/demo", json={"person_id": person["person_id"]},
                headers={"Origin": self.origin})
            assert resp.status == 200, await resp.text()
            self.tokens[user_id] = resp.cookies[COOKIE_NAME].value
            self.client.session.cookie_jar.clear()
        return self.tokens[user_id]

    @property
    def origin(self) -> str:
        """The page's own origin."""
        return str(self.client.make_url("/")).rstrip("/")

    async def _headers(self, kw: dict[str, Any], method: str) -> dict[str, str]:
        user_id = None
        for source in (kw.get("params"), kw.get("json")):
            if isinstance(source, dict) and isinstance(source.get("user_id"), str):
                user_id = source["user_id"]
        data = kw.get("data")
        if isinstance(data, aiohttp.FormData):
            for options, _, value in data._fields:
                if options.get("name") == "user_id":
                    user_id = value
        headers = dict(kw.pop("headers", None) or {})
        if method == "POST":
            headers.setdefault("Origin", self.origin)
        token = await self.token(user_id) if user_id else None
        if token:
            headers["Cookie"] = f"{COOKIE_NAME}={token}"
        return headers

    async def get(self, path: str, **kw: Any) -> aiohttp.ClientResponse:
        """GET as the person named in `params` (or anonymously)."""
        headers = await self._headers(kw, "GET")
        return await self.client.get(path, headers=headers, **kw)

    async def post(self, path: str, **kw: Any) -> aiohttp.ClientResponse:
        """POST as the person named in the JSON or form body (or anonymously)."""
        headers = await self._headers(kw, "POST")
        return await self.client.post(path, headers=headers, **kw)

    async def close(self) -> None:
        """Close the test client."""
        await self.client.close()
PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


@dataclass
class Harness:
    """An adapter served by a test client, with every Incoming it fed."""

    adapter: WebChatAdapter
    client: SignedClient
    received: list[Incoming] = field(default_factory=list)

    async def incoming(self, count: int = 1, timeout: float = 3.0) -> list[Incoming]:
        """Wait until the feed has seen `count` updates."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            assert time.monotonic() < deadline, f"feed saw {len(self.received)} of {count}"
            await asyncio.sleep(0.01)
        return self.received

    async def post_json(self, payload: dict[str, Any]) -> aiohttp.ClientResponse:
        """POST a JSON body to the send endpoint."""
        return await self.client.post("/api/web/send", json=payload)

    async def poll(self, user_id: str, after: int = 0, wait: float = 0, **extra: str) -> Any:
        """GET the messages endpoint and return its JSON."""
        params = {"user_id": user_id, "after": str(after), "wait": str(wait), **extra}
        resp = await self.client.get("/api/web/messages", params=params)
        assert resp.status == 200, await resp.text()
        return await resp.json()


@pytest.fixture
def translator(tmp_path: Path) -> Translator:
    """A translator holding only the webchat catalogues (isolated from other areas)."""
    for locale in ("en", "zh_CN"):
        (tmp_path / "locales" / locale).mkdir(parents=True)
        shutil.copy(LOCALES_DIR / locale / "webchat.toml", tmp_path / "locales" / locale)
    return Translator("zh_CN", directory=tmp_path / "locales")


@pytest.fixture
async def make_chat(
    translator: Translator,
) -> AsyncIterator[Callable[..., Awaitable[Harness]]]:
    """Factory for a started adapter behind a test client (torn down after the test)."""
    harnesses: list[Harness] = []

    async def make(feed: Callable[[Incoming], Awaitable[None]] | None = None,
                   **options: Any) -> Harness:
        app = web.Application()

        async def people() -> list[dict[str, Any]]:
            return PEOPLE

        settings = Settings(demo=True)
        adapter = WebChatAdapter(settings, app, people, translator, auth=memory_auth(settings),
                                 **options)
        test_client = TestClient(TestServer(app, host="127.0.0.1"))
        harness = Harness(adapter, SignedClient(test_client))

        async def record(incoming: Incoming) -> None:
            harness.received.append(incoming)
            if feed is not None:
                await feed(incoming)

        await adapter.start(record)
        await test_client.start_server()
        harnesses.append(harness)
        return harness

    yield make
    for harness in harnesses:
        await harness.adapter.stop()
        await harness.client.close()


@pytest.fixture
async def chat(make_chat: Callable[..., Awaitable[Harness]]) -> Harness:
    """A started adapter with a recording feed."""
    return await make_chat()


# ---- page, people, strings -------------------------------------------------------------


async def test_page_and_static_files_are_served(chat: Harness) -> None:
    resp = await chat.client.get("/")
    assert resp.status == 200
    assert resp.content_type == "text/html"
    assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
    html = await resp.text()
    assert "/static/webchat/app.js" in html and "/static/webchat/style.css" in html
    for name, ctype in (("app.js", "text/javascript"), ("style.css", "text/css")):
        resp = await chat.client.get(f"/static/webchat/{name}")
        assert resp.status == 200 and resp.content_type == ctype
    assert (await chat.client.get("/static/webchat/../webchat.py")).status == 404
    assert (await chat.client.get("/static/webchat/index2.html")).status == 404


async def test_people_endpoint_lists_demo_identities(chat: Harness) -> None:
    resp = await chat.client.get("/api/web/people")
    assert resp.status == 200
    people = await resp.json()
    assert [p["user_id"] for p in people][:2] == ["p12", "p13"]
    assert people[0] == PEOPLE[0]


async def test_strings_in_both_locales(chat: Harness) -> None:
    en = await (await chat.client.get("/api/web/strings", params={"locale": "en"})).json()
    zh = await (await chat.client.get("/api/web/strings", params={"locale": "zh_CN"})).json()
    assert en["locale"] == "en" and zh["locale"] == "zh_CN"
    assert en["strings"].keys() == zh["strings"].keys()
    for key in ("title", "choose_person", "send", "photo", "message_placeholder",
                "connection_error", "new_visitor", "language_toggle", "role.worker"):
        assert en["strings"][key] and zh["strings"][key], key
        assert en["strings"][key] != zh["strings"][key], key
    assert en["strings"]["send"] == "Send" and zh["strings"]["send"] == "发送"
    assert en["limits"]["max_upload_bytes"] == MAX_UPLOAD_BYTES
    # browser-style hints normalise; unknown ones fall back to the default locale
    hinted = await (await chat.client.get("/api/web/strings", params={"locale": "en-US"})).json()
    assert hinted["locale"] == "en"
    other = await (await chat.client.get("/api/web/strings", params={"locale": "fr"})).json()
    assert other["locale"] == "zh_CN"


def test_catalogues_have_the_same_keys() -> None:
    def keys(table: dict[str, Any], prefix: str = "") -> set[str]:
        out: set[str] = set()
        for key, value in table.items():
            out |= keys(value, f"{prefix}{key}.") if isinstance(value, dict) else {prefix + key}
        return out

    tables = {}
    for locale in ("en", "zh_CN"):
        with (LOCALES_DIR / locale / "webchat.toml").open("rb") as fh:
            tables[locale] = keys(tomllib.load(fh))
    assert tables["en"] == tables["zh_CN"]


# ---- sending ---------------------------------------------------------------------------


async def test_send_text_builds_incoming(chat: Harness) -> None:
    resp = await chat.post_json(
        {"user_id": "p12", "text": "  水管漏水了\n宿舍 3-201 ", "client_id": "c-1",
         "locale": "zh_CN"}
    )
    assert resp.status == 202
    assert (await resp.json())["client_id"] == "c-1"
    (inc,) = await chat.incoming()
    assert inc.platform == "web" and inc.chat_id == "p12" and inc.user_id == "p12"
    assert inc.display_name == "张三 Zhang San"
    assert inc.text == "水管漏水了\n宿舍 3-201"
    assert inc.command is None and inc.args == []
    assert inc.callback is None and inc.photos == [] and inc.documents == []
    assert inc.language == "zh_CN"
    assert inc.update_id == "c-1"
    assert inc.message_id is None


@pytest.mark.parametrize(
    ("text", "command", "args"),
    [
        ("/start CODE", "start", ["CODE"]),
        ("/Help@HouqinBot", "help", []),
        ("/assign  42   p13", "assign", ["42", "p13"]),
        ("/ not a command", None, []),
        ("//", None, []),
        ("hello /start", None, []),
    ],
)
async def test_commands_are_parsed(
    chat: Harness, text: str, command: str | None, args: list[str]
) -> None:
    await chat.post_json({"user_id": "p13", "text": text, "client_id": "c-cmd", "locale": "en"})
    (inc,) = await chat.incoming()
    assert (inc.command, inc.args) == (command, args)
    assert inc.text == text.strip()


async def test_who_sends_comes_from_the_session_not_the_body(chat: Harness) -> None:
    token = await chat.client.token("p13")
    resp = await chat.client.client.post(
        "/api/web/send", json={"user_id": "p12", "text": "hi", "client_id": "c1"},
        headers={"Cookie": f"{COOKIE_NAME}={token}", "Origin": chat.client.origin})
    assert resp.status == 202
    (inc,) = await chat.incoming()
    assert inc.chat_id == inc.user_id == "p13" and inc.display_name == "Li Si"
    anonymous = await chat.client.client.post(
        "/api/web/send", json={"user_id": "p12", "text": "hi"},
        headers={"Origin": chat.client.origin})
    assert anonymous.status == 401


async def test_callback_carries_the_pressed_message_id(chat: Harness) -> None:
    resp = await chat.post_json({"user_id": "p13", "callback": "report:7:accept",
                                 "message_id": "5", "client_id": "b-9", "text": "ignored"})
    assert resp.status == 202
    (inc,) = await chat.incoming()
    assert inc.callback == "report:7:accept"
    assert inc.message_id == "5"
    assert inc.update_id == "b-9"
    assert inc.text is None and inc.command is None
    # a button press is not shown as a user bubble
    assert (await chat.poll("p13"))["messages"] == []


async def test_answer_does_not_wait_for_handling(make_chat: Callable[..., Awaitable[Harness]]
                                                 ) -> None:
    release = asyncio.Event()
    finished: list[str] = []

    async def slow(incoming: Incoming) -> None:
        await release.wait()
        finished.append(incoming.update_id or "")

    harness = await make_chat(slow)
    resp = await asyncio.wait_for(
        harness.post_json({"user_id": "p12", "text": "a", "client_id": "x1"}), 2
    )
    assert resp.status == 202
    await harness.post_json({"user_id": "p12", "text": "b", "client_id": "x2"})
    await harness.incoming(1)
    assert finished == []
    release.set()
    await harness.incoming(2)
    for _ in range(100):
        if len(finished) == 2:
            break
        await asyncio.sleep(0.01)
    assert finished == ["x1", "x2"]  # one chat is handled in order


async def test_failing_handler_does_not_break_the_transport(
    make_chat: Callable[..., Awaitable[Harness]]
) -> None:
    async def broken(incoming: Incoming) -> None:
        raise RuntimeError("boom")

    harness = await make_chat(broken)
    for client_id in ("1", "2"):
        resp = await harness.post_json({"user_id": "p12", "text": "a", "client_id": client_id})
        assert resp.status == 202
    await harness.incoming(2)


async def test_retry_with_same_client_id_shows_one_bubble(chat: Harness) -> None:
    for _ in range(2):
        await chat.post_json({"user_id": "p12", "text": "again", "client_id": "same"})
    first, second = await chat.incoming(2)
    assert first.update_id == second.update_id == "same"  # dedupe is the core's job
    mine = [m for m in (await chat.poll("p12"))["messages"] if m["from"] == "user"]
    assert len(mine) == 1 and mine[0]["client_id"] == "same" and mine[0]["text"] == "again"


async def test_multipart_photo_becomes_fileref(chat: Harness) -> None:
    form = aiohttp.FormData()
    form.add_field("user_id", "p12")
    form.add_field("client_id", "up-1")
    form.add_field("locale", "en")
    form.add_field("caption", "broken lamp")
    form.add_field("photo", PNG_1PX, filename="lamp.png", content_type="image/png")
    resp = await chat.client.post("/api/web/send", data=form)
    assert resp.status == 202, await resp.text()
    (inc,) = await chat.incoming()
    assert inc.text == "broken lamp" and inc.update_id == "up-1" and inc.language == "en"
    assert inc.documents == []
    (photo,) = inc.photos
    assert photo.ref.startswith("web:")
    assert photo.size == len(PNG_1PX)
    assert photo.mime == "image/png" and photo.file_name == "lamp.png" and photo.is_image
    assert await chat.adapter.fetch_file(photo.ref) == PNG_1PX
    # the page can show what the user sent, and only to that user
    (mine,) = (await chat.poll("p12"))["messages"]
    assert mine["from"] == "user" and mine["text"] == "broken lamp"
    url = mine["attachment"]["url"]
    assert mine["attachment"]["is_image"] and mine["attachment"]["name"] == "lamp.png"
    got = await chat.client.get(url, params={"user_id": "p12"})
    assert got.status == 200 and await got.read() == PNG_1PX
    assert got.content_type == "image/png"
    assert "user_id" not in url
    other = await chat.client.get(url, params={"user_id": "p13"})
    assert other.status == 404
    assert (await chat.client.get(url)).status == 401  # no session


async def test_non_image_upload_goes_to_documents(chat: Harness) -> None:
    data = b"%PDF-1.4 fake"
    form = aiohttp.FormData()
    form.add_field("user_id", "p13")
    form.add_field("client_id", "up-2")
    form.add_field("photo", data, filename="invoice.pdf", content_type="application/pdf")
    assert (await chat.client.post("/api/web/send", data=form)).status == 202
    (inc,) = await chat.incoming()
    assert inc.photos == [] and inc.text is None
    (doc,) = inc.documents
    assert doc.mime == "application/pdf" and not doc.is_image and doc.size == len(data)
    assert await chat.adapter.fetch_file(doc.ref) == data


async def test_upload_mime_guessed_from_name(chat: Harness) -> None:
    form = aiohttp.FormData()
    form.add_field("user_id", "p13")
    form.add_field("photo", PNG_1PX, filename="x.png", content_type="application/octet-stream")
    assert (await chat.client.post("/api/web/send", data=form)).status == 202
    (inc,) = await chat.incoming()
    assert inc.photos[0].mime == "image/png"
    assert inc.update_id  # generated when the client sent none


async def test_fetch_unknown_file_raises_clear_keyerror(chat: Harness) -> None:
    with pytest.raises(KeyError) as info:
        await chat.adapter.fetch_file("web:nope")
    assert isinstance(info.value, WebFileMissing)
    assert "web:nope" in str(info.value) and "evicted" in str(info.value)


async def test_oldest_uploads_are_evicted(make_chat: Callable[..., Awaitable[Harness]]) -> None:
    harness = await make_chat(upload_budget_bytes=2500)
    for i in range(3):
        form = aiohttp.FormData()
        form.add_field("user_id", "p12")
        form.add_field("client_id", f"u{i}")
        form.add_field("photo", bytes([i]) * 1000, filename=f"{i}.png",
                       content_type="image/png")
        assert (await harness.client.post("/api/web/send", data=form)).status == 202
    refs = [inc.photos[0].ref for inc in await harness.incoming(3)]
    with pytest.raises(KeyError):
        await harness.adapter.fetch_file(refs[0])
    assert await harness.adapter.fetch_file(refs[2]) == bytes([2]) * 1000


# ---- bad requests ----------------------------------------------------------------------


async def test_bad_requests_are_rejected(chat: Harness) -> None:
    cases: list[tuple[Any, int, str]] = [
        ({"text": "hi", "client_id": "a"}, 401, "sign_in_required"),
        ({"user_id": "p12", "client_id": "z"}, 400, "empty"),
        ({"user_id": "p12", "text": ["x"]}, 400, "bad_field"),
        ({"user_id": "p12", "text": "x" * 20_001}, 413, "text_too_long"),
    ]
    for payload, status, code in cases:
        resp = await chat.post_json(payload)
        assert resp.status == status, payload
        assert (await resp.json())["error"] == code
    resp = await chat.client.post("/api/web/send", data=b"{nope", params={"user_id": "p12"},
                                  headers={"Content-Type": "application/json"})
    assert resp.status == 400 and (await resp.json())["error"] == "bad_json"
    form = aiohttp.FormData()
    form.add_field("photo", PNG_1PX, filename="a.png", content_type="image/png")
    resp = await chat.client.post("/api/web/send", data=form)
    assert resp.status == 401 and (await resp.json())["error"] == "sign_in_required"
    # exactly at the limit is fine
    ok = await chat.post_json({"user_id": "p12", "text": "x" * 20_000, "client_id": "big"})
    assert ok.status == 202
    await chat.incoming(1)
    assert len(chat.received) == 1


async def test_upload_over_the_limit_is_413(make_chat: Callable[..., Awaitable[Harness]]) -> None:
    harness = await make_chat(max_upload_bytes=10_000)
    form = aiohttp.FormData()
    form.add_field("user_id", "p12")
    form.add_field("photo", b"\0" * 10_001, filename="big.png", content_type="image/png")
    resp = await harness.client.post("/api/web/send", data=form)
    assert resp.status == 413
    assert (await resp.json())["error"] == "file_too_large"
    assert harness.received == []


async def test_default_upload_limit_is_50_mb(chat: Harness) -> None:
    form = aiohttp.FormData()
    form.add_field("user_id", "p12")
    form.add_field("photo", b"\0" * (MAX_UPLOAD_BYTES + 1), filename="huge.png",
                   content_type="image/png")
    resp = await chat.client.post("/api/web/send", data=form)
    assert resp.status == 413
    assert MAX_UPLOAD_BYTES == 50 * 1024 * 1024
    assert chat.received == []


async def test_send_before_start_is_503(translator: Translator) -> None:
    app = web.Application()

    async def people() -> list[dict[str, Any]]:
        return []

    settings = Settings(demo=True)
    auth = memory_auth(settings)
    WebChatAdapter(settings, app, people, translator, auth=auth)
    token = await auth._start(12, "demo", None, None)
    async with TestClient(TestServer(app)) as client:
        resp = await client.post("/api/web/send", json={"text": "hi"}, headers={
            "Cookie": f"{COOKIE_NAME}={token}", "Origin": str(client.make_url("/"))[:-1]})
        assert resp.status == 503


async def test_messages_endpoint_validates(chat: Harness) -> None:
    assert (await chat.client.get("/api/web/messages")).status == 401
    resp = await chat.client.get("/api/web/messages", params={"user_id": "p12", "after": "x"})
    assert resp.status == 400


# ---- bot messages ----------------------------------------------------------------------


async def test_a_reply_appended_while_a_poll_refreshes_the_session_is_not_skipped(
    chat: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the poll reads the person again after its wait (a database query in the app); a reply
    # that lands in that moment must come with the next poll, not be counted as seen
    await chat.adapter.send(Address("web", "p12"), Reply("first"))
    refresh = chat.adapter.auth.refresh

    async def refresh_while_the_bot_answers(request: web.Request) -> WebUser | None:
        await chat.adapter.send(Address("web", "p12"), Reply("answered meanwhile"))
        return await refresh(request)

    monkeypatch.setattr(chat.adapter.auth, "refresh", refresh_while_the_bot_answers)
    data = await chat.poll("p12")
    assert [m["text"] for m in data["messages"]] == ["first"]
    monkeypatch.setattr(chat.adapter.auth, "refresh", refresh)
    later = await chat.poll("p12", after=data["cursor"])
    assert [m["text"] for m in later["messages"]] == ["answered meanwhile"]


async def test_send_then_messages_endpoint(chat: Harness) -> None:
    buttons = [[Button("Accept ✅", "acc:1"), Button("Decline", "dec:1")], [Button("<b>", "x")]]
    await chat.adapter.send(Address("web", "p12"), Reply("Line 1\nLine <2>", buttons=buttons))
    data = await chat.poll("p12")
    (msg,) = data["messages"]
    assert msg["from"] == "bot"
    assert msg["text"] == "Line 1\nLine <2>"
    assert msg["buttons"] == [
        [{"label": "Accept ✅", "payload": "acc:1"}, {"label": "Decline", "payload": "dec:1"}],
        [{"label": "<b>", "payload": "x"}],
    ]
    assert msg["image"] is None and msg["edited_at"] is None
    assert isinstance(msg["id"], int) and data["cursor"] >= msg["version"]
    assert (await chat.poll("p12", after=data["cursor"]))["messages"] == []
    assert (await chat.poll("p13"))["messages"] == []  # other chats see nothing


async def test_ids_increase_and_unknown_chats_are_fine(chat: Harness) -> None:
    for i in range(3):
        await chat.adapter.send(Address("web", f"p{20 + i}"), Reply(f"m{i}"))
    ids = [(await chat.poll(f"p{20 + i}"))["messages"][0]["id"] for i in range(3)]
    assert ids == sorted(ids) and len(set(ids)) == 3


async def test_send_to_another_platform_is_refused(chat: Harness) -> None:
    with pytest.raises(DeliveryError) as info:
        await chat.adapter.send(Address("telegram", "1"), Reply("x"))
    assert info.value.permanent


async def test_edit_replaces_message(chat: Harness) -> None:
    address = Address("web", "p12")
    await chat.adapter.send(address, Reply("Choose", buttons=[[Button("A", "a")]]))
    await chat.adapter.send(address, Reply("Another"))
    first = await chat.poll("p12")
    target = first["messages"][0]
    await chat.adapter.send(address, Reply("Chosen: A", edit_message_id=str(target["id"])))
    changed = await chat.poll("p12", after=first["cursor"])
    (edited,) = changed["messages"]
    assert edited["id"] == target["id"]
    assert edited["text"] == "Chosen: A" and edited["buttons"] == []
    assert edited["edited_at"] is not None
    assert edited["version"] > target["version"]
    # a fresh page gets the edited text in the original position
    everything = (await chat.poll("p12"))["messages"]
    assert [m["text"] for m in everything] == ["Chosen: A", "Another"]
    # editing something unknown appends instead
    await chat.adapter.send(address, Reply("new one", edit_message_id="999999"))
    await chat.adapter.send(address, Reply("also new", edit_message_id="not-a-number"))
    tail = (await chat.poll("p12", after=changed["cursor"]))["messages"]
    assert [m["text"] for m in tail] == ["new one", "also new"]


async def test_edit_keeps_image_unless_replaced(chat: Harness) -> None:
    address = Address("web", "p12")
    await chat.adapter.send(address, Reply("photo", image=PNG_1PX))
    msg_id = (await chat.poll("p12"))["messages"][0]["id"]
    await chat.adapter.send(address, Reply("caption edited", edit_message_id=str(msg_id)))
    (msg,) = (await chat.poll("p12"))["messages"]
    assert msg["image"] and msg["text"] == "caption edited"


async def test_image_reply_is_a_data_url(chat: Harness) -> None:
    jpeg = b"\xff\xd8\xff\xe0fakejpeg"
    await chat.adapter.send(Address("web", "p12"), Reply("see", image=PNG_1PX))
    await chat.adapter.send(Address("web", "p12"), Reply("", image=jpeg))
    png_msg, jpeg_msg = (await chat.poll("p12"))["messages"]
    prefix = "data:image/png;base64,"
    assert png_msg["image"].startswith(prefix)
    assert base64.b64decode(png_msg["image"][len(prefix):]) == PNG_1PX
    assert jpeg_msg["image"].startswith("data:image/jpeg;base64,")


async def test_history_is_bounded(make_chat: Callable[..., Awaitable[Harness]]) -> None:
    harness = await make_chat(history_per_chat=3)
    for i in range(5):
        await harness.adapter.send(Address("web", "p12"), Reply(f"m{i}"))
    texts = [m["text"] for m in (await harness.poll("p12"))["messages"]]
    assert texts == ["m2", "m3", "m4"]


async def test_long_poll_wakes_when_a_message_arrives(chat: Harness) -> None:
    cursor = (await chat.poll("p12"))["cursor"]
    started = time.monotonic()
    waiting = asyncio.create_task(chat.poll("p12", after=cursor, wait=15))
    await asyncio.sleep(0.2)
    assert not waiting.done()
    await chat.adapter.send(Address("web", "p13"), Reply("not for p12"))
    await asyncio.sleep(0.1)
    assert not waiting.done()
    await chat.adapter.send(Address("web", "p12"), Reply("wake up"))
    data = await asyncio.wait_for(waiting, 5)
    assert time.monotonic() - started < 5
    assert [m["text"] for m in data["messages"]] == ["wake up"]


async def test_long_poll_times_out_empty(chat: Harness) -> None:
    started = time.monotonic()
    data = await chat.poll("p12", wait=0.3)
    assert data["messages"] == [] and 0.25 <= time.monotonic() - started < 3


async def test_long_polls_leave_nothing_behind(chat: Harness) -> None:
    await asyncio.gather(*(chat.poll(f"p{20 + i}", wait=0.2) for i in range(5)))
    assert chat.adapter.messages._events == {}
    assert chat.adapter.messages._waiting == {}


async def test_stale_cursor_or_epoch_resets(chat: Harness) -> None:
    await chat.adapter.send(Address("web", "p12"), Reply("hello"))
    fresh = await chat.poll("p12")
    assert fresh["reset"] is False and fresh["epoch"]
    ahead = await chat.poll("p12", after=fresh["cursor"] + 100, wait=5)
    assert ahead["reset"] is True and [m["text"] for m in ahead["messages"]] == ["hello"]
    old = await chat.poll("p12", after=fresh["cursor"], wait=5, epoch="restarted")
    assert old["reset"] is True and len(old["messages"]) == 1
    same = await chat.poll("p12", after=fresh["cursor"], epoch=fresh["epoch"])
    assert same["reset"] is False and same["messages"] == []


async def test_stop_wakes_long_pollers_and_clears(chat: Harness) -> None:
    await chat.adapter.send(Address("web", "p12"), Reply("bye"))
    cursor = (await chat.poll("p12"))["cursor"]
    waiting = asyncio.create_task(chat.poll("p12", after=cursor, wait=15))
    await asyncio.sleep(0.2)
    await chat.adapter.stop()
    data = await asyncio.wait_for(waiting, 3)
    assert data["messages"] == []
    assert (await chat.poll("p12"))["messages"] == []
    resp = await chat.post_json({"user_id": "p12", "text": "hi"})
    assert resp.status == 503


async def test_a_deeply_nested_body_is_400_not_500(chat: Harness) -> None:
    resp = await chat.client.post(
        "/api/web/send", data=b"[" * 100_000 + b"]" * 100_000, params={"user_id": "p12"},
        headers={"Content-Type": "application/json"},
    )
    assert resp.status == 400 and (await resp.json())["error"] == "bad_json"
    assert chat.received == []
