"""Web sign-in over real HTTP (the whole app on 127.0.0.1, real SQLite): links, codes,
passwords, registration, sign-out, and the attacks of the review (issue 13)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from bot.app import HouqinApp
from bot.core.errors import PermissionDenied, ServiceError
from models.people import Identity, Person
from models.web_auth import AttemptCounter, SignInLink, WebSession
from tests.support import make_settings, png_bytes
from tests.test_e2e_telegram import free_port


class Browser:
    """One browser: its own cookie jar, same-origin headers on every POST."""

    def __init__(self, base: str):
        self.base = base
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))

    async def post(self, path: str, payload=None, *, origin: str | None = None, **kw):
        """POST JSON from the page's own origin (unless `origin` says otherwise)."""
        headers = {"Origin": origin or self.base, **kw.pop("headers", {})}
        if payload is not None:
            kw["json"] = payload
        return await self.http.post(self.base + path, headers=headers, **kw)

    async def get(self, path: str, **kw):
        """GET a path."""
        return await self.http.get(self.base + path, **kw)

    async def close(self) -> None:
        """Close the client."""
        await self.http.close()


@pytest.fixture
async def site(tmp_path):
    """The production app (no demo) with its web chat on a free port."""
    port = free_port()
    app = HouqinApp(make_settings(tmp_path, webchat=True, http_port=port, open_reporting=True))
    await app.start(schema="generate")
    browsers: list[Browser] = []

    def browser() -> Browser:
        b = Browser(f"http://127.0.0.1:{port}")
        browsers.append(b)
        return b

    yield app, browser
    for b in browsers:
        await b.close()
    await app.stop()


async def invite(app: HouqinApp, name: str, phone: str, role: str = "manager"):
    """`admin add` without the subprocess: the invitation of the command line."""
    return await app.services.invitations.invite(None, name, phone, role)


async def link_sign_in(browser: Browser, path: str) -> aiohttp.ClientResponse:
    """Open a sign-in link and press its button."""
    page = await browser.get(path)
    assert page.status == 200 and 'method="post"' in await page.text()
    return await browser.post(path, allow_redirects=False,
                              headers={"Content-Type": "application/x-www-form-urlencoded"})


async def test_link_signs_in_once_then_password_and_sign_out(site):
    app, browser = site
    inv = await invite(app, "Ann Admin", "13900000001", "admin")
    ann = browser()
    assert (await ann.get("/api/web/me")).status == 401
    resp = await link_sign_in(ann, inv.link_path)
    assert resp.status == 303 and resp.headers["Location"] == "/?welcome=1"
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # no https public URL here
    me = await (await ann.get("/api/web/me")).json()
    assert me["name"] == "Ann Admin" and me["has_password"] is False
    assert await Identity.filter(person_id=me["person_id"], platform="web",
                                 user_id=f"p{me['person_id']}").exists()
    session = await WebSession.get(person_id=me["person_id"])
    assert session.method == "link" and session.ip == "127.0.0.1"

    other = browser()  # the link works once
    reused = await other.post(inv.link_path, allow_redirects=False, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "en"})
    assert reused.status == 410 and "already been used" in await reused.text()
    assert "Set-Cookie" not in reused.headers
    reused_zh = await other.post(inv.link_path, allow_redirects=False, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "zh-CN"})
    assert reused_zh.status == 410 and "已被使用" in await reused_zh.text()
    forged = await other.post("/auth/link/forged-token", allow_redirects=False, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "en"})
    assert forged.status == 404 and "not valid" in await forged.text()
    assert (await other.get("/api/web/me")).status == 401

    short = await ann.post("/api/web/auth/set-password", {"password": "short"},
                           headers={"Accept-Language": "en"})
    assert short.status == 400 and "at least 8" in (await short.json())["message"]
    assert (await ann.post("/api/web/auth/set-password", {"password": "correct horse"})).ok
    assert (await ann.post("/api/web/auth/logout", {})).ok
    assert (await ann.get("/api/web/me")).status == 401

    wrong = await ann.post("/api/web/auth/password",
                           {"login": "13900000001", "password": "wrong horse"})
    assert wrong.status == 401
    ok = await ann.post("/api/web/auth/password",
                        {"login": "139 0000 0001", "password": "correct horse"})
    assert ok.status == 200, await ok.text()
    assert (await (await ann.get("/api/web/me")).json())["has_password"] is True

    second = browser()
    assert (await second.post("/api/web/auth/password",
                              {"login": "13900000001", "password": "correct horse"})).ok
    assert (await ann.post("/api/web/auth/logout-all", {})).ok
    assert (await ann.get("/api/web/me")).status == 401
    assert (await second.get("/api/web/me")).status == 401  # signed out everywhere


