"""Web Push end to end: the whole app on a real port and SQLite, subscriptions posted over HTTP,
pushes delivered through the outbox to a fake push service on https://127.0.0.1 whose requests
are checked the way a push service and a browser check them."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from bot.app import HouqinApp
from bot.core.types import Address, Reply
from bot.core.webpush import summary
from bot.delivery.notifier import PRIORITY_EMERGENCY, PRIORITY_REPLY, Outgoing
from models.outbox import OutboxMessage
from models.people import Person
from models.places import Place
from models.webpush import VapidKey, WebPushSubscription
from tests.support import make_settings, seed_small_campus
from tests.test_e2e_telegram import free_port
from tests.webpush_support import BrowserKeys, FakePushService, tls_pair, verify_vapid


class World:
    """The app (demo web chat, Web Push allowed to 127.0.0.1), the push service, people."""

    def __init__(self, app: HouqinApp, url: str, push: FakePushService, people: dict):
        self.app = app
        self.url = url
        self.push = push
        self.people = people
        self.origin = url.rstrip("/")
        self.browsers: dict[str | None, aiohttp.ClientSession] = {}

    async def browser(self, key: str | None) -> aiohttp.ClientSession:
        """An HTTP client with the person's session cookie (signed in with the demo picker);
        None: a client without a session."""
        if key not in self.browsers:
            http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
            self.browsers[key] = http
            if key is not None:
                async with http.post(self.url + "api/web/auth/demo",
                                     json={"person_id": self.people[key].id},
                                     headers={"Origin": self.origin}) as resp:
                    assert resp.status == 200, await resp.text()
        return self.browsers[key]

    async def close(self) -> None:
        """Close the clients."""
        for http in self.browsers.values():
            await http.close()

    def user(self, key: str) -> str:
        """The web chat user id of a seeded person."""
        return f"p{self.people[key].id}"

    async def post(self, path: str, body: object = None, *, user: str | None = "student",
                   origin: str | None = "", content_type: str = "application/json",
                   raw: bytes | None = None, locale: str = "en") -> tuple[int, dict]:
        """POST to the app as the page would (Origin of the page unless told otherwise)."""
        params = {"locale": locale}
        headers = {"Content-Type": content_type}
        if origin is not None:
            headers["Origin"] = origin or self.origin
        data = raw if raw is not None else json.dumps(body).encode()
        http = await self.browser(user)
        async with http.post(
            self.url + path.lstrip("/"), params=params, data=data, headers=headers
        ) as resp:
            return resp.status, await resp.json(content_type=None)

    async def subscribe(self, keys: BrowserKeys, token: str, user: str = "student") -> int:
        """Subscribe a browser for a person; the stored row's id."""
        status, body = await self.post(
            "/api/web/push/subscribe", keys.subscription(self.push.endpoint(token)), user=user
        )
        assert status == 201, body
        row = await WebPushSubscription.get(endpoint=self.push.endpoint(token))
        return row.id

    async def public_key(self) -> str:
        """The key the page subscribes with, as served."""
        async with aiohttp.ClientSession() as http, http.get(
            self.url + "api/web/push/key"
        ) as resp:
            assert resp.status == 200
            return (await resp.json())["public_key"]


@pytest.fixture
async def world(tmp_path):
    server_ssl, client_ssl = tls_pair(tmp_path)
    push = FakePushService(server_ssl)
    await push.start()
    port = free_port()
    settings = make_settings(tmp_path, webchat=True, demo=True, http_port=port,
                             webpush_hosts="127.0.0.1")
    app = HouqinApp(settings)
    app.adapters["webpush"].ssl_context = client_ssl  # trust the fake service's certificate
    await app.start(schema="generate")
    people = await seed_small_campus()
    for person in people.values():
        await app.services.people.bind(person, "web", f"p{person.id}", f"p{person.id}")
    world = World(app, f"http://127.0.0.1:{port}/", push, people)
    yield world
    await world.close()
    await app.stop()
    await push.stop()


