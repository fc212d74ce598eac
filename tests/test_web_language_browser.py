"""The production app (real database, real sign-in) in headless Chromium, issue 18 web parts:
one language per person (the page's toggle is `/lang`, `/lang` turns the page frame), the
header names a newly registered person at once, a ticket's photo shown on request opens full
size."""

from __future__ import annotations

import aiohttp
import pytest

from bot.app import HouqinApp
from models.people import Person
from tests.support import make_settings
from tests.test_e2e_telegram import free_port
from tests.test_webchat_browser import CHROMIUM, CHROMIUM_ARGS, signed_out_401

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")
NAME = "Sun Xiaomei"
PHONE = "13900000177"
SET_LOCALE = (
    "(body) => fetch('/api/web/me/locale', {method: 'POST', headers: {'Content-Type': "
    "'application/json'}, body: JSON.stringify(body)})"
    ".then(async (r) => [r.status, await r.json()])"
)


@pytest.fixture
async def live(tmp_path):
    """The production app (open registration) with its web chat on a free port."""
    port = free_port()
    app = HouqinApp(make_settings(tmp_path, webchat=True, http_port=port, open_reporting=True))
    await app.start(schema="generate")
    yield app, f"http://127.0.0.1:{port}"
    await app.stop()


async def test_toggle_is_lang_and_lang_turns_the_page(live, tmp_path) -> None:
    from playwright.async_api import async_playwright, expect

    app, base = live
    t = app.translator
    problems: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = await browser.new_context(viewport={"width": 390, "height": 844},
                                            locale="zh-CN")
        page = await context.new_page()
        page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
        page.on("console", lambda msg: problems.append(msg.text)
                if msg.type == "error" and not signed_out_401(msg.text) else None)
        await page.goto(base + "/")

        # before sign-in the toggle changes the page only (there is nobody to save it for)
        await expect(page.locator('[data-testid="register-submit"]')).to_have_text(
            t("zh_CN", "webchat.register_button"))
        await page.locator("#lang-toggle").click()
        await expect(page.locator('[data-testid="register-submit"]')).to_have_text("Register")
        await page.locator("#lang-toggle").click()
        await expect(page.locator('[data-testid="register-submit"]')).to_have_text(
            t("zh_CN", "webchat.register_button"))

        # registering: the header names the person at once, never "访客"/"Visitor"
        await page.locator('[data-testid="register-name"]').fill(NAME)
        await page.locator('[data-testid="register-phone"]').fill(PHONE)
        await page.locator('[data-testid="register-password"]').fill("a good password")
        await page.locator('[data-testid="register-submit"]').click()
        name = page.locator("#current-name")
        await expect(name).to_have_text(NAME)
        header = await page.locator("header").inner_text()
        assert "访客" not in header and "Visitor" not in header
        person = await Person.get(name=NAME)
        assert person.locale == "zh_CN"
        await expect(page.locator("#send-button")).to_have_text("发送")

        # the toggle on the page is the person's setting: the next bot reply is English
        await page.locator("#lang-toggle").click()
        await expect(page.locator("#send-button")).to_have_text("Send")
        await expect(page.locator("#message-input")).to_have_attribute(
            "placeholder", "Type a message")
        assert (await Person.get(id=person.id)).locale == "en"
        await page.locator("#message-input").fill("/lang")
        await page.locator("#message-input").press("Enter")
        bot = page.locator(".msg.bot")
        await expect(bot.last).to_contain_text(t("en", "lang.choose"), timeout=10_000)
        assert await page.evaluate("document.documentElement.lang") == "en"
        await page.screenshot(path=str(tmp_path / "lang-en-390.png"))

        # `/lang zh` in the chat turns the page frame Chinese (learned from the poll)
        replies = await bot.count()
        await page.locator("#message-input").fill("/lang zh")
        await page.locator("#message-input").press("Enter")
        await expect(bot.nth(replies)).to_contain_text(t("zh_CN", "lang.set"), timeout=10_000)
        await expect(page.locator("#send-button")).to_have_text("发送", timeout=10_000)
        await expect(page.locator("#message-input")).to_have_attribute(
            "placeholder", t("zh_CN", "webchat.message_placeholder"))
        await expect(page.locator("#lang-toggle")).to_have_text("English")
        assert await page.evaluate("document.documentElement.lang") == "zh-CN"
        assert (await Person.get(id=person.id)).locale == "zh_CN"
        await page.screenshot(path=str(tmp_path / "lang-zh-390.png"))

        # a reload keeps the person's language even when this browser remembered another
        await page.evaluate("localStorage.setItem('houqin.webchat.locale', 'en')")
        await page.reload()
        await expect(name).to_have_text(NAME)
        await expect(page.locator("#send-button")).to_have_text("发送")

        assert problems == []

        # the endpoint: a known locale only, for the session's person only
        status, body = await page.evaluate(SET_LOCALE, {"locale": "fr"})
        assert status == 400 and body["error"] == "bad_locale"
        other = await Person.create(name="Someone Else", locale="zh_CN")
        status, body = await page.evaluate(SET_LOCALE, {"locale": "en", "person_id": other.id})
        assert status == 200 and body == {"locale": "en"}
        assert (await Person.get(id=other.id)).locale == "zh_CN"  # a body names nobody
        assert (await Person.get(id=person.id)).locale == "en"

        # without a session: 401, nothing saved
        stranger = await (await browser.new_context()).new_page()
        await stranger.goto(base + "/")
        status, _ = await stranger.evaluate(SET_LOCALE, {"locale": "zh_CN"})
        assert status == 401
        assert (await Person.get(id=person.id)).locale == "en"
        jar = "; ".join(f"{c['name']}={c['value']}" for c in await context.cookies())
        await browser.close()
    assert all("status of 400" in p for p in problems), problems  # only the refused "fr"

    # a cross-site page cannot change it with the person's cookie (the origin check)
    async with aiohttp.ClientSession() as http:
        async with http.post(base + "/api/web/me/locale", json={"locale": "zh_CN"},
                             headers={"Origin": "https://evil.example", "Cookie": jar}) as res:
            assert res.status == 403
        async with http.get(base + "/api/web/me", headers={"Cookie": jar}) as res:
            assert res.status == 200 and (await res.json())["locale"] == "en"  # a live session
    assert (await Person.get(id=person.id)).locale == "en"


