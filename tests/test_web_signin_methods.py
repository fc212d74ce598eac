"""Web sign-in with one's chat (3c), inside WeCom (3d) and with the Telegram Login Widget (3e),
over real HTTP: the whole app on 127.0.0.1, real SQLite, the fake WeCom API (real crypto on
its callbacks) and the fake Bot API; the widget's hash made with the documented algorithm."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from bot.app import HouqinApp
from models.people import Identity, Person
from models.web_auth import AttemptCounter, ChatSignInCode, WebSession
from tests.e2e_support import TOKEN, tg_settings
from tests.fakes.fake_wecom_api import FakeWeComApi
from tests.fakes.fake_wecom_callbacks import AGENT_ID, CORP_ID
from tests.test_e2e_telegram import free_port
from tests.test_e2e_wecom import wecom_settings
from tests.test_web_sign_in import Browser


@pytest.fixture
async def wecom_api():
    """A running fake WeCom API."""
    fake = FakeWeComApi(corp_id=CORP_ID, agent_id=AGENT_ID)
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def wecom_site(tmp_path, wecom_api):
    """The production app with WeCom and the web chat, its public URL this server."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = HouqinApp(wecom_settings(tmp_path, wecom_api, port, webchat=True, public_url=base))
    await app.start(schema="generate")
    browsers: list[Browser] = []

    def browser() -> Browser:
        b = Browser(base)
        browsers.append(b)
        return b

    yield app, browser, wecom_api
    for b in browsers:
        await b.close()
    await app.stop()


async def member(app: HouqinApp, name: str, phone: str, userid: str | None,
                 external_id: str | None = None) -> Person:
    """A person, bound to a WeCom member when `userid` is given."""
    person = await app.services.people.create(name, ["reporter"], phone=phone,
                                              external_id=external_id)
    if userid:
        await app.services.people.bind(person, "wecom", userid, userid)
    return person


async def sent_code(api: FakeWeComApi, userid: str, count: int = 1) -> str:
    """The 6-digit code in the newest of `count` sign-in messages to a member."""
    def codes():
        found = [re.search(r"\b(\d{6})\b", str(m)) for m in api.messages_to(userid)]
        found = [f.group(1) for f in found if f]
        return found if len(found) >= count else None
    return (await api.wait_for(codes))[-1]


# -- 3c: sign in with my chat -----------------------------------------------------------


async def test_code_sent_to_the_wecom_chat_signs_in_once(wecom_site):
    app, browser, api = wecom_site
    person = await member(app, "张三", "13800000001", "zhangsan", external_id="S2024001")
    page = browser()
    methods = await (await page.get("/api/web/auth/methods")).json()
    assert methods["chat_code"] is True and methods["wecom"] == "/auth/wecom/start"
    asked = await page.post("/api/web/auth/chat-code/request", {"login": "S2024001"},
                            headers={"Accept-Language": "zh-CN"})
    assert asked.status == 200 and "验证码" in (await asked.json())["message"]
    code = await sent_code(api, "zhangsan")
    text = str(api.messages_to("zhangsan")[-1])
    assert "10 分钟" in text and "忽略" in text
    # only the hash is stored
    row = await ChatSignInCode.get(person_id=person.id)
    assert code not in row.code_hash and row.used_at is None
    wrong = await page.post("/api/web/auth/chat-code", {"login": "S2024001",
                            "code": f"{(int(code) + 1) % 1000000:06d}"})
    assert wrong.status == 401 and (await wrong.json())["error"] == "websignin.code_wrong"
    ok = await page.post("/api/web/auth/chat-code", {"login": "13800000001", "code": code})
    assert ok.status == 200 and (await ok.json())["ok"] is True
    me = await page.get("/api/web/me")
    assert me.status == 200 and (await me.json())["person_id"] == person.id
    session = await WebSession.get(person_id=person.id)
    assert session.method == "chat_code"
    assert await Identity.filter(person_id=person.id, platform="web").exists()
    # single use: the same code again, from another browser, is refused
    again = await browser().post("/api/web/auth/chat-code", {"login": "S2024001", "code": code})
    assert again.status == 401