async def outbox_row(status: str, **filters: object) -> OutboxMessage:
    """The outbox row once the lane has recorded `status` for it (sent marks are written a
    few milliseconds after the call)."""
    for _ in range(250):
        row = await OutboxMessage.get(**filters)
        if row.status == status:
            return row
        await asyncio.sleep(0.02)
    raise AssertionError(f"outbox row {filters} stayed {row.status!r}, not {status!r}")


async def web_texts(world: World, key: str) -> list[str]:
    """What the web chat shows a person (the chat messages, not the pushes)."""
    return [m.text for m in world.app.adapters["web"].messages.since(world.user(key), 0)]


async def test_a_dispatch_offer_is_pushed_signed_and_encrypted(world: World):
    keys = BrowserKeys()
    sub_id = await world.subscribe(keys, "worker-phone", user="worker")
    worker = world.people["worker"]
    stored = await WebPushSubscription.get(id=sub_id)
    assert (stored.person_id, stored.p256dh, stored.failures) == (worker.id, keys.p256dh, 0)

    # a real dispatch: a ticket offered to the worker, who has the web chat and a browser
    app, now = world.app, datetime.now(UTC)
    ticket = await app.services.repairs.create(
        world.people["student"], await Place.get(code="3-402"), "plumbing", "水龙头漏水",
        "normal", [], now,
    )
    await app.services.dispatch.offer(ticket, worker, now)

    [request] = await world.push.wait_for(1)
    assert request.path == "/push/worker-phone"
    claims = verify_vapid(request, await world.public_key(), world.push.origin)
    assert claims["aud"] == world.push.origin
    assert request.headers["Content-Encoding"] == "aes128gcm"
    assert int(request.headers["TTL"]) > 0
    note = keys.decrypt(request.body)
    [offer] = [t for t in await web_texts(world, "worker") if ticket.number in t]
    assert note["body"] == summary(offer) and note["body"]
    assert len(note["body"]) <= 120 and ticket.number in offer
    assert note["title"] == "后勤 Houqin" and note["url"] == "/"
    assert (await WebPushSubscription.get(id=sub_id)).last_ok_at is not None
    await outbox_row("sent", platform="webpush", chat_id=str(sub_id))


async def test_emergency_alert_requires_interaction_and_has_its_own_tag(world: World):
    keys = BrowserKeys()
    sub_id = await world.subscribe(keys, "student-laptop")
    user = world.user("student")
    alert = Reply("紧急通知：3号楼停水\n" + "请立即前往集合点。" * 30)
    queued = await world.app.notifier.enqueue(
        [Outgoing(Address("web", user), alert, PRIORITY_EMERGENCY, "alert:1:r0:test")]
    )
    assert queued == 1  # the push is its own row, not counted as a chat message
    [request] = await world.push.wait_for(1)
    note = keys.decrypt(request.body)
    assert note["requireInteraction"] is True and note["tag"] == "houqin-alert"
    assert note["body"].startswith("紧急通知：3号楼停水") and len(note["body"]) <= 120
    assert request.headers["Urgency"] == "high"
    row = await OutboxMessage.get(platform="webpush")
    assert row.idempotency_key == f"alert:1:r0:test:wp{sub_id}"
    # queued again (a fan-out resumed after a crash): neither the message nor the push repeats
    await world.app.notifier.enqueue(
        [Outgoing(Address("web", user), alert, PRIORITY_EMERGENCY, "alert:1:r0:test")]
    )
    assert await OutboxMessage.filter(platform="webpush").count() == 1

    await world.app.notifier.send(Address("web", user), Reply("Repair R1 is done"))
    [_, second] = await world.push.wait_for(2)
    note = keys.decrypt(second.body)
    assert (note["requireInteraction"], note["tag"]) == (False, "houqin")
    assert second.headers["Urgency"] == "normal"


async def test_a_reply_in_the_open_conversation_is_not_pushed(world: World):
    await world.subscribe(BrowserKeys(), "student-laptop")
    await world.app.notifier.send(
        Address("web", world.user("student")), Reply("echo"), priority=PRIORITY_REPLY
    )
    await world.app.notifier.deliver_due()
    assert await OutboxMessage.filter(platform="webpush").count() == 0
    assert world.push.requests == []


