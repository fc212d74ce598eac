"""Production web sign-in in a real headless Chromium: a one-time link, a password set after
it, sign out, sign in with the password, only one's own tickets; no session, no API."""

from __future__ import annotations

import pytest

from bot.app import HouqinApp
from models.places import Place
from tests.support import make_settings
from tests.test_e2e_telegram import free_port
from tests.test_webchat_browser import CHROMIUM, CHROMIUM_ARGS, signed_out_401

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")
API_PATHS = ("/api/web/me", "/api/web/messages", "/api/web/files/x", "/api/web/people")


@pytest.fixture
async def live(tmp_path):
    """The production app (no demo) with its web chat on a free port, two reporters with a
    ticket each."""
    port = free_port()
    app = HouqinApp(make_settings(tmp_path, webchat=True, http_port=port))
    await app.start(schema="generate")
    room = await Place.create(code="3-402", kind="room", name_zh="3号楼402",
                              name_en="Building 3 room 402")
    invitations = app.services.invitations
    mine = await invitations.invite(None, "Zhao Liu", "13900000101", "reporter")
    theirs = await invitations.invite(None, "Qian Qi", "13900000102", "reporter")
    own = await app.services.repairs.create(mine.person, room, "plumbing", "my tap drips")
    other = await app.services.repairs.create(theirs.person, room, "electrical", "their lamp")
    yield app, f"http://127.0.0.1:{port}", mine, own.number, other.number
    await app.stop()


async def test_link_password_sign_out_and_own_tickets(live):
    from playwright.async_api import async_playwright, expect

    _app, base, invitation, own_number, other_number = live
    problems: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = await browser.new_context(locale="en-US")
        page = await context.new_page()
        page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
        page.on("console", lambda msg: problems.append(msg.text)
                if msg.type == "error" and not signed_out_401(msg.text)
                and "status of 410" not in msg.text else None)  # the used link's page

        # the one-time link: a page with a button, then the chat with the set-password offer
        await page.goto(base + invitation.link_path)
        await page.locator('[data-testid="link-confirm"]').click()
        await expect(page.locator("#current-name")).to_have_text("Zhao Liu")
        assert "welcome" not in page.url
        offer = page.locator('[data-testid="set-password"]')
        await expect(offer).to_be_visible()
        await page.locator('[data-testid="new-password"]').fill("a good password")
        await page.locator('[data-testid="set-password-submit"]').click()
        await expect(offer).to_be_hidden()

        # sign out: the sign-in page; the link does not work a second time
        await page.locator('[data-testid="sign-out"]').click()
        await expect(page.locator('[data-testid="signin"]')).to_be_visible()
        await expect(page.locator('[data-testid="register-name"]')).to_be_visible()  # open
        await page.goto(base + invitation.link_path)
        await page.locator('[data-testid="link-confirm"]').click()
        await expect(page.locator('[data-testid="page-message"]')).to_contain_text(
            "already been used")

        # the password: a wrong one is refused on the page, the right one signs in
        await page.goto(base + "/")
        await page.locator('[data-testid="login-input"]').fill("13900000101")
        await page.locator('[data-testid="password-input"]').fill("not my password")
        await page.locator('[data-testid="password-submit"]').click()
        await expect(page.locator('[data-testid="signin-error"]')).to_have_text(
            "Wrong account or password.")
        await page.locator('[data-testid="password-input"]').fill("a good password")
        await page.locator('[data-testid="password-submit"]').click()
        await expect(page.locator("#current-name")).to_have_text("Zhao Liu")
        await expect(page.locator('[data-testid="set-password"]')).to_be_hidden()

        # /my lists only the person's own ticket
        await page.locator("#message-input").fill("/my")
        await page.locator("#message-input").press("Enter")
        bot = page.locator(".msg.bot")
        await expect(bot.last).to_contain_text(own_number, timeout=10_000)
        assert other_number not in await bot.last.inner_text()

        # a second browser without a session: the sign-in page and 401 from every API
        stranger = await (await browser.new_context(locale="en-US")).new_page()
        await stranger.goto(base + "/")
        await expect(stranger.locator('[data-testid="signin"]')).to_be_visible()
        await expect(stranger.locator("#chat")).to_be_hidden()
        for path in API_PATHS:
            status = await stranger.evaluate(f"fetch('{path}').then((r) => r.status)")
            assert status == (404 if path.endswith("people") else 401), path
        status = await stranger.evaluate(
            "fetch('/api/web/send', {method: 'POST', headers: {'Content-Type': "
            "'application/json'}, body: JSON.stringify({text: '/my'})}).then((r) => r.status)")
        assert status == 401
        await browser.close()
    assert problems == []