async def test_unknown_and_chatless_accounts_get_the_same_answer(wecom_site):
    app, browser, api = wecom_site
    await member(app, "李四", "13800000002", None)  # no bound chat
    await member(app, "王五", "13800000003", "wangwu")
    page = browser()
    answers = []
    for login in ("13800000003", "13800000002", "no-such-person", "13999999999"):
        resp = await page.post("/api/web/auth/chat-code/request", {"login": login})
        answers.append((resp.status, await resp.json()))
    assert len({str(a) for a in answers}) == 1, answers
    await sent_code(api, "wangwu")
    assert await ChatSignInCode.all().count() == 1


async def test_code_request_limits_count_known_and_unknown_alike(wecom_site):
    app, browser, api = wecom_site
    await member(app, "赵六", "13800000004", "zhaoliu")
    page = browser()
    for login in ("13800000004", "nobody-here"):
        statuses = [
            (await page.post("/api/web/auth/chat-code/request", {"login": login})).status
            for _ in range(6)
        ]
        assert statuses == [200] * 5 + [429], (login, statuses)
    await sent_code(api, "zhaoliu", count=5)
    # only the newest code is live: a new request voids the earlier ones
    assert await ChatSignInCode.filter(used_at=None).count() == 1


async def test_forty_parallel_wrong_codes_record_at_most_five(wecom_site):
    app, browser, api = wecom_site
    await member(app, "钱七", "13800000005", "qianqi")
    page = browser()
    await page.post("/api/web/auth/chat-code/request", {"login": "13800000005"})
    code = await sent_code(api, "qianqi")
    wrong = f"{(int(code) + 7) % 1000000:06d}"

    async def attempt(client: Browser) -> int:
        resp = await client.post("/api/web/auth/chat-code", {"login": "13800000005",
                                                             "code": wrong})
        return resp.status

    clients = [browser() for _ in range(40)]
    statuses = await asyncio.gather(*(attempt(c) for c in clients))
    assert statuses.count(401) == 5 and statuses.count(429) == 35
    counters = await AttemptCounter.filter(scope__startswith="chat_code").values_list(
        "count", flat=True)
    assert counters and max(counters) <= 5
    # the account is locked for now: even the right code waits
    right = await browser().post("/api/web/auth/chat-code", {"login": "13800000005",
                                                            "code": code})
    assert right.status == 429


async def test_bad_chat_code_input_is_answered_not_crashed(wecom_site):
    _app, browser, _api = wecom_site
    page = browser()
    cases = [
        ("/api/web/auth/chat-code/request", {"login": 5}, 400),
        ("/api/web/auth/chat-code/request", {"login": ""}, 400),
        ("/api/web/auth/chat-code/request", {}, 400),
        ("/api/web/auth/chat-code", {"login": "x", "code": ["1"]}, 400),
        ("/api/web/auth/chat-code", {"login": "x"}, 400),
    ]
    for path, payload, status in cases:
        resp = await page.post(path, payload)
        assert resp.status == status, (path, payload, resp.status)
    huge = await page.post("/api/web/auth/chat-code/request",
                           data=b'{"login": "' + b"1" * 10_000_000 + b'"}',
                           headers={"Content-Type": "application/json"})
    assert huge.status in (400, 413)
    nested = await page.post("/api/web/auth/chat-code", data=b"[" * 100_000,
                             headers={"Content-Type": "application/json"})
    assert nested.status in (400, 413)
    cross = await page.post("/api/web/auth/chat-code/request", {"login": "x"},
                            origin="https://evil.example")
    assert cross.status == 403
    assert (await page.get("/healthz")).status == 200


# -- 3d: inside WeCom -------------------------------------------------------------------


