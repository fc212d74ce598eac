"""The sign-in page's chat code and Telegram widget in a real headless Chromium: the code sent to
the member's WeCom chat (fake WeCom API) signs in; the widget script loads under the page's CSP
from telegram.org (served by the test) and its redirect to data-auth-url signs in."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from bot.app import HouqinApp
from tests.e2e_support import tg_settings
from tests.fakes.fake_wecom_api import FakeWeComApi
from tests.fakes.fake_wecom_callbacks import AGENT_ID, CORP_ID
from tests.test_e2e_telegram import free_port
from tests.test_e2e_wecom import wecom_settings
from tests.test_web_signin_methods import sent_code, widget_data
from tests.test_webchat_browser import CHROMIUM, CHROMIUM_ARGS, signed_out_401

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")


def watch(page, problems: list[str]) -> None:
    """Collect page errors and console errors (but the signed-out 401s and refused codes)."""
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("console", lambda msg: problems.append(msg.text)
            if msg.type == "error" and not signed_out_401(msg.text)
            and "status of 401" not in msg.text else None)


async def test_sign_in_with_a_code_sent_to_my_wecom_chat(tmp_path):
    from playwright.async_api import async_playwright, expect

    api = FakeWeComApi(corp_id=CORP_ID, agent_id=AGENT_ID)
    await api.start()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = HouqinApp(wecom_settings(tmp_path, api, port, webchat=True, public_url=base))
    await app.start(schema="generate")
    problems: list[str] = []
    try:
        person = await app.services.people.create("Zhou Ba", ["reporter"], phone="13900000201")
        await app.services.people.bind(person, "wecom", "zhouba", "zhouba")
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = await (await browser.new_context(locale="en-US")).new_page()
            watch(page, problems)
            await page.goto(base + "/")
            form = page.locator('[data-testid="chat-code-form"]')
            await expect(form).to_be_visible()
            await expect(form.locator("h2")).to_have_text("Sign in with my chat")
            await expect(page.locator('[data-testid="wecom-sign-in"]')).to_be_hidden()
            await page.locator('[data-testid="chat-login"]').fill("13900000201")
            await page.locator('[data-testid="chat-code-request"]').click()
            await expect(page.locator('[data-testid="chat-code-status"]')).to_contain_text(
                "6-digit code")
            await sent_code(api, "zhouba")
            # the answers follow the page's language toggle, not only the browser's
            await page.locator('[data-testid="lang-toggle"]').click()
            await expect(form.locator("h2")).to_have_text("用聊天登录")
            await page.locator('[data-testid="chat-code-request"]').click()
            await expect(page.locator('[data-testid="chat-code-status"]')).to_contain_text(
                "6 位验证码")
            code = await sent_code(api, "zhouba", count=2)  # the newest one counts
            await page.locator('[data-testid="chat-code"]').fill("000000" if code != "000000"
                                                                 else "111111")
            await page.locator('[data-testid="chat-code-submit"]').click()
            await expect(page.locator('[data-testid="chat-code-status"]')).to_contain_text(
                "验证码不正确")
            await page.locator('[data-testid="chat-code"]').fill(code)
            await page.locator('[data-testid="chat-code-submit"]').click()
            await expect(page.locator("#current-name")).to_have_text("Zhou Ba")
            await browser.close()
    finally:
        await app.stop()
        await api.stop()
    assert problems == []


async def test_telegram_widget_loads_under_the_csp_and_signs_in(tmp_path, api):
    from playwright.async_api import async_playwright, expect

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = HouqinApp(tg_settings(tmp_path, api, webchat=True, http_port=port, public_url=base,
                                telegram_bot_username="houqin_test_bot"))
    await app.start(schema="generate")
    problems: list[str] = []
    loaded: list[str] = []
    try:
        person = await app.services.people.create("Wu Jiu", ["reporter"])
        await app.services.people.bind(person, "telegram", "888001", "888001")
        signed = urlencode(widget_data(888001))
        # what telegram-widget.js does after the user confirms: go to data-auth-url with the data
        fake_widget = (
            "(() => { const s = document.currentScript;"
            f" const bot = s.getAttribute('data-telegram-login'); const q = {json.dumps(signed)};"
            " const b = document.createElement('button'); b.id = 'tg-fake';"
            " b.textContent = 'Log in as ' + bot;"
            " b.onclick = () => location.assign(s.getAttribute('data-auth-url') + '?' + q);"
            " s.after(b); })();"
        )

        async def serve_widget(route):
            loaded.append(route.request.url)
            await route.fulfill(status=200, content_type="text/javascript", body=fake_widget)

        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            context = await browser.new_context(locale="en-US")
            await context.route("https://telegram.org/**", serve_widget)
            page = await context.new_page()
            watch(page, problems)
            await page.goto(base + "/")
            await expect(page.locator('[data-testid="telegram-widget"]')).to_be_visible()
            await expect(page.locator("#tg-fake")).to_have_text("Log in as houqin_test_bot")
            await page.locator("#tg-fake").click()
            await expect(page.locator("#current-name")).to_have_text("Wu Jiu")
            await browser.close()
    finally:
        await app.stop()
    assert loaded and loaded[0].startswith("https://telegram.org/js/telegram-widget.js")
    assert problems == []