async def test_gone_subscription_is_removed_and_the_chat_message_kept(world: World):
    keys = BrowserKeys()
    sub_id = await world.subscribe(keys, "old-phone")
    world.push.statuses = [410]
    await world.app.notifier.push(world.people["student"], "webpush.sign_in_required")
    await world.push.wait_for(1)
    await world.app.notifier.deliver_due()
    assert not await WebPushSubscription.exists(id=sub_id)
    row = await outbox_row("failed", platform="webpush")
    assert "410" in (row.last_error or "")
    await outbox_row("sent", platform="web")
    expected = world.app.translator(world.people["student"].locale, "webpush.sign_in_required")
    assert await web_texts(world, "student") == [expected]


async def test_a_server_error_is_retried_without_resending_the_chat_message(world: World):
    keys = BrowserKeys()
    sub_id = await world.subscribe(keys, "flaky")
    world.push.statuses = [500]
    await world.app.notifier.send(Address("web", world.user("student")), Reply("Status: done"))
    await world.push.wait_for(1)
    row = await outbox_row("pending", platform="webpush")  # the failure is recorded
    assert row.attempts == 1
    assert row.next_attempt_at > datetime.now(UTC)
    assert (await WebPushSubscription.get(id=sub_id)).failures == 1

    await OutboxMessage.filter(id=row.id).update(next_attempt_at=datetime.now(UTC))
    await world.app.notifier.deliver_due()
    requests = await world.push.wait_for(2)
    assert keys.decrypt(requests[1].body)["body"] == "Status: done"
    row = await outbox_row("sent", platform="webpush")
    assert row.attempts == 2
    sub = await WebPushSubscription.get(id=sub_id)
    assert sub.failures == 0 and sub.last_ok_at is not None
    assert await OutboxMessage.filter(platform="web").count() == 1
    assert await web_texts(world, "student") == ["Status: done"]


async def test_every_browser_of_the_person_gets_its_own_row(world: World):
    phone, laptop = BrowserKeys(), BrowserKeys()
    await world.subscribe(phone, "phone")
    await world.subscribe(laptop, "laptop")
    await world.subscribe(BrowserKeys(), "someone-else", user="student2")
    await world.app.notifier.send(Address("web", world.user("student")), Reply("Rate repair R7"))
    requests = await world.push.wait_for(2)
    await world.app.notifier.deliver_due()
    assert sorted(r.path for r in world.push.requests) == ["/push/laptop", "/push/phone"]
    by_path = {r.path: r for r in requests}
    assert phone.decrypt(by_path["/push/phone"].body)["body"] == "Rate repair R7"
    assert laptop.decrypt(by_path["/push/laptop"].body)["body"] == "Rate repair R7"


def bogus_subscriptions(push: FakePushService) -> list[tuple[str, object, str]]:
    """(what, body, error) of subscriptions that must be refused."""
    good = BrowserKeys().subscription(push.endpoint("x"))
    keys = good["keys"]
    off_curve = "BA" + "A" * 85  # 65 bytes, 0x04 then zeros: not a point on P-256
    return [
        ("http endpoint", {**good, "endpoint": good["endpoint"].replace("https", "http")},
         "bad_endpoint"),
        ("javascript endpoint", {**good, "endpoint": "javascript:alert(1)"}, "bad_endpoint"),
        ("unknown push service", {**good, "endpoint": "https://evil.example/push/1"},
         "unknown_push_service"),
        ("look-alike host", {**good, "endpoint": "https://fcm.googleapis.com.evil.example/x"},
         "unknown_push_service"),
        ("short p256dh", {**good, "keys": {**keys, "p256dh": keys["p256dh"][:40]}}, "bad_keys"),
        ("p256dh not on the curve", {**good, "keys": {**keys, "p256dh": off_curve}}, "bad_keys"),
        ("auth too long", {**good, "keys": {**keys, "auth": keys["auth"] + "AAAA"}}, "bad_keys"),
        ("standard base64", {**good, "keys": {**keys, "auth": "ab+/cd==ef+/gh+/ij=="}},
         "bad_keys"),
        ("keys missing", {"endpoint": good["endpoint"]}, "bad_subscription"),
        ("not an object", [good], "bad_subscription"),
        ("endpoint too long", {**good, "endpoint": good["endpoint"] + "a" * 2000},
         "bad_subscription"),
    ]