async def start_wecom(page: Browser) -> tuple[str, str]:
    """GET /auth/wecom/start: WeCom's authorize URL; returns (redirect_uri, state)."""
    resp = await page.get("/auth/wecom/start", allow_redirects=False)
    assert resp.status == 302
    target = urlsplit(resp.headers["Location"])
    assert (target.scheme, target.netloc, target.path) == (
        "https", "open.weixin.qq.com", "/connect/oauth2/authorize")
    assert target.fragment == "wechat_redirect"
    query = parse_qs(target.query)
    assert query["appid"] == [CORP_ID] and query["agentid"] == [str(AGENT_ID)]
    assert query["scope"] == ["snsapi_base"] and query["response_type"] == ["code"]
    return query["redirect_uri"][0], query["state"][0]


async def test_wecom_member_signs_in_silently(wecom_site):
    app, browser, api = wecom_site
    person = await member(app, "孙八", "13800000006", "sunba")
    page = browser()
    landing, state = await start_wecom(page)
    assert landing == page.base + "/auth/wecom"
    api.oauth_codes["oauth-ok"] = "sunba"  # WeCom identifies the member
    back = await page.http.get(landing, params={"code": "oauth-ok", "state": state},
                               allow_redirects=False)
    assert back.status == 303 and back.headers["Location"] == "/"
    me = await page.get("/api/web/me")
    assert me.status == 200 and (await me.json())["person_id"] == person.id
    assert (await WebSession.get(person_id=person.id)).method == "wecom"
    assert api.calls_to("auth/getuserinfo")
    # the same return replayed: the state cookie is gone, nothing is exchanged again
    calls = len(api.calls_to("auth/getuserinfo"))
    replay = await page.http.get(landing, params={"code": "oauth-ok", "state": state},
                                 allow_redirects=False)
    assert replay.status == 400 and len(api.calls_to("auth/getuserinfo")) == calls


async def test_wecom_return_checks_the_state_cookie(wecom_site):
    app, browser, api = wecom_site
    await member(app, "周九", "13800000007", "zhoujiu")
    victim = browser()
    _, state = await start_wecom(victim)
    api.oauth_codes["oauth-csrf"] = "zhoujiu"
    # an attacker's own return link opened in another browser: no matching state cookie
    other = browser()
    resp = await other.get(f"/auth/wecom?{urlencode({'code': 'oauth-csrf', 'state': state})}",
                           headers={"Accept-Language": "en"})
    assert resp.status == 400 and "twice" in await resp.text()
    # a forged state in the right browser
    forged = await victim.get("/auth/wecom?code=oauth-csrf&state=forged",
                              allow_redirects=False)
    assert forged.status == 400
    assert (await victim.get("/api/web/me")).status == 401
    assert "oauth-csrf" in api.oauth_codes  # never exchanged
    assert await WebSession.all().count() == 0


async def test_wecom_unknown_member_and_bad_input_get_pages(wecom_site):
    _app, browser, api = wecom_site
    page = browser()
    _, state = await start_wecom(page)
    api.oauth_codes["oauth-new"] = "stranger"  # a corp member nobody bound yet
    resp = await page.get(f"/auth/wecom?code=oauth-new&state={state}",
                          headers={"Accept-Language": "zh-CN"})
    body = await resp.text()
    assert resp.status == 403 and "先在企业微信里给后勤应用发消息" in body
    assert "stranger" not in body
    _, state = await start_wecom(page)
    refused = await page.get(f"/auth/wecom?code=spent&state={state}")
    assert refused.status == 403  # WeCom does not know the code
    for query in ("", "?state=x", "?code=x", "?code=" + "a" * 5000 + "&state=x"):
        resp = await page.get("/auth/wecom" + query)
        assert resp.status == 400, query
        assert "Traceback" not in await resp.text()
    assert await WebSession.all().count() == 0


async def test_wecom_menu_links_the_web_chat_when_public(wecom_site):
    app, _browser, _api = wecom_site
    from bot.adapters.wecom.menu import build_menu

    menu, _ = build_menu(app.translator, "zh_CN", {"report", "my", "help"},
                         web_url=app.settings.public_url + "/auth/wecom/start")
    views = [b for top in menu["button"] for b in [top, *top.get("sub_button", [])]
             if b.get("type") == "view"]
    assert views and views[0]["url"].endswith("/auth/wecom/start")
    menu, _ = build_menu(app.translator, "zh_CN", {"report", "my", "help"})
    assert "view" not in str(menu)