async def test_expired_link_and_typed_code(site):
    app, browser = site
    inv = await invite(app, "Bo", "13900000002")
    await SignInLink.all().update(expires_at=datetime.now(UTC) - timedelta(minutes=1))
    bo = browser()
    expired = await bo.post(inv.link_path, allow_redirects=False, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "en"})
    assert expired.status == 410 and "expired" in await expired.text()
    bad = await bo.post("/api/web/auth/code", {"code": "NOPE1234"},
                        headers={"Accept-Language": "en"})
    assert bad.status == 400 and "not valid" in (await bad.json())["message"]
    ok = await bo.post("/api/web/auth/code", {"code": inv.code.lower()})
    assert ok.status == 200 and (await ok.json())["redirect"] == "/?welcome=1"
    assert (await (await bo.get("/api/web/me")).json())["name"] == "Bo"
    again = await browser().post("/api/web/auth/code", {"code": inv.code})
    assert again.status == 400  # used up
    guesser = browser()  # codes are short: guessing is limited per client IP
    statuses = [(await guesser.post("/api/web/auth/code", {"code": f"GUESS{i:03d}"})).status
                for i in range(12)]
    assert statuses.count(400) <= 10 and statuses[-1] == 429


async def test_every_api_needs_the_session_and_same_origin(site):
    app, browser = site
    anon = browser()
    assert (await anon.get("/api/web/people")).status == 404  # demo only
    page = await anon.get("/")
    assert page.status == 200 and 'data-testid="signin"' in await page.text()
    for path in ("/api/web/me", "/api/web/messages", "/api/web/files/abc"):
        assert (await anon.get(path, params={"user_id": "p1"})).status == 401, path
    assert (await anon.post("/api/web/send", {"user_id": "p1", "text": "/workers"})).status == 401
    cross = await anon.post("/api/web/send", data='{"user_id": "p1", "text": "/workers"}',
                            origin="https://evil.example", headers={"Content-Type": "text/plain"})
    assert cross.status == 403
    plain = await anon.post("/api/web/auth/password", data='{"login": "x", "password": "y"}',
                            headers={"Content-Type": "text/plain"})
    assert plain.status == 415
    no_origin = await anon.http.post(anon.base + "/api/web/auth/code", json={"code": "X"})
    assert no_origin.status == 403
    evil_referer = await anon.http.post(anon.base + "/api/web/auth/code", json={"code": "X"},
                                        headers={"Referer": "https://evil.example/x"})
    assert evil_referer.status == 403
    host = await anon.get("/api/web/me", headers={"Host": "attacker.example"})
    assert host.status == 421
    assert (await anon.get("/", headers={"Host": "attacker.example"})).status == 421

    inv = await invite(app, "Cy", "13900000003", "reporter")
    cy = browser()
    await link_sign_in(cy, inv.link_path)
    cross_signed = await cy.post("/api/web/auth/logout-all", {}, origin="https://evil.example")
    assert cross_signed.status == 403
    assert (await cy.get("/api/web/me")).status == 200  # still signed in


