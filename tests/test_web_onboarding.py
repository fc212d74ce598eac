"""Self-verification in the web chat over real HTTP (the whole app on 127.0.0.1): a signed-in
web account that no person is bound to goes through the same flow, keeping its first photo;
a walk-in registered on the page moves to their roster entry with /verify."""

from __future__ import annotations

import asyncio
import itertools

import aiohttp

from models.people import Identity, Person
from models.repairs import Attachment, Ticket
from tests.support import png_bytes, seed_small_campus
from tests.test_web_sign_in import Browser, invite, link_sign_in, site

__all__ = ["site"]  # the fixture, used by name below
_ids = itertools.count(1)


async def send(browser: Browser, text: str | None = None, photo: bytes | None = None,
               callback: str | None = None) -> None:
    """Send a message (a caption with a photo) or press a button, as the page does."""
    client_id = f"c{next(_ids)}"
    if photo is None:  # text and button presses are JSON, files a form
        body = {"client_id": client_id, "text": text, "callback": callback}
        sent = await browser.post("/api/web/send", {k: v for k, v in body.items() if v})
    else:
        form = aiohttp.FormData()
        form.add_field("client_id", client_id)
        if text:
            form.add_field("caption", text)
        form.add_field("photo", photo, filename="p.png", content_type="image/png")
        sent = await browser.post("/api/web/send", data=form)
    assert sent.status == 202, await sent.text()


async def expect(browser: Browser, needle: str, seen: set[int]) -> dict:
    """Wait for a new bot message containing `needle`."""
    for _ in range(100):
        data = await (await browser.get("/api/web/messages", params={"wait": "0"})).json()
        for msg in data["messages"]:
            if msg["from"] == "bot" and msg["id"] not in seen and needle in (msg["text"] or ""):
                seen.add(msg["id"])
                return msg
        await asyncio.sleep(0.1)
    raise AssertionError(f"no bot message with {needle!r}")


async def test_an_unbound_web_account_verifies_and_keeps_its_first_photo(site):
    app, browser = site
    await seed_small_campus()
    walk_in = await invite(app, "访客", "13900000051", "reporter")
    student = await Person.create(name="王五", roles=["reporter"], external_id="2024999")
    page, seen = browser(), set()
    await link_sign_in(page, walk_in.link_path)
    await app.services.verification.unbind(walk_in.person.id, "web")  # the account is unbound
    photo = png_bytes(seed=61)
    await send(page, "3号楼402 水龙头漏水", photo)
    await expect(page, "请问您的姓名", seen)
    await send(page, "王五")
    await expect(page, "学号或工号", seen)
    await send(page, "2024999")
    await expect(page, "欢迎，王五", seen)
    card = await expect(page, "请确认", seen)
    assert "照片：1 张" in card["text"]
    submit = next(b for row in card["buttons"] for b in row if "提交" in b["label"])
    await send(page, callback=submit["payload"])
    await expect(page, "已提交", seen)
    ticket = await Ticket.get().prefetch_related("reporter")
    assert ticket.reporter.id == student.id
    assert await Attachment.filter(ticket_id=ticket.id).count() == 1


async def test_a_walk_in_registered_on_the_page_moves_to_the_roster_entry(site):
    _app, browser = site
    student = await Person.create(name="王五", roles=["reporter"], external_id="2024999")
    page, seen = browser(), set()
    ok = await page.post("/api/web/auth/register",
                         {"name": "王五", "phone": "13900000052", "password": "12345678"})
    assert ok.status == 200
    walk_in = await Person.get(phone="13900000052")
    await send(page, "/verify 2024999 王六")
    await expect(page, "还可尝试 4 次", seen)
    await send(page, "/verify 2024999 王五")
    await expect(page, "欢迎，王五", seen)
    ident = await Identity.get(platform="web", user_id=f"p{walk_in.id}")
    assert ident.person_id == student.id
