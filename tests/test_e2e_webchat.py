"""End to end in a real headless Chromium: the whole app's web chat, a report filed with a photo."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from bot.app import HouqinApp
from models.repairs import Attachment, Ticket
from tests.support import make_settings, png_bytes, seed_small_campus
from tests.test_e2e_telegram import free_port
from tests.test_webchat_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")


@pytest.fixture
async def web_app(tmp_path):
    """The app with its web chat on a free port; the student is pickable as p<id>."""
    port = free_port()
    app = HouqinApp(make_settings(tmp_path, webchat=True, demo=True, http_port=port))
    await app.start(schema="generate")
    people = await seed_small_campus()
    student = people["student"]
    await app.services.people.bind(student, "web", f"p{student.id}", f"p{student.id}")
    yield app, f"http://127.0.0.1:{port}/", f"p{student.id}"
    await app.stop()


async def test_file_a_report_in_the_browser(web_app, tmp_path):
    from playwright.async_api import async_playwright, expect

    _app, url, user_id = web_app
    photo = tmp_path / "leak.png"
    photo.write_bytes(png_bytes(width=64, height=48, seed=7))
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 1100, "height": 760}, locale="zh-CN")
        await page.goto(url)
        await page.locator(f'[data-testid="person-{user_id}"]').click()
        bot = page.locator(".msg.bot")
        await page.locator("#message-input").fill("3号楼402 水龙头漏水")
        await page.locator("#photo-input").set_input_files(str(photo))
        await expect(bot.last.locator(".msg-text")).to_contain_text("请确认", timeout=10_000)
        await expect(bot.last.locator(".msg-text")).to_contain_text("照片：1 张")
        await page.locator(".msg.bot button", has_text="提交").last.click()
        await expect(bot.last.locator(".msg-text")).to_contain_text("已提交", timeout=10_000)
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / "webchat-report.png"
        await page.screenshot(path=str(shot))
        await browser.close()
    with Image.open(shot) as image:
        assert image.size == (1100, 760)
        assert len(image.getcolors(1 << 20) or []) > 50  # a rendered page, not a blank one
    ticket = await Ticket.get()
    assert ticket.description == "水龙头漏水"
    stored = await Attachment.get(ticket_id=ticket.id)
    assert Path(stored.path).read_bytes() == photo.read_bytes()
