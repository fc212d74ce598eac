"""The web chat's view in a real headless Chromium (issue 18, web parts): image thumbnails that
open full size, the view pinned to the newest message (a "new messages" chip when scrolled
up), phone numbers as tel: links, long names in the header at 390 px."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.adapters.web.adapter import WebChatAdapter
from bot.core.types import Address, Incoming, Reply
from tests.test_webchat_browser import CHROMIUM, CHROMIUM_ARGS, demo_web_chat, signed_out_401

LONG_NAME = "欧阳诸葛司马上官慕容皇甫长孙宇文 Alexandrina Maximiliana Worthington-Smythe"
PEOPLE = [
    {"person_id": 12, "user_id": "p12", "name": "Zhang San", "roles": ["worker"],
     "locale": "en"},
    {"person_id": 40, "user_id": "p40", "name": LONG_NAME, "roles": ["reporter"],
     "locale": "en"},
]
MESSAGE_WITH_PHONES = (
    "Duty desk 138 0013 8000, office 010-62751234, +86 139-0000-0101.\n"
    'Ticket R-20261203-0001 at 08:30. <a href="javascript:alert(1)">x</a>'
)
VIEWPORTS = [(390, 844), (1280, 800)]
AT_BOTTOM = "(() => { const b = document.getElementById('messages'); " \
            "return Math.abs(b.scrollTop + b.clientHeight - b.scrollHeight) <= 2; })()"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")


@dataclass
class Server:
    """The adapter on a real port; the feed answers every text with one line."""

    url: str
    adapter: WebChatAdapter

    async def say(self, chat_id: str, text: str, image: bytes | None = None) -> None:
        """A bot message to `chat_id`, as the notifier would send it."""
        await self.adapter.send(Address("web", chat_id), Reply(text, image=image))


def png(width: int, height: int, color: tuple[int, int, int]) -> bytes:
    """A real PNG of the given size (big enough that an unconstrained one would fill the view)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[Server]:
    """The web chat on 127.0.0.1 with a memory session store (demo sign-in)."""
    adapter, test_server = await demo_web_chat(tmp_path, PEOPLE)
    srv = Server(str(test_server.make_url("/")), adapter)

    async def feed(incoming: Incoming) -> None:
        await srv.say(incoming.chat_id, f"echo: {incoming.text}")

    await adapter.start(feed)
    yield srv
    await adapter.stop()
    await test_server.close()