async def test_bogus_subscriptions_are_refused_and_nothing_is_stored(world: World):
    for what, body, error in bogus_subscriptions(world.push):
        status, answer = await world.post("/api/web/push/subscribe", body)
        assert (status, answer["error"]) == (400, error), what
        assert answer["message"] and not answer["message"].startswith("webpush."), what
    status, answer = await world.post("/api/web/push/subscribe", {"endpoint": 1}, locale="zh_CN")
    assert (status, answer["message"]) == (400, "推送订阅无效。请关闭通知后重新开启。")
    assert await WebPushSubscription.all().count() == 0


async def test_subscribing_needs_a_person_the_page_origin_and_json(world: World):
    good = BrowserKeys().subscription(world.push.endpoint("x"))
    refusals = [
        ({"user": None}, 401, "sign_in_required"),
        ({"origin": "https://evil.example"}, 403, "cross_origin"),
        ({"origin": None}, 403, "cross_origin"),
        ({"content_type": "text/plain"}, 415, "json_only"),
        ({"raw": b"[" * 100_000 + b"]" * 100_000}, 413, "too_large"),
        ({"raw": b"[" * 40 + b"]" * 40}, 400, "not_json"),
        ({"raw": b"{not json"}, 400, "not_json"),
    ]
    for options, status, error in refusals:
        got, answer = await world.post("/api/web/push/subscribe", good, **options)
        assert (got, answer["error"]) == (status, error), options
    assert await WebPushSubscription.all().count() == 0


async def test_unsubscribe_removes_only_ones_own(world: World):
    mine, theirs = BrowserKeys(), BrowserKeys()
    await world.subscribe(mine, "mine")
    await world.subscribe(theirs, "theirs", user="student2")
    status, body = await world.post(
        "/api/web/push/unsubscribe", {"endpoint": world.push.endpoint("theirs")}
    )
    assert (status, body["removed"]) == (200, False)
    status, body = await world.post(
        "/api/web/push/unsubscribe", {"endpoint": world.push.endpoint("mine")}
    )
    assert (status, body["removed"]) == (200, True)
    assert [s.endpoint for s in await WebPushSubscription.all()] == [
        world.push.endpoint("theirs")
    ]
    status, _ = await world.post("/api/web/push/unsubscribe", {"endpoint": "x"}, user=None)
    assert status == 401


async def test_a_browser_subscribing_again_moves_to_who_is_signed_in(world: World):
    keys = BrowserKeys()
    await world.subscribe(keys, "shared-pc")
    await world.subscribe(keys, "shared-pc", user="student2")
    [row] = await WebPushSubscription.all()
    assert row.person_id == world.people["student2"].id


async def test_an_inactive_person_cannot_subscribe(world: World):
    await world.browser("student")  # signed in, then deactivated
    await Person.filter(id=world.people["student"].id).update(active=False)
    status, answer = await world.post(
        "/api/web/push/subscribe", BrowserKeys().subscription(world.push.endpoint("x"))
    )
    assert (status, answer["error"]) == (401, "sign_in_required")
    assert await WebPushSubscription.all().count() == 0


async def test_vapid_keys_are_generated_once_and_kept(world: World, tmp_path):
    served = await world.public_key()
    [row] = await VapidKey.all()
    assert row.public_key == served and "PRIVATE KEY" in row.private_pem
    assert len(served) == 87  # 65 bytes, base64url without padding
    again = HouqinApp(world.app.settings)
    assert await again.webpush.public_key() == served
    assert await VapidKey.all().count() == 1


async def test_stale_rows_of_a_removed_subscription_give_up(world: World):
    sub_id = await world.subscribe(BrowserKeys(), "gone-soon")
    await WebPushSubscription.filter(id=sub_id).delete()
    await world.app.notifier.enqueue(
        [Outgoing(Address("webpush", str(sub_id)), Reply('{"title":"x","body":"y"}'))]
    )
    await world.app.notifier.deliver_due()
    row = await outbox_row("failed", platform="webpush")
    assert world.push.requests == []
    assert row.next_attempt_at < datetime.now(UTC) + timedelta(minutes=5)