async def test_no_one_reads_another_persons_messages_or_media(site):
    app, browser = site
    ann_inv = await invite(app, "Ann", "13900000011", "reporter")
    bob_inv = await invite(app, "Bob", "13900000012", "reporter")
    ann, bob = browser(), browser()
    await link_sign_in(ann, ann_inv.link_path)
    await link_sign_in(bob, bob_inv.link_path)
    form = aiohttp.FormData()
    form.add_field("client_id", "c1")
    form.add_field("user_id", f"p{bob_inv.person.id}")  # ignored: who comes from the session
    form.add_field("caption", "ann's private photo")
    form.add_field("photo", png_bytes(), filename="x.png", content_type="image/png")
    sent = await ann.post("/api/web/send", data=form)
    assert sent.status == 202, await sent.text()
    own = await (await ann.get("/api/web/messages", params={"wait": "0"})).json()
    [mine] = [m for m in own["messages"] if m["from"] == "user"]
    url = mine["attachment"]["url"]
    assert "user_id" not in url
    assert (await ann.get(url)).status == 200
    assert (await bob.get(url)).status == 404
    assert (await browser().get(url)).status == 401
    theirs = await (await bob.get("/api/web/messages", params={
        "wait": "0", "user_id": f"p{ann_inv.person.id}"})).json()
    assert all("private" not in (m.get("text") or "") for m in theirs["messages"])


async def test_cookie_of_a_deleted_or_deactivated_person_is_signed_out(site):
    app, browser = site
    dee, eve = browser(), browser()
    dee_inv = await invite(app, "Dee", "13900000021", "reporter")
    eve_inv = await invite(app, "Eve", "13900000022", "reporter")
    await link_sign_in(dee, dee_inv.link_path)
    await link_sign_in(eve, eve_inv.link_path)
    await Person.filter(id=dee_inv.person.id).update(active=False)
    assert (await dee.get("/api/web/me")).status == 401
    await Person.filter(id=eve_inv.person.id).delete()
    assert (await eve.get("/api/web/me")).status == 401
    forged = browser()
    forged.http.cookie_jar.update_cookies({"houqin_session": "x" * 43})
    assert (await forged.get("/api/web/me")).status == 401


async def test_forty_parallel_wrong_passwords_record_at_most_five(site):
    app, browser = site
    inv = await invite(app, "Fay", "13900000031", "reporter")
    await app.services.web_sign_in.set_password(inv.person, "the right one")
    attacker = browser()
    results = await asyncio.gather(*(
        attacker.post("/api/web/auth/password", {"login": "13900000031", "password": f"no{i}"})
        for i in range(40)))
    statuses = [r.status for r in results]
    assert statuses.count(401) <= 5 and statuses.count(429) >= 35
    counters = {c.scope: c.count for c in await AttemptCounter.all()}
    assert counters["web_login"] <= 5 and counters["web_login_ip"] <= 5
    right = await attacker.post("/api/web/auth/password",
                                {"login": "13900000031", "password": "the right one"},
                                headers={"Accept-Language": "en"})
    assert right.status == 429 and "15 minutes" in (await right.json())["message"]
    # the account is locked for every client, and this client for every account
    sign_in = app.services.web_sign_in
    with pytest.raises(PermissionDenied):
        await sign_in.login("13900000031", "the right one", "10.0.0.9")
    with pytest.raises(PermissionDenied):  # another spelling of the same account
        await sign_in.login("139-0000-0031", "the right one", "10.0.0.10")
    other = await invite(app, "Gus", "13900000032", "reporter")
    await sign_in.set_password(other.person, "gus password")
    with pytest.raises(PermissionDenied):
        await sign_in.login("13900000032", "gus password", "127.0.0.1")
    assert (await sign_in.login("13900000032", "gus password", "10.0.0.9")).id == other.person.id


async def test_huge_login_body_is_refused_and_the_server_lives(site):
    _app, browser = site
    client = browser()
    big = b'{"login": "' + b"a" * (10 * 1024 * 1024) + b'"}'
    try:
        resp = await client.post("/api/web/auth/password", data=big,
                                 headers={"Content-Type": "application/json"})
        assert resp.status in (400, 413)
    except aiohttp.ClientError:
        pass  # the server may close the connection on a body it will not read
    nested = await client.post("/api/web/auth/password", data=b"[" * 100000 + b"]" * 100000,
                               headers={"Content-Type": "application/json"})
    assert nested.status in (400, 413)
    assert (await client.get("/healthz")).status == 200