async def test_ticket_photos_shown_on_request_as_one_album(live, tmp_path) -> None:
    """/my → the ticket → "Show photos": the two stored photos arrive as thumbnails of one
    message in the web chat (issue 18 item 2, web), each opening full size."""
    import hashlib
    import io

    from PIL import Image
    from playwright.async_api import async_playwright, expect

    from models.places import Place
    from models.repairs import Attachment

    app, base = live
    room = await Place.create(code="3-402", kind="room", name_zh="3号楼402",
                              name_en="Building 3 room 402")
    invitation = await app.services.invitations.invite(None, "Zhao Liu", "13900000101",
                                                       "reporter")
    person = invitation.person
    person.locale = "en"
    await person.save(update_fields=["locale"])
    ticket = await app.services.repairs.create(person, room, "plumbing", "my tap drips")
    for name, size in (("tap.jpg", (1024, 768)), ("sink.jpg", (800, 600))):
        out = io.BytesIO()
        Image.new("RGB", size, (200, 40, 40)).save(out, format="JPEG")
        path = tmp_path / name
        path.write_bytes(out.getvalue())
        await Attachment.create(ticket=ticket, owner=person, kind="photo", path=str(path),
                                sha256=hashlib.sha256(out.getvalue()).hexdigest(),
                                size=len(out.getvalue()), mime="image/jpeg")
    problems: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = await browser.new_context(viewport={"width": 390, "height": 844},
                                            locale="en-US")
        page = await context.new_page()
        page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
        page.on("console", lambda msg: problems.append(msg.text)
                if msg.type == "error" and not signed_out_401(msg.text) else None)
        await page.goto(base + invitation.link_path)
        await page.locator('[data-testid="link-confirm"]').click()
        await expect(page.locator("#current-name")).to_have_text("Zhao Liu")
        await page.locator("#message-input").fill("/my")
        await page.locator("#message-input").press("Enter")
        await page.locator(".msg.bot button", has_text=ticket.number).last.click(timeout=10_000)
        show = app.translator("en", "tickets.btn_media", count=2)
        await page.locator(".msg.bot button", has_text=show).last.click(timeout=10_000)
        album = page.locator(".msg.bot .msg-gallery").last  # both photos in one message
        await expect(album.locator("img.msg-image")).to_have_count(2, timeout=10_000)
        await expect(album.locator("xpath=..")).to_contain_text(f"{ticket.number} (1–2/2)")
        widths = "(all) => all.map((i) => i.complete ? i.naturalWidth : 0)"
        for _ in range(100):
            if all(await album.locator("img.msg-image").evaluate_all(widths)):
                break
            await page.wait_for_timeout(50)
        assert await album.locator("img.msg-image").evaluate_all(widths) == [1024, 800]
        thumb = album.locator("img.msg-image").first
        await thumb.click()
        full = page.locator('[data-testid="lightbox-image"]')
        await expect(full).to_be_visible()
        assert await full.evaluate("(i) => i.naturalWidth") == 1024
        assert (await full.bounding_box())["width"] > (await thumb.bounding_box())["width"]
        await page.screenshot(path=str(tmp_path / "ticket-photo-390.png"))
        await page.keyboard.press("Escape")
        await expect(full).to_be_hidden()
        await browser.close()
    assert problems == []