async def test_the_app_manifest_worker_and_icons_are_served(world: World):
    from io import BytesIO

    from PIL import Image

    async with aiohttp.ClientSession() as http:
        async with http.get(world.url + "manifest.webmanifest",
                            headers={"Accept-Language": "en-US,en;q=0.9"}) as resp:
            assert resp.content_type == "application/manifest+json"
            en = json.loads(await resp.text())
        async with http.get(world.url + "manifest.webmanifest",
                            headers={"Accept-Language": "zh-CN"}) as resp:
            zh = json.loads(await resp.text())
        assert en["name"] == zh["name"] == "后勤 Houqin"
        assert (en["short_name"], zh["short_name"]) == ("Houqin", "后勤")
        assert en["description"] != zh["description"]
        assert (en["lang"], zh["lang"]) == ("en", "zh-CN")
        assert (en["start_url"], en["scope"], en["display"]) == ("/", "/", "standalone")
        sizes = set()
        for icon in en["icons"]:
            async with http.get(world.url + icon["src"].lstrip("/")) as resp:
                assert resp.content_type == "image/png"
                with Image.open(BytesIO(await resp.read())) as image:
                    assert f"{image.width}x{image.height}" == icon["sizes"]
                    sizes.add(image.width)
        assert sizes == {192, 512}
        async with http.get(world.url + "sw.js") as resp:
            assert resp.content_type == "text/javascript"
            assert resp.headers["Service-Worker-Allowed"] == "/"
            assert "showNotification" in await resp.text()
        async with http.get(world.url) as resp:
            csp = resp.headers["Content-Security-Policy"]
            page = await resp.text()
        assert "manifest-src 'self'" in csp and "worker-src 'self'" in csp
        assert "unsafe" not in csp and "*" not in csp
        assert 'rel="manifest" href="/manifest.webmanifest"' in page


async def test_with_web_push_off_the_page_gets_no_key_and_nothing_subscribes(tmp_path):
    from aiohttp.test_utils import TestServer

    app = HouqinApp(make_settings(tmp_path, webchat=True, demo=True, webpush=False))
    assert "webpush" not in app.adapters and app.notifier.mirror is None
    server = TestServer(app.http, host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(server.make_url("/api/web/push/key")) as resp:
                assert await resp.json() == {"enabled": False, "public_key": None}
            async with http.get(server.make_url("/sw.js")) as resp:
                assert resp.status == 200  # still installable
            async with http.post(server.make_url("/api/web/push/subscribe"), json={},
                                 headers={"Origin": str(server.make_url("/")).rstrip("/")}) as resp:
                assert resp.status in (404, 405)
    finally:
        await server.close()


def test_the_summary_is_the_first_lines_within_120_characters():
    text = "  \nRepair R12: accepted\nWorker: Wang\n"
    assert summary(text) == "Repair R12: accepted\nWorker: Wang"
    long_line = "水" * 300
    assert summary(long_line) == "水" * 119 + "…"
    assert summary("First line\n" + "x" * 200) == "First line"
    assert summary("") == ""


async def test_a_subscription_failing_again_and_again_is_given_up(world: World):
    from bot.delivery.webpush import MAX_FAILURES

    sub_id = await world.subscribe(BrowserKeys(), "dead")
    await WebPushSubscription.filter(id=sub_id).update(failures=MAX_FAILURES - 2)
    world.push.statuses = [500, 500]
    await world.app.notifier.send(Address("web", world.user("student")), Reply("one"))
    await world.push.wait_for(1)
    await outbox_row("pending", platform="webpush")
    assert (await WebPushSubscription.get(id=sub_id)).failures == MAX_FAILURES - 1
    await OutboxMessage.filter(platform="webpush").update(next_attempt_at=datetime.now(UTC))
    await world.app.notifier.deliver_due()
    await world.push.wait_for(2)
    for _ in range(100):
        if not await WebPushSubscription.exists(id=sub_id):
            break
        await asyncio.sleep(0.02)
    assert not await WebPushSubscription.exists(id=sub_id)
