"""The web chat page in a real headless Chromium (Playwright), against the real adapter (demo
mode: the picker is the demo's sign-in method and starts a session)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.adapters.web.adapter import WebChatAdapter
from bot.adapters.web.pwa import PwaRoutes
from bot.config import Settings
from bot.core.i18n import LOCALES_DIR, Translator
from bot.core.types import Button, Incoming, Reply

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
PEOPLE = [
    {"person_id": 12, "user_id": "p12", "name": "Zhang San", "roles": ["reporter", "worker"],
     "locale": "en"},
    {"person_id": 20, "user_id": "p20", "name": "Wang Fang", "roles": ["manager"],
     "locale": "en"},
    {"person_id": 30, "user_id": "p30", "name": "<img src=x onerror=alert(1)> Mallory",
     "roles": ["storekeeper"], "locale": "en"},
]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Chromium at /usr/bin/chromium (Debian: apt-get install chromium)",
)


@dataclass
class Server:
    """The adapter on a real port with an echo feed."""

    url: str
    adapter: WebChatAdapter
    received: list[Incoming] = field(default_factory=list)


async def demo_web_chat(tmp_path: Path, people_rows: list[dict[str, Any]]
                        ) -> tuple[WebChatAdapter, TestServer]:
    """The real adapter in demo mode on 127.0.0.1 (random port): the webchat catalogues, a memory
    session store over `people_rows` (whose locale the page's toggle saves), PWA routes."""
    for locale in ("en", "zh_CN"):
        (tmp_path / "locales" / locale).mkdir(parents=True)
        shutil.copy(LOCALES_DIR / locale / "webchat.toml", tmp_path / "locales" / locale)
    translator = Translator("zh_CN", directory=tmp_path / "locales")
    app = web.Application()

    known = [dict(p) for p in people_rows]  # the page's language toggle saves here

    async def people() -> list[dict[str, Any]]:
        return known

    async def set_locale(person_id: int, locale: str) -> None:
        next(p for p in known if p["person_id"] == person_id)["locale"] = locale

    from tests.test_webchat_adapter import memory_auth

    settings = Settings(demo=True)
    adapter = WebChatAdapter(settings, app, people, translator,
                             auth=memory_auth(settings, known), set_locale=set_locale)

    async def nobody(request: web.Request) -> None:
        return None  # Web Push is off here: the page's manifest, worker and icons only

    PwaRoutes(app, translator, nobody)
    test_server = TestServer(app, host="127.0.0.1")
    await test_server.start_server()
    return adapter, test_server


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[Server]:
    """Serve the web chat on 127.0.0.1 (random port); the feed echoes, counts bytes, edits."""
    adapter, test_server = await demo_web_chat(tmp_path, PEOPLE)
    srv = Server(str(test_server.make_url("/")), adapter)

    async def feed(incoming: Incoming) -> None:
        srv.received.append(incoming)
        if incoming.callback:
            reply = Reply(f"You chose {incoming.callback}", edit_message_id=incoming.message_id)
        elif incoming.photos or incoming.documents:
            ref = (incoming.photos or incoming.documents)[0].ref
            data = await adapter.fetch_file(ref)
            caption = f"\ncaption: {incoming.text}" if incoming.text else ""
            reply = Reply(f"photo: {len(data)} bytes{caption}", image=data)
        else:
            reply = Reply(f"echo: {incoming.text}",
                          buttons=[[Button("Yes", "yes"), Button("No", "no")]])
        await adapter.send(incoming.address, reply)

    await adapter.start(feed)
    yield srv
    await adapter.stop()
    await test_server.close()


def signed_out_401(text: str) -> bool:
    """Chromium logs every 401 as a console error: expected while no one is signed in."""
    return "status of 401" in text


def check_png(path: Path, size: tuple[int, int]) -> None:
    """The screenshot is a real, non-trivial PNG of the expected size."""
    from PIL import Image

    assert path.stat().st_size > 5 * 1024, f"{path} is suspiciously small"
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.size == size
        colors = image.convert("RGB").getcolors(maxcolors=1 << 16)
        assert colors is None or len(colors) > 20, "screenshot is nearly blank"


async def test_chat_in_a_real_browser(server: Server, tmp_path: Path) -> None:
    from PIL import Image
    from playwright.async_api import async_playwright, expect

    photo = tmp_path / "lamp.png"
    Image.new("RGB", (64, 48), (220, 80, 40)).save(photo)
    photo_size = photo.stat().st_size
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = await browser.new_context(viewport={"width": 1280, "height": 800},
                                            locale="en-US")
        page = await context.new_page()
        page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
        page.on("console", lambda msg: problems.append(f"console: {msg.text}")
                if msg.type == "error" and not signed_out_401(msg.text) else None)
        page.on("dialog", lambda dialog: problems.append(f"dialog: {dialog.message}"))
        await page.goto(server.url)

        # the picker, in the browser's language, with names shown as text
        await expect(page.locator("#picker-title")).to_have_text("Sign in")
        await expect(page.locator("#demo-box h2")).to_have_text(
            "Demo: sign in as a demo person")
        await expect(page).to_have_title("Houqin · Campus Logistics Chat")
        await expect(page.locator('[data-testid="person-p12"]')).to_contain_text("Zhang San")
        await expect(page.locator('[data-testid="person-p12"]')).to_contain_text("Worker")
        mallory = page.locator('[data-testid="person-p30"]')
        await expect(mallory).to_contain_text("<img src=x onerror=alert(1)> Mallory")
        assert await mallory.locator("img").count() == 0
        await page.screenshot(path=str(ARTIFACTS / "webchat-picker.png"), animations="disabled")

        # pick a person and chat
        await page.locator('[data-testid="person-p12"]').click()
        await expect(page.locator("#current-name")).to_have_text("Zhang San")
        await expect(page.locator("#message-input")).to_have_attribute(
            "placeholder", "Type a message")
        box = page.locator("#message-input")
        await box.fill("hello <b>world</b>")
        await box.press("Shift+Enter")
        await box.press_sequentially("line two")
        await box.press("Enter")
        bot = page.locator(".msg.bot")
        await expect(page.locator(".msg.user")).to_have_count(1)
        await expect(page.locator(".msg.user .msg-text")).to_have_text(
            "hello <b>world</b>\nline two")
        await expect(bot).to_have_count(1)
        await expect(bot.locator(".msg-text")).to_have_text("echo: hello <b>world</b>\nline two")
        assert await page.locator(".msg b").count() == 0
        await expect(box).to_have_value("")
        inc = server.received[-1]
        assert (inc.user_id, inc.display_name, inc.language) == ("p12", "Zhang San", "en")

        # a button press edits that very message
        await page.locator(".msg.bot button", has_text="Yes").click()
        await expect(bot.locator(".msg-text")).to_have_text("You chose yes")
        await expect(bot).to_have_count(1)
        await expect(page.locator(".msg.bot button")).to_have_count(0)
        await expect(bot.locator(".edited")).to_have_text("edited")
        assert server.received[-1].callback == "yes"
        assert server.received[-1].message_id == await bot.get_attribute("data-id")

        # the send button, then a photo with the text box as caption
        await box.fill("/start ABC123")
        await page.locator("#send-button").click()
        await expect(bot).to_have_count(2)
        assert (server.received[-1].command, server.received[-1].args) == ("start", ["ABC123"])
        await box.fill("broken lamp")
        await page.locator("#photo-input").set_input_files(str(photo))
        await expect(bot).to_have_count(3)
        await expect(bot.last.locator(".msg-text")).to_have_text(
            f"photo: {photo_size} bytes\ncaption: broken lamp")
        await expect(bot.last.locator("img.msg-image")).to_be_visible()
        await expect(page.locator(".msg.user").last.locator("img.msg-image")).to_be_visible()
        photos = server.received[-1].photos
        assert len(photos) == 1 and photos[0].size == photo_size and photos[0].is_image
        await expect(page.locator("#typing")).to_be_hidden()

        # the app fills the window; only the message list scrolls
        assert await page.evaluate(
            "document.scrollingElement.scrollHeight <= window.innerHeight")
        shot = ARTIFACTS / "webchat.png"
        await page.screenshot(path=str(shot), animations="disabled")
        check_png(shot, (1280, 800))

        # the language toggle changes every UI string
        await page.locator("#lang-toggle").click()
        await expect(page.locator("#send-button")).to_have_text("发送")
        await expect(page.locator("#message-input")).to_have_attribute("placeholder", "输入消息")
        await expect(page.locator("#lang-toggle")).to_have_text("English")
        await expect(bot.first.locator(".edited")).to_have_text("已编辑")
        assert await page.evaluate("document.documentElement.lang") == "zh-CN"
        await box.fill("你好")
        await box.press("Enter")
        await expect(bot).to_have_count(4)
        assert server.received[-1].language == "zh_CN"
        await page.locator("#lang-toggle").click()
        await expect(page.locator("#send-button")).to_have_text("Send")

        # a reload restores the person, the language and the conversation from the server
        await page.reload()
        await expect(page.locator("#current-name")).to_have_text("Zhang San")
        await expect(bot).to_have_count(4)
        await expect(page.locator(".msg.user")).to_have_count(4)
        await expect(bot.first.locator(".msg-text")).to_have_text("You chose yes")

        # signing out ends the session: the sign-in page again, the API answers 401
        await page.locator('[data-testid="sign-out"]').click()
        await expect(page.locator("#picker")).to_be_visible()
        await expect(page.locator("#current-person")).to_be_hidden()
        assert await page.evaluate("fetch('/api/web/messages').then((r) => r.status)") == 401
        await page.locator('[data-testid="person-p20"]').click()
        await expect(page.locator("#current-name")).to_have_text("Wang Fang")
        await expect(page.locator(".msg")).to_have_count(0)
        await expect(page.locator("#empty-chat")).to_be_visible()

        # narrow (phone) layout: no sideways scrolling
        phone = await browser.new_context(viewport={"width": 390, "height": 844},
                                          locale="zh-CN", device_scale_factor=1)
        mobile = await phone.new_page()
        mobile.on("pageerror", lambda exc: problems.append(f"mobile page error: {exc}"))
        await mobile.goto(server.url)
        await expect(mobile.locator("#picker-title")).to_have_text("登录")
        await mobile.locator('[data-testid="person-p20"]').click()
        await mobile.locator("#message-input").fill("a fairly long message " * 8)
        await mobile.locator("#message-input").press("Enter")
        await expect(mobile.locator(".msg.bot")).to_have_count(1)
        width = await mobile.evaluate("document.scrollingElement.scrollWidth")
        assert width <= 390
        await mobile.screenshot(path=str(ARTIFACTS / "webchat-mobile.png"),
                                animations="disabled")
        check_png(ARTIFACTS / "webchat-mobile.png", (390, 844))

        await browser.close()

    assert problems == []


async def test_qr_link_sends_start_once(server: Server) -> None:
    """A scanned label opens /?start=p_<code>: the chosen person sends `/start p_<code>` once,
    and the parameter leaves the address bar (a reload does not report again)."""
    from playwright.async_api import async_playwright, expect

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = await (await browser.new_context(locale="en-US")).new_page()
        await page.goto(server.url + "?start=p_3-402")
        await page.locator('[data-testid="person-p20"]').click()
        await expect(page.locator(".msg.bot").last).to_contain_text("echo: /start p_3-402")
        assert "start=" not in page.url
        starts = [i for i in server.received if i.command == "start"]
        assert [(i.user_id, i.args) for i in starts] == [("p20", ["p_3-402"])]
        await page.reload()
        await expect(page.locator("#current-name")).to_have_text("Wang Fang")
        await page.locator("#message-input").fill("after reload")
        await page.keyboard.press("Enter")
        await expect(page.locator(".msg.bot").last).to_contain_text("echo: after reload")
        assert len([i for i in server.received if i.command == "start"]) == 1
        await page.goto(server.url + "?start=bad%20value")  # not a start parameter: ignored
        await page.locator("#message-input").fill("still here")
        await page.keyboard.press("Enter")
        await expect(page.locator(".msg.bot").last).to_contain_text("echo: still here")
        assert len([i for i in server.received if i.command == "start"]) == 1
        await browser.close()
