"""The installable web chat in a real headless Chromium: the manifest is valid and
installable, the service worker registers for the root scope and shows a pushed notification
(delivered through the DevTools protocol, since headless Chromium has no push service)."""

from __future__ import annotations

import json

import pytest

from bot.app import HouqinApp
from bot.core.webpush import encode_notification, notification
from models.webpush import WebPushSubscription
from tests.support import make_settings, seed_small_campus
from tests.test_e2e_telegram import free_port
from tests.test_webchat_browser import CHROMIUM, CHROMIUM_ARGS, signed_out_401

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")


@pytest.fixture
async def web_app(tmp_path):
    """The demo app with its web chat on a free port; the student is pickable as p<id>."""
    port = free_port()
    app = HouqinApp(make_settings(tmp_path, webchat=True, demo=True, http_port=port))
    await app.start(schema="generate")
    people = await seed_small_campus()
    student = people["student2"]  # locale en
    await app.services.people.bind(student, "web", f"p{student.id}", f"p{student.id}")
    yield f"http://127.0.0.1:{port}/", f"p{student.id}"
    await app.stop()


async def test_the_chat_installs_and_its_service_worker_shows_pushes(web_app, tmp_path):
    from playwright.async_api import async_playwright, expect

    url, user_id = web_app
    problems: list[str] = []
    async with async_playwright() as pw:
        # a profile on disk: an incognito context is never installable
        context = await pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
            locale="en-US",
        )
        page = context.pages[0] if context.pages else await context.new_page()
        page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
        page.on("console", lambda msg: problems.append(f"console: {msg.text}")
                if msg.type == "error" and not signed_out_401(msg.text) else None)
        cdp = await context.new_cdp_session(page)
        registrations: list[dict] = []
        cdp.on("ServiceWorker.workerRegistrationUpdated",
               lambda event: registrations.extend(event["registrations"]))
        await cdp.send("ServiceWorker.enable")
        await page.goto(url)
        await page.locator(f'[data-testid="person-{user_id}"]').click()

        ready = await page.evaluate(
            "navigator.serviceWorker.ready.then(r => ({scope: r.scope,"
            " script: r.active && r.active.scriptURL}))"
        )
        assert ready == {"scope": url, "script": url + "sw.js"}
        manifest = await cdp.send("Page.getAppManifest")
        assert manifest["url"] == url + "manifest.webmanifest"
        assert manifest["errors"] == [], manifest["errors"]
        assert json.loads(manifest["data"])["name"] == "后勤 Houqin"
        installable = await cdp.send("Page.getInstallabilityErrors")
        assert installable["installabilityErrors"] == [], installable

        button = page.locator('[data-testid="push-toggle"]')
        await expect(button).to_be_visible()
        await expect(button).to_have_text("Turn on notifications")
        await page.locator("#lang-toggle").click()
        await expect(button).to_have_text("开启通知")

        # a push as the push service would deliver it: the worker shows it, urgent ones stay
        await context.grant_permissions(["notifications"], origin=url.rstrip("/"))
        [reg_id] = {r["registrationId"] for r in registrations
                    if r["scopeURL"] == url and not r["isDeleted"]}
        note = notification("后勤 Houqin", "Emergency: water off in Building 3\nGo now.",
                            urgent=True)
        await cdp.send("ServiceWorker.deliverPushMessage", {
            "origin": url.rstrip("/"), "registrationId": reg_id,
            "data": encode_notification(note),
        })
        shown = await page.evaluate("""async () => {
            const reg = await navigator.serviceWorker.ready;
            for (let i = 0; i < 100; i++) {
                const found = await reg.getNotifications();
                if (found.length) return found.map(n => ({title: n.title, body: n.body,
                    tag: n.tag, requireInteraction: n.requireInteraction}));
                await new Promise(r => setTimeout(r, 50));
            }
            return [];
        }""")
        assert shown == [{"title": "后勤 Houqin",
                          "body": "Emergency: water off in Building 3\nGo now.",
                          "tag": "houqin-alert", "requireInteraction": True}]

        # the button with permission granted: headless Chromium has no push service, so the
        # subscription never comes; the page gives up, says so in its language, stores nothing
        await button.click()
        await expect(page.locator("#toast")).to_have_text("无法开启通知，请重试。", timeout=30_000)
        await expect(button).to_have_text("开启通知")
        await context.close()
    assert problems == []
    assert await WebPushSubscription.all().count() == 0