async def until(page, expression: str, timeout: float = 10.0) -> None:
    """Wait for a page expression to be true (page.wait_for_function polls with eval, which
    the page's CSP refuses)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await page.evaluate(expression):
        assert asyncio.get_running_loop().time() < deadline, (expression, await page.evaluate(
            "[document.getElementById('messages').scrollTop,"
            " document.getElementById('messages').clientHeight,"
            " document.getElementById('messages').scrollHeight]"))
        await asyncio.sleep(0.05)


async def _signed_in(browser, server: Server, size: tuple[int, int], who: str, problems):
    context = await browser.new_context(viewport={"width": size[0], "height": size[1]},
                                        locale="en-US")
    page = await context.new_page()
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("console", lambda msg: problems.append(msg.text)
            if msg.type == "error" and not signed_out_401(msg.text) else None)
    await page.goto(server.url)
    await page.locator(f'[data-testid="person-{who}"]').click()
    return page


@pytest.mark.parametrize("size", VIEWPORTS, ids=["phone", "desktop"])
async def test_history_with_images_opens_at_the_newest_message(
        server: Server, tmp_path: Path, size: tuple[int, int]) -> None:
    from playwright.async_api import async_playwright, expect

    # a history where the images are large and many: unconstrained, they would push the
    # newest message far below the first scroll position
    for n in range(6):
        await server.say("p12", f"photo {n} of the job", image=png(1200, 900, (40 * n, 90, 160)))
        await server.say("p12", f"line {n}")
    await server.say("p12", "the newest message")
    problems: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = await _signed_in(browser, server, size, "p12", problems)
        images = page.locator(".msg.bot img.msg-image")
        await expect(images).to_have_count(6)
        await until(
            page,
            "Array.from(document.querySelectorAll('img.msg-image'))"
            ".every((i) => i.complete && i.naturalWidth > 0)")
        await until(page, AT_BOTTOM)
        await page.wait_for_timeout(300)  # nothing moves the view after the images loaded
        assert await page.evaluate(AT_BOTTOM)
        await expect(page.locator(".msg.bot").last).to_be_in_viewport()

        # thumbnails: constrained, covering their box, with alt text
        box = await images.first.evaluate(
            "(i) => ({w: i.clientWidth, h: i.clientHeight, fit: getComputedStyle(i).objectFit,"
            " natural: i.naturalWidth, alt: i.alt})")
        assert box["natural"] == 1200
        assert box["w"] <= 240 and box["h"] <= 180 and box["fit"] == "cover"
        assert box["alt"] == "Image from Houqin"
        await page.screenshot(path=str(tmp_path / f"history-{size[0]}.png"))

        # scrolled up to read: a new message does not move the view, a chip says so
        await page.evaluate("document.getElementById('messages').scrollTop = 0")
        await page.wait_for_timeout(100)
        chip = page.locator('[data-testid="new-messages"]')
        await expect(chip).to_be_hidden()
        await server.say("p12", "a reply while you read")
        await expect(page.locator(".msg.bot .msg-text").last).to_have_text(
            "a reply while you read", timeout=10_000)
        await expect(chip).to_be_visible()
        await expect(chip).to_have_text("New messages ↓")
        assert await page.evaluate("document.getElementById('messages').scrollTop") == 0
        await page.screenshot(path=str(tmp_path / f"chip-{size[0]}.png"))

        # the chip brings the view down and goes away
        await chip.click()
        await until(page, AT_BOTTOM)
        await expect(chip).to_be_hidden()

        # at the bottom, a new message keeps the view there and shows no chip
        await server.say("p12", "one more", image=png(900, 1600, (10, 200, 90)))
        await expect(images).to_have_count(7, timeout=10_000)
        await until(
            page,
            "document.querySelectorAll('img.msg-image')[6].naturalWidth > 0")
        await until(page, AT_BOTTOM)
        await expect(chip).to_be_hidden()
        await browser.close()
    assert problems == []


async def test_image_opens_full_size_and_closes(server: Server, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright, expect

    await server.say("p12", "the broken lamp", image=png(1000, 700, (220, 80, 40)))
    problems: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = await _signed_in(browser, server, (390, 844), "p12", problems)
        thumb = page.locator(".msg.bot img.msg-image")
        await expect(thumb).to_be_visible()
        await until(page, "document.querySelector('img.msg-image').naturalWidth > 0")
        small = await thumb.bounding_box()
        lightbox = page.locator('[data-testid="lightbox"]')
        await expect(lightbox).to_be_hidden()

        await thumb.click()
        await expect(lightbox).to_be_visible()
        full = page.locator('[data-testid="lightbox-image"]')
        await until(
            page,
            "document.getElementById('lightbox-image').naturalWidth === 1000")
        big = await full.bounding_box()
        assert big["width"] > small["width"] and big["width"] >= 390 - 2 * 16 - 1
        assert await full.get_attribute("alt") == "Image from Houqin"
        await page.screenshot(path=str(tmp_path / "lightbox-390.png"))
        await page.keyboard.press("Escape")
        await expect(lightbox).to_be_hidden()

        # a click anywhere closes it too; the keyboard opens it (Enter on the focused image)
        await thumb.click()
        await expect(lightbox).to_be_visible()
        await full.click()
        await expect(lightbox).to_be_hidden()
        await thumb.focus()
        await page.keyboard.press("Enter")
        await expect(lightbox).to_be_visible()
        await page.locator('[data-testid="lightbox-close"]').click()
        await expect(lightbox).to_be_hidden()

        # the user's own photo is a thumbnail that opens full size as well
        photo = tmp_path / "tap.png"
        photo.write_bytes(png(800, 600, (30, 60, 200)))
        await page.locator("#photo-input").set_input_files(str(photo))
        mine = page.locator(".msg.user img.msg-image")
        await expect(mine).to_be_visible()
        assert await mine.get_attribute("alt") == "tap.png"
        await mine.click()
        await expect(lightbox).to_be_visible()
        await until(
            page,
            "document.getElementById('lightbox-image').naturalWidth === 800")
        await page.keyboard.press("Escape")
        await expect(lightbox).to_be_hidden()
        await browser.close()
    assert problems == []


async def test_phone_numbers_are_tel_links_built_as_text(server: Server) -> None:
    from playwright.async_api import async_playwright, expect

    await server.say("p12", MESSAGE_WITH_PHONES)
    problems: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = await _signed_in(browser, server, (390, 844), "p12", problems)
        text = page.locator(".msg.bot .msg-text")
        await expect(text).to_contain_text("Duty desk 138 0013 8000")
        links = text.locator("a")
        hrefs = await links.evaluate_all("(as) => as.map((a) => [a.textContent, a.href])")
        assert hrefs == [["138 0013 8000", "tel:13800138000"],
                         ["010-62751234", "tel:01062751234"],
                         ["+86 139-0000-0101", "tel:+8613900000101"]]
        # the text is unchanged, the markup in it stays text, the ticket number is no phone
        await expect(text).to_have_text(MESSAGE_WITH_PHONES)
        assert await page.locator('.msg a[href^="javascript"]').count() == 0
        await browser.close()
    assert problems == []


async def test_long_name_in_the_header_at_390px(server: Server, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright, expect

    problems: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = await _signed_in(browser, server, (390, 844), "p40", problems)
        name = page.locator("#current-name")
        await expect(name).to_have_text(LONG_NAME)
        await expect(name).to_have_attribute("title", LONG_NAME)
        fit = await name.evaluate(
            "(n) => ({sw: n.scrollWidth, cw: n.clientWidth, cut: getComputedStyle(n).textOverflow,"
            " right: n.getBoundingClientRect().right})")
        assert fit["sw"] <= fit["cw"] or fit["cut"] == "ellipsis"
        assert fit["cw"] >= 80 and fit["right"] <= 390  # readable, and inside the window
        # the header stays usable: every control in it is inside the window and clickable
        for testid in ("sign-out", "lang-toggle"):
            box = await page.locator(f'[data-testid="{testid}"]').bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, testid
        assert await page.evaluate("document.scrollingElement.scrollWidth") <= 390
        await page.screenshot(path=str(tmp_path / "long-name-390.png"))
        await browser.close()
    assert problems == []