async def test_open_registration_needs_a_password_and_a_new_phone(site):
    app, browser = site
    await invite(app, "Known", "13900000041", "reporter")
    visitor = browser()
    no_password = await visitor.post("/api/web/auth/register",
                                     {"name": "Vi", "phone": "13900000042"})
    assert no_password.status == 400
    short = await visitor.post("/api/web/auth/register",
                               {"name": "Vi", "phone": "13900000042", "password": "1234"})
    assert short.status == 400
    taken = await visitor.post("/api/web/auth/register",
                               {"name": "Mallory", "phone": "13900000041", "password": "12345678"})
    assert taken.status == 400 and (await taken.json())["error"] == "webauth.phone_taken"
    assert (await visitor.get("/api/web/me")).status == 401
    ok = await visitor.post("/api/web/auth/register",
                            {"name": "Vi", "phone": "13900000042", "password": "12345678"})
    assert ok.status == 200
    me = await (await visitor.get("/api/web/me")).json()
    assert me["name"] == "Vi" and me["roles"] == ["reporter"] and me["has_password"]


async def test_registration_closed_without_open_reporting(tmp_path):
    port = free_port()
    app = HouqinApp(make_settings(tmp_path, webchat=True, http_port=port, open_reporting=False))
    await app.start(schema="generate")
    visitor = Browser(f"http://127.0.0.1:{port}")
    try:
        me = await (await visitor.get("/api/web/me")).json()
        assert me["open_reporting"] is False
        resp = await visitor.post("/api/web/auth/register",
                                  {"name": "Vi", "phone": "13900000042", "password": "12345678"})
        assert resp.status == 403
        assert await Person.all().count() == 0
    finally:
        await visitor.close()
        await app.stop()


async def test_https_public_url_sets_a_secure_cookie_and_checks_its_host(tmp_path):
    port = free_port()
    app = HouqinApp(make_settings(tmp_path, webchat=True, http_port=port,
                                  public_url="https://houqin.example.edu"))
    await app.start(schema="generate")
    base = f"http://127.0.0.1:{port}"
    client = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    try:
        inv = await invite(app, "Hal", "13900000051")
        assert (await client.get(base + "/api/web/me")).status == 421  # not the public host
        headers = {"Host": "houqin.example.edu", "Origin": "https://houqin.example.edu",
                   "Content-Type": "application/x-www-form-urlencoded"}
        resp = await client.post(base + inv.link_path, headers=headers, allow_redirects=False)
        assert resp.status == 303 and "Secure" in resp.headers["Set-Cookie"]
        loop_origin = await client.post(base + "/api/web/auth/logout", json={}, headers={
            "Host": "houqin.example.edu", "Origin": base})
        assert loop_origin.status == 403
    finally:
        await client.close()
        await app.stop()


async def test_a_campus_behind_one_address_is_not_locked_by_good_sign_ins(site):
    app, _ = site
    sign_in = app.services.web_sign_in
    people = []
    for n in range(8):  # eight people sign in from one NAT address, one after another
        inv = await invite(app, f"N{n}", f"1390000007{n}", "reporter")
        await sign_in.set_password(inv.person, f"password {n}")
        people.append(inv.person)
    for n, person in enumerate(people):
        assert (await sign_in.login(f"1390000007{n}", f"password {n}", "10.9.9.9")).id == person.id
    for n in range(5):  # wrong passwords from that address still count
        with pytest.raises(ServiceError):
            await sign_in.login(f"1390000007{n}", "wrong password", "10.9.9.9")
    with pytest.raises(PermissionDenied):
        await sign_in.login("13900000075", "password 5", "10.9.9.9")


def test_forwarded_for_is_believed_only_from_a_trusted_proxy(tmp_path):
    from aiohttp.test_utils import make_mocked_request

    from bot.adapters.web.auth import WebAuth

    async def never(*_args):
        return None

    settings = make_settings(tmp_path, webchat=True, public_url="https://houqin.example.edu",
                             trusted_proxies="127.0.0.1,10.0.0.2")
    auth = WebAuth(settings, never, never, never, never)

    def request(peer: str, forwarded: str):
        req = make_mocked_request("POST", "/auth/password",
                                  headers={"X-Forwarded-For": forwarded})
        req._transport_peername = (peer, 5000)  # the socket's peer address
        return req

    assert auth.client_ip(request("10.0.0.2", "1.2.3.4, 203.0.113.7")) == "203.0.113.7"
    assert auth.client_ip(request("198.51.100.9", "203.0.113.7")) == "198.51.100.9"  # spoofed