# -- 3e: Telegram Login Widget ----------------------------------------------------------


def widget_data(user_id: int, token: str = TOKEN, auth_date: int | None = None,
                **extra: str) -> dict[str, str]:
    """What the widget hands to data-auth-url, signed the documented way."""
    data = {"id": str(user_id), "first_name": "Zhang", "username": "zs",
            "auth_date": str(auth_date if auth_date is not None else int(time.time())), **extra}
    check = "\n".join(f"{k}={data[k]}" for k in sorted(data))
    secret = hashlib.sha256(token.encode()).digest()
    data["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return data


@pytest.fixture
async def tg_site(tmp_path, api):
    """The production app with Telegram (fake Bot API), the web chat and the widget on."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = HouqinApp(tg_settings(tmp_path, api, webchat=True, http_port=port, public_url=base,
                                telegram_bot_username="houqin_test_bot"))
    await app.start(schema="generate")
    browsers: list[Browser] = []

    def browser() -> Browser:
        b = Browser(base)
        browsers.append(b)
        return b

    yield app, browser
    for b in browsers:
        await b.close()
    await app.stop()


async def test_telegram_widget_page_and_csp(tg_site):
    _app, browser = tg_site
    page = browser()
    methods = await (await page.get("/api/web/auth/methods")).json()
    assert methods["telegram"]["bot"] == "houqin_test_bot"
    assert methods["telegram"]["auth_url"] == "/auth/telegram"
    assert methods["telegram"]["script"].startswith("https://telegram.org/js/telegram-widget.js")
    home = await page.get("/")
    csp = home.headers["Content-Security-Policy"]
    assert "script-src 'self' https://telegram.org;" in csp
    assert "frame-src https://oauth.telegram.org" in csp
    # other responses keep the strict policy
    link = await page.get("/auth/link/nothing")
    assert "telegram.org" not in link.headers.get("Content-Security-Policy", "")


async def test_telegram_login_with_a_correct_hash_signs_in(tg_site):
    app, browser = tg_site
    person = await app.services.people.create("张三", ["reporter"])
    await app.services.people.bind(person, "telegram", "777001", "777001")
    page = browser()
    data = widget_data(777001, last_name="San", photo_url="https://t.me/i/userpic/1.jpg")
    resp = await page.get("/auth/telegram?" + urlencode(data), allow_redirects=False)
    assert resp.status == 303
    me = await page.get("/api/web/me")
    assert me.status == 200 and (await me.json())["person_id"] == person.id
    assert (await WebSession.get(person_id=person.id)).method == "telegram"
    # the same signed URL again is refused (a leaked URL is no key)
    again = await browser().get("/auth/telegram?" + urlencode(data), allow_redirects=False)
    assert again.status == 400


async def test_telegram_forged_old_and_unknown_are_refused(tg_site):
    app, browser = tg_site
    person = await app.services.people.create("李四", ["reporter"])
    await app.services.people.bind(person, "telegram", "777002", "777002")
    page = browser()
    forged = widget_data(777002, token="123456:OTHER-token")
    resp = await page.get("/auth/telegram?" + urlencode(forged), headers={"Accept-Language": "en"})
    assert resp.status == 400 and "not valid" in await resp.text()
    tampered = widget_data(777001)
    tampered["id"] = "777002"
    assert (await page.get("/auth/telegram?" + urlencode(tampered))).status == 400
    old = widget_data(777002, auth_date=int(time.time()) - 2 * 86400)
    resp = await page.get("/auth/telegram?" + urlencode(old), headers={"Accept-Language": "en"})
    assert resp.status == 400 and "too old" in await resp.text()
    unknown = widget_data(999999)
    resp = await page.get("/auth/telegram?" + urlencode(unknown),
                          headers={"Accept-Language": "zh-CN"})
    assert resp.status == 403 and "还没有关联" in await resp.text()
    for query in ("", "?id=1", "?hash=ab", "?" + urlencode({**widget_data(777002), "x": "1"}),
                  "?" + urlencode(widget_data(777002)) + "&id=777002",
                  "?" + urlencode({**widget_data(777002), "first_name": "é" * 3000})):
        resp = await page.get("/auth/telegram" + query)
        assert resp.status == 400, query[:80]
        assert "Traceback" not in await resp.text()
    assert await WebSession.all().count() == 0
    assert (await page.get("/api/web/me")).status == 401


async def test_no_widget_without_bot_username(tmp_path, api):
    port = free_port()
    app = HouqinApp(tg_settings(tmp_path, api, webchat=True, http_port=port))
    await app.start(schema="generate")
    page = Browser(f"http://127.0.0.1:{port}")
    try:
        methods = await (await page.get("/api/web/auth/methods")).json()
        assert methods["telegram"] is None and methods["wecom"] is None
        assert "telegram.org" not in (await page.get("/")).headers["Content-Security-Policy"]
        assert (await page.get("/auth/telegram?" + urlencode(widget_data(1)))).status == 404
    finally:
        await page.close()
        await app.stop()


def test_textcards_lead_to_the_web_chat_sign_in_when_public(tmp_path):
    fake = FakeWeComApi(corp_id=CORP_ID, agent_id=AGENT_ID)
    fake._port = 9  # never called: only the renderer's settings are read
    public = HouqinApp(wecom_settings(tmp_path, fake, free_port(), webchat=True,
                                      wecom_text_style="textcard",
                                      public_url="https://houqin.example.edu"))
    assert public.adapters["wecom"].renderer.textcard_url == (
        "https://houqin.example.edu/auth/wecom/start")
    chosen = HouqinApp(wecom_settings(tmp_path, fake, free_port(), webchat=True,
                                      wecom_text_style="textcard",
                                      wecom_textcard_url="https://intranet.example.edu/x",
                                      public_url="https://houqin.example.edu"))
    assert chosen.adapters["wecom"].renderer.textcard_url == "https://intranet.example.edu/x"


async def test_chat_code_and_wecom_sign_in_log_no_code_phone_or_session(wecom_site, caplog):
    import logging

    from tests.test_log_privacy import leaked

    caplog.set_level(logging.DEBUG)
    app, browser, api = wecom_site
    await member(app, "郑十", "13800000009", "zhengshi", external_id="S2024009")
    page = browser()
    await page.post("/api/web/auth/chat-code/request", {"login": "13800000009"})
    code = await sent_code(api, "zhengshi")
    await page.post("/api/web/auth/chat-code", {"login": "S2024009", "code": "000001"})
    ok = await page.post("/api/web/auth/chat-code", {"login": "S2024009", "code": code})
    assert ok.status == 200
    session = ok.cookies
    other = browser()
    _, state = await start_wecom(other)
    api.oauth_codes["oauth-SECRET-99"] = "zhengshi"
    back = await other.get(f"/auth/wecom?code=oauth-SECRET-99&state={state}",
                           allow_redirects=False)
    assert back.status == 303
    assert session["houqin_session"].value
    tokens = [session["houqin_session"].value, back.cookies["houqin_session"].value, state]
    assert not leaked(caplog.records, ["13800000009", "S2024009", code,
                                                  "oauth-SECRET-99", *tokens])


async def test_wecom_sign_in_without_a_public_url_explains_itself(tmp_path, wecom_api):
    port = free_port()
    app = HouqinApp(wecom_settings(tmp_path, wecom_api, port, webchat=True))
    await app.start(schema="generate")
    page = Browser(f"http://127.0.0.1:{port}")
    try:
        assert (await (await page.get("/api/web/auth/methods")).json())["wecom"] is None
        resp = await page.get("/auth/wecom/start", allow_redirects=False,
                              headers={"Accept-Language": "en"})
        assert resp.status == 503 and "HOUQIN_PUBLIC_URL" in await resp.text()
        assert "Location" not in resp.headers
    finally:
        await page.close()
        await app.stop()
